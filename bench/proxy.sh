#!/usr/bin/env bash
# Reverse-proxy throughput: Pier's front door side by side with nginx, HAProxy and Caddy, each in
# front of the same kind of two backend workers (single-process nginx answering "hello"), loaded by
# wrk over loopback. Reports req/s, p50, p99 and req/s per CPU-second of the proxy's own processes
# (the backends are not counted), for HTTP/1.1 keep-alive at 64 and 256 connections, HTTPS (TLS 1.3,
# keep-alive), and the TLS handshake rate (a new connection per request). Each figure is the median
# of interleaved repeats: every round runs every proxy once, in turn.
# Usage: bench/proxy.sh [SECONDS] [ROUNDS]   — prints a Markdown table and writes it into docs/benchmarks.md.
# SCENARIOS="http-64 handshake-64" and PROXIES="pier nginx" run a part, for investigations: its table is
# printed only (keep nginx in PROXIES for the "× nginx" column); PIER_ENV="NAME=value" starts Pier with it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
rounds=${2:-3}
. bench/lib.sh
bench_install nginx-light haproxy caddy wrk nghttp2-client openssl
bench_publish_pier

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}" ${proxy_pid:-}; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/cert.pem" "$work/key.pem" > "$work/both.pem"

# The backend: one nginx process answering a small body, started on a given port.
cat > "$work/backend.conf.in" <<'CONF'
daemon off; master_process off; worker_processes 1; pid backend-@PORT@.pid; error_log stderr error;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:@PORT@ reuseport; location / { return 200 "hello\n"; } } }
CONF
backend_command='sed "s/@PORT@/$PORT/" '"$work"'/backend.conf.in > '"$work"'/backend-$PORT.conf && exec /usr/sbin/nginx -e stderr -p '"$work"' -c '"$work"'/backend-$PORT.conf'
# The same backend on a Unix socket, for Pier's workers on $SOCKET (the pier-uds row).
sed 's|listen 127.0.0.1:@PORT@ reuseport;|listen unix:@SOCKET@;|; s|backend-@PORT@.pid|backend-@ID@.pid|' "$work/backend.conf.in" > "$work/backend-uds.conf.in"
socket_backend_command='sed "s|@SOCKET@|$SOCKET|; s|@ID@|$PIER_WORKER|" '"$work"'/backend-uds.conf.in > '"$work"'/backend-$PIER_WORKER.conf && exec /usr/sbin/nginx -e stderr -p '"$work"' -c '"$work"'/backend-$PIER_WORKER.conf'
b1=$(bench_free_port); b2=$(bench_free_port)
# Each backend in a session of its own, as Pier starts its workers: with sched_autogroup_enabled=1
# (Debian's default) the kernel gives every session its own share of the CPU, so backends in the
# script's session would compete with wrk and the proxy where Pier's do not (docs/benchmarks.md).
for port in $b1 $b2; do PORT=$port setsid sh -c "$backend_command" & pids+=($!); done

http_port=$(bench_free_port); https_port=$(bench_free_port)

start_nginx() {
  cat > "$work/nginx.conf" <<CONF
daemon off; worker_processes auto; pid $work/nginx.pid; error_log stderr error;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000;
  upstream app { server 127.0.0.1:$b1; server 127.0.0.1:$b2; keepalive 256; }
  server { listen 127.0.0.1:$http_port; listen 127.0.0.1:$https_port ssl http2;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$remote_addr; proxy_set_header X-Forwarded-Proto \$scheme; } } }
CONF
  /usr/sbin/nginx -e stderr -p "$work" -c "$work/nginx.conf" & proxy_pid=$!
}

start_haproxy() {
  cat > "$work/haproxy.cfg" <<CONF
global
  log stderr format raw local0 emerg
  maxconn 4096
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option forwardfor
frontend web
  bind 127.0.0.1:$http_port
  bind 127.0.0.1:$https_port ssl crt $work/both.pem alpn h2,http/1.1
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  default_backend app
backend app
  balance leastconn
  server a 127.0.0.1:$b1
  server b 127.0.0.1:$b2
CONF
  /usr/sbin/haproxy -db -f "$work/haproxy.cfg" & proxy_pid=$!
}

