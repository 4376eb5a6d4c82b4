#!/usr/bin/env bash
# Footprint of the proxy itself: time from exec to the first proxied response, and RSS (summed
# over the proxy's own processes) after 5 s idle, for Pier, nginx, HAProxy and Caddy in front of
# the same already-running backend; then, in rounds of their own (a burst disturbs the next start),
# RSS 10 s after a 5 s burst of load. Pier forwards to it as a `url:` service, so it starts no
# worker: the figures are the proxy's alone. A second Pier row starts its own two workers (the
# same single-process nginx), which is what an operator sees on `pier up`. Median of interleaved rounds.
# Usage: bench/footprint.sh [ROUNDS] [PIER_BINARY]   — writes its table into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
pier=${2:-out/pier}
. bench/lib.sh
bench_install nginx-light haproxy caddy wrk
[ "$pier" != out/pier ] || bench_publish_pier

work=$(mktemp -d)
backend_pid=""
cleanup() { [ -z "$backend_pid" ] || kill -TERM "$backend_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/backend.conf.in" <<'CONF'
daemon off; master_process off; worker_processes 1; pid backend-@PORT@.pid; error_log stderr error;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:@PORT@; location / { return 200 "hello\n"; } } }
CONF
backend_command='sed "s/@PORT@/$PORT/" '"$work"'/backend.conf.in > '"$work"'/backend-$PORT.conf && exec /usr/sbin/nginx -e stderr -p '"$work"' -c '"$work"'/backend-$PORT.conf'
backend=$(bench_free_port)
PORT=$backend sh -c "$backend_command" & backend_pid=$!
bench_wait_http "http://127.0.0.1:$backend/" 10
port=$(bench_free_port)

cat > "$work/nginx.conf" <<CONF
daemon off; worker_processes auto; pid $work/nginx.pid; error_log stderr error;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$port; location / { proxy_pass http://127.0.0.1:$backend; } } }
CONF
cat > "$work/haproxy.cfg" <<CONF
global
  log stderr format raw local0 emerg
  maxconn 1024
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend web
  bind 127.0.0.1:$port
  default_backend app
backend app
  server a 127.0.0.1:$backend
CONF
cat > "$work/Caddyfile" <<CONF
{
  admin off
  auto_https off
}
http://127.0.0.1:$port {
  reverse_proxy 127.0.0.1:$backend
}
CONF
mkdir -p "$work/pier" "$work/pier-workers"
cat > "$work/pier/pier.yaml" <<YAML
name: footprint
services:
  web: { url: "http://127.0.0.1:$backend" }
listen: { http: "127.0.0.1:$port" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML
cat > "$work/pier-workers/pier.yaml" <<YAML
name: footprint-workers
services:
  web:
    run: $backend_command
    workers: 2
    http: { health: / }
listen: { http: "127.0.0.1:$port" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML

# Starts the command, polls the port every 2 ms until "hello" comes back, waits 5 s, then prints
# "milliseconds rss_mib" (RSS of the process and its children that are not workers) and stops it.
# With burst=1 it then loads the proxy for 5 s and lets it idle 10 s, and prints RSS again as a third field.
measure() {
  python3 - "$@" <<'PY'
import os, signal, subprocess, sys, time, urllib.request
port, exclude_children, burst, command = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4:]
started = time.monotonic()
process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, XDG_DATA_HOME="/tmp", XDG_CONFIG_HOME="/tmp"))
while True:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read() == b"hello\n":
            break
    except OSError:
        pass
    if time.monotonic() - started > 30:
        sys.exit("no answer within 30 s")
    time.sleep(0.002)
elapsed = (time.monotonic() - started) * 1000
time.sleep(5)
def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
def total():
    pids = [process.pid]
    if not exclude_children:
        for task in os.listdir(f"/proc/{process.pid}/task"):
            with open(f"/proc/{process.pid}/task/{task}/children") as children:
                pids += [int(pid) for pid in children.read().split()]
    return sum(rss(pid) for pid in pids) / 1024
idle = total()
after = ""
if burst:
    # What is left of a burst: 5 s of 256 keep-alive connections, then 10 s idle.
    subprocess.run(["wrk", "-t2", "-c256", "-d5s", f"http://127.0.0.1:{port}/"], stdout=subprocess.DEVNULL, check=True)
    time.sleep(10)
    after = f" {total():.0f}"
print(f"{elapsed:.0f} {idle:.0f}{after}")
process.send_signal(signal.SIGTERM)
process.wait(timeout=30)
PY
}

declare -A results bursts
names=("Pier (url: upstream)" "Pier (starts 2 workers)" nginx HAProxy Caddy)
# $1: 1 to add the burst. Prints what measure prints.
measure_proxy() {
  case $name in
    "Pier (url: upstream)") measure "$port" 1 "$1" "$pier" up -c "$work/pier/pier.yaml" --state "$work/pier/state" ;;
    "Pier (starts 2 workers)") measure "$port" 1 "$1" "$pier" up -c "$work/pier-workers/pier.yaml" --state "$work/pier-workers/state" ;;
    nginx) measure "$port" 0 "$1" /usr/sbin/nginx -e stderr -p "$work" -c "$work/nginx.conf" ;;
    HAProxy) measure "$port" 0 "$1" /usr/sbin/haproxy -db -f "$work/haproxy.cfg" ;;
    Caddy) measure "$port" 0 "$1" /usr/bin/caddy run --config "$work/Caddyfile" --adapter caddyfile ;;
  esac
  bench_wait_port_free "$port"
}
# Interleaved rounds: $1 rounds, $2 burst (0 or 1), results into the array named $3, $4 labels the progress.
measure_rounds() {
  local -n into=$3
  local round r
  for round in $(seq "$1"); do
    for name in "${names[@]}"; do
      r=$(measure_proxy "$2")
      into[$name]+="$r;"
      echo "$4 $round $name: $r" >&2
    done
  done
}
measure_rounds "$rounds" 0 results round
burst_rounds=$(( rounds < 3 ? rounds : 3 ))
measure_rounds "$burst_rounds" 1 bursts "burst round"

median() {  # $1 = "a b;a b;..." $2 = field number
  echo "$1" | tr ';' '\n' | awk -v f="$2" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
table="| proxy | exec → first proxied response, ms | idle RSS, MiB | RSS 10 s after 5 s of load, MiB |
|---|---:|---:|---:|"
for name in "${names[@]}"; do
  table+=$'\n'"| $name | $(median "${results[$name]}" 1) | $(median "${results[$name]}" 2) | $(median "${bursts[$name]}" 3) |"
done
echo "$table"
bench_record "Footprint" "bench/footprint.sh $rounds $pier" "$(cat <<TEXT
Median of $rounds interleaved rounds; RSS after 5 s idle, of the proxy's own processes (nginx: master
and workers; Pier: its process, not the workers it started). The last column, from $burst_rounds further
rounds (a burst would disturb the next start): \`wrk -t2 -c256 -d5s\` through the proxy, 10 s idle,
RSS again — what a proxy keeps of a burst. Pier binary: \`$pier\`.
Versions: $(bench_versions nginx haproxy caddy).

$table
TEXT
)"
