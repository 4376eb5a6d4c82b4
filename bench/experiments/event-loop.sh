#!/usr/bin/env bash
# Experiment, not a benchmark of the product: can a .NET proxy shaped like nginx (an epoll loop per
# core that owns both connections of a request, no thread pool, no hop between threads) match nginx
# and HAProxy on this machine? Publishes bench/experiments/event-loop (a prototype: GET/HEAD without
# bodies, Content-Length answers only) natively and measures it in bench/proxy.sh's setup (two
# single-process nginx backends, wrk -t2, HTTP/1.1 keep-alive at 64 and 256 connections) beside
# Pier as it is, nginx and HAProxy, in interleaved rounds.
# Usage: bench/experiments/event-loop.sh [SECONDS=8] [ROUNDS=3] [PIER_BINARY=out/pier]
#   — prints the runs and a table; writes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-8}
rounds=${2:-3}
pier=${3:-out/pier}
. bench/lib.sh
bench_install nginx-light haproxy wrk clang zlib1g-dev
[ -x "$pier" ] || bench_publish_pier

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "publishing the prototype" >&2
dotnet publish bench/experiments/event-loop -c Release -o "$work/event-loop" --nologo -v q > /dev/null

cat > "$work/backend.conf.in" <<'CONF'
daemon off; master_process off; worker_processes 1; pid backend-@PORT@.pid; error_log stderr error;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:@PORT@ reuseport; location / { return 200 "hello\n"; } } }
CONF
b1=$(bench_free_port); b2=$(bench_free_port)
for port in $b1 $b2; do
  sed "s/@PORT@/$port/" "$work/backend.conf.in" > "$work/backend-$port.conf"
  # A session of its own, as Pier's workers have (bench/proxy.sh says why).
  setsid /usr/sbin/nginx -e stderr -p "$work" -c "$work/backend-$port.conf" & pids+=($!)
done
port=$(bench_free_port)

cat > "$work/nginx.conf" <<CONF
daemon off; worker_processes auto; pid $work/nginx.pid; error_log stderr error;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000;
  upstream app { server 127.0.0.1:$b1; server 127.0.0.1:$b2; keepalive 256; }
  server { listen 127.0.0.1:$port;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$remote_addr; proxy_set_header X-Forwarded-Proto \$scheme; } } }
CONF
cat > "$work/haproxy.cfg" <<CONF
global
  log stderr format raw local0 emerg
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option forwardfor
frontend web
  bind 127.0.0.1:$port
  default_backend app
backend app
  balance leastconn
  server a 127.0.0.1:$b1
  server b 127.0.0.1:$b2
CONF
# Pier starts its own two backends of the same kind, as in bench/proxy.sh.
backend_command='sed "s/@PORT@/$PORT/" '"$work"'/backend.conf.in > '"$work"'/backend-$PORT.conf && exec /usr/sbin/nginx -e stderr -p '"$work"' -c '"$work"'/backend-$PORT.conf'
cat > "$work/pier.yaml" <<YAML
name: event-loop-experiment
services:
  web:
    run: $backend_command
    workers: 2
    http: { health: / }
listen: { http: "127.0.0.1:$port" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML

start() {
  case $1 in
    pier) rm -rf "$work/state"; "$pier" up -c "$work/pier.yaml" --state "$work/state" > "$work/pier.log" 2>&1 & proxy_pid=$! ;;
    event-loop) "$work/event-loop/event-loop-proxy" "$port" "$b1,$b2" & proxy_pid=$! ;;
    event-loop-1) "$work/event-loop/event-loop-proxy" "$port" "$b1,$b2" 1 & proxy_pid=$! ;;
    nginx) /usr/sbin/nginx -e stderr -p "$work" -c "$work/nginx.conf" & proxy_pid=$! ;;
    haproxy) /usr/sbin/haproxy -db -f "$work/haproxy.cfg" & proxy_pid=$! ;;
  esac
  pids+=("$proxy_pid")
  bench_wait_http "http://127.0.0.1:$port/" 60
}
stop() { kill -TERM "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; bench_wait_port_free "$port"; }
# CPU ticks of the proxy: its process and children (nginx's workers), except Pier's (the backends).
ticks() { local total=0 pid; for pid in "$proxy_pid" $([ "$proxy" = pier ] || pgrep -P "$proxy_pid" || true); do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0))); done; echo "$total"; }
load() {  # $1 = connections: prints "rps p50_ms p99_ms cpu_us_per_request errors"
  wrk -t2 -c"$1" -d2s "http://127.0.0.1:$port/" > /dev/null 2>&1 || true
  local t0 t1 out
  t0=$(ticks)
  out=$(wrk -t2 -c"$1" -d"${seconds}s" --latency "http://127.0.0.1:$port/" 2>&1)
  t1=$(ticks)
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad += $NF } /Socket errors/ { bad += 1 }
    END { printf "%.0f %.2f %.2f %.1f %d\n", rps, p50, p99, (rps > 0 ? ticks / hz * 1e6 / (rps * s) : 0), bad }'
}
median() { echo "$1" | tr ';' '\n' | awk -v f="$2" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

proxies=(pier event-loop event-loop-1 nginx haproxy)
declare -A results
for round in $(seq "$rounds"); do
  for proxy in "${proxies[@]}"; do
    for connections in 64 256; do
      start "$proxy"
      r=$(load "$connections")
      stop
      results[$proxy,$connections]+="$r;"
      echo "round $round $proxy http-$connections: $r" >&2
    done
  done
done

echo "| scenario | proxy | req/s | × nginx | × HAProxy | p50 ms | p99 ms | proxy CPU µs per request | errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for connections in 64 256; do
  nginx_rps=$(median "${results[nginx,$connections]}" 1); haproxy_rps=$(median "${results[haproxy,$connections]}" 1)
  for proxy in "${proxies[@]}"; do
    runs=${results[$proxy,$connections]}; rps=$(median "$runs" 1)
    echo "| http-$connections | $proxy | $rps | $(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$rps" -v b="$haproxy_rps" 'BEGIN { printf "%.2f", a / b }') | $(median "$runs" 2) | $(median "$runs" 3) | $(median "$runs" 4) | $(median "$runs" 5) |"
  done
done
echo "Versions: $(bench_versions nginx haproxy wrk)"