start_caddy() {
  cat > "$work/Caddyfile" <<CONF
{
  admin off
  auto_https off
  log {
    level ERROR
  }
}
http://127.0.0.1:$http_port {
  reverse_proxy 127.0.0.1:$b1 127.0.0.1:$b2 {
    lb_policy least_conn
  }
}
https://127.0.0.1:$https_port {
  tls $work/cert.pem $work/key.pem
  reverse_proxy 127.0.0.1:$b1 127.0.0.1:$b2 {
    lb_policy least_conn
  }
}
CONF
  XDG_DATA_HOME=$work/caddy XDG_CONFIG_HOME=$work/caddy /usr/bin/caddy run --config "$work/Caddyfile" --adapter caddyfile >/dev/null 2>&1 & proxy_pid=$!
}

# Pier redirects plain HTTP to HTTPS once it has a certificate, so its HTTP figures come from an
# instance without `https`.
mkdir -p "$work/pier" "$work/pier-http"
cat > "$work/pier-http/pier.yaml" <<YAML
name: bench-proxy
services:
  web:
    run: $backend_command
    workers: 2
    http: { health: / }
listen: { http: "127.0.0.1:$http_port" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML
sed "s|^listen: .*|https: { certificate: $work/cert.pem, key: $work/key.pem, hsts: off }\nlisten: { http: \"127.0.0.1:$http_port\", https: \"127.0.0.1:$https_port\" }|" \
  "$work/pier-http/pier.yaml" > "$work/pier/pier.yaml"
mkdir -p "$work/pier-uds"
awk -v run="    run: $socket_backend_command" '/^    run: / { print run; next } { print }' "$work/pier-http/pier.yaml" > "$work/pier-uds/pier.yaml"

start_pier() {  # $1 = the config's folder
  env ${PIER_ENV:-} out/pier up -c "$work/$1/pier.yaml" --state "$work/$1/state" >"$work/$1/out.log" 2>&1 & proxy_pid=$!
}

stop_proxy() { kill -TERM "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; bench_wait_port_free "$http_port"; }

# CPU ticks of the proxy: the main process plus its children, except Pier's (they are the backends).
proxy_ticks() {
  local total=0 pid
  for pid in "$proxy_pid" $( [ "${1%%-*}" = pier ] || pgrep -P "$proxy_pid" ); do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

# One wrk run against the running proxy: prints "rps p50_ms p99_ms rps_per_cpu_second".
load() {  # $1 = proxy name, $2 = url, $3 = connections, $4.. = extra wrk flags
  local name=$1 url=$2 connections=$3; shift 3
  wrk -t2 -c"$connections" -d2s "$@" "$url" >/dev/null 2>&1 || true   # warm-up: JIT, TLS session setup, upstream pools
  local t0 t1 out
  t0=$(proxy_ticks "$name")
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$url" 2>&1)
  t1=$(proxy_ticks "$name")
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad += $NF } /Socket errors/ { bad += 1 }
    END { cpu = ticks / hz; printf "%.0f %.2f %.2f %.0f %d\n", rps, p50, p99, (cpu > 0 ? rps * s / cpu : 0), bad }'
}

# HTTP/2 over TLS with h2load: 64 connections, 10 streams each. h2load gives no percentiles, so
# the p50 column holds its mean request time and p99 is left empty.
load_h2() {  # $1 = proxy name, $2 = url
  h2load -c 64 -m 10 -t 2 -D 2 "$2" >/dev/null 2>&1 || true
  local t0 t1 out
  t0=$(proxy_ticks "$1")
  out=$(h2load -c 64 -m 10 -t 2 -D "$seconds" "$2" 2>&1)
  t1=$(proxy_ticks "$1")
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^finished in/ { rps = $4 } /^requests:/ { for (i = 2; i <= NF; i++) if ($(i + 1) ~ /^(failed|errored|timeout)/) bad += $i } /^time for request:/ { mean = ms($6) }
    /^status codes:/ { bad += $7 + $9 }
    END { cpu = ticks / hz; printf "%.0f %.2f - %.0f %d\n", rps, mean, (cpu > 0 ? rps * s / cpu : 0), bad }'
}

all_scenarios="http-64 http-256 https-64 handshake-64 h2-64x10"
scenarios=(${SCENARIOS:-$all_scenarios})
# pier-uds: Pier with its workers on Unix sockets ($SOCKET); plain HTTP scenarios only.
all_proxies="pier pier-uds nginx haproxy caddy"
proxies=(${PROXIES:-$all_proxies})
declare -A results
for round in $(seq "$rounds"); do
  for proxy in "${proxies[@]}"; do
    for scenario in "${scenarios[@]}"; do
      case $proxy in
        pier) if [ "${scenario%%-*}" = http ]; then start_pier pier-http; else start_pier pier; fi ;;
        pier-uds) if [ "${scenario%%-*}" = http ]; then start_pier pier-uds; else continue; fi ;;
        *) "start_$proxy" ;;
      esac
      bench_wait_http "http://127.0.0.1:$http_port/" 60
      case $scenario in
        http-64) r=$(load "$proxy" "http://127.0.0.1:$http_port/" 64) ;;
        http-256) r=$(load "$proxy" "http://127.0.0.1:$http_port/" 256) ;;
        https-64) r=$(load "$proxy" "https://127.0.0.1:$https_port/" 64) ;;
        handshake-64) r=$(load "$proxy" "https://127.0.0.1:$https_port/" 64 -H "Connection: close") ;;
        h2-64x10) r=$(load_h2 "$proxy" "https://127.0.0.1:$https_port/") ;;
      esac
      stop_proxy
      results[$proxy,$scenario]+="$r;"
      echo "round $round $proxy $scenario: $r" >&2
    done
  done
done

median() {  # $1 = "a b c d e;a b c d e;..." $2 = field number: the median of that field over the runs
  echo "$1" | tr ';' '\n' | awk -v f="$2" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

table="| scenario | proxy | req/s | × nginx | p50 ms | p99 ms | req/s per proxy CPU-s | errors |
|---|---|---:|---:|---:|---:|---:|---:|"
for scenario in "${scenarios[@]}"; do
  nginx_rps=$(median "${results[nginx,$scenario]}" 1)
  for proxy in "${proxies[@]}"; do
    runs=${results[$proxy,$scenario]:-}
    [ -n "$runs" ] || continue
    rps=$(median "$runs" 1)
    table+=$'\n'"| $scenario | $proxy | $rps | $(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') | $(median "$runs" 2) | $(median "$runs" 3) | $(median "$runs" 4) | $(median "$runs" 5) |"
  done
done
echo "$table"

[ "${scenarios[*]}" = "$all_scenarios" ] && [ "${proxies[*]}" = "$all_proxies" ] || exit 0   # a part: printed only
bench_record "Proxy throughput" "bench/proxy.sh $seconds $rounds" "$(cat <<TEXT
Two single-process nginx backends answering \`hello\\n\`; wrk with 2 threads, $seconds s per run after a
2 s warm-up, median of $rounds interleaved rounds. \`http-N\`: HTTP/1.1 keep-alive with N connections;
\`https-64\`: TLS 1.3 keep-alive; \`handshake-64\`: TLS 1.3 with \`Connection: close\`, one handshake per
request; \`pier-uds\`: Pier with its two workers on Unix sockets (\`\$SOCKET\`), the others reach the backends over
loopback TCP; \`h2-64x10\`: HTTP/2 over TLS with h2load, 64 connections of 10 streams (the p50 column holds the
mean). Load generator, proxy and backends share the machine's $(nproc) cores, so req/s per CPU-second of the
proxy is the fairer efficiency figure. Versions: $(bench_versions nginx haproxy caddy wrk h2load).

$table
TEXT
)"
