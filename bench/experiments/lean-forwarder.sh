#!/usr/bin/env bash
# Experiment, not a benchmark of the product: how much of Pier's proxy cost is the forwarding leg
# (YARP + SocketsHttpHandler), and what a lean HTTP/1.1 forwarder would gain. Applies
# lean-forwarder.patch to a copy of the tree (a prototype: GETs with Content-Length answers only, no
# retries), publishes it natively, and measures in interleaved rounds, against one single-process
# nginx backend: Pier as it is (yarp), the prototype (lean), the prototype with socket continuations
# run inline (lean-inline), Kestrel answering by itself (direct), nginx proxying to the same backend
# (nginx-proxy) and the backend alone (nginx-direct). wrk -t2 -c64, 6 s after 2 s of warm-up.
# Usage: bench/experiments/lean-forwarder.sh [ROUNDS=3]   — prints the runs; writes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
. bench/lib.sh
bench_install nginx-light wrk clang zlib1g-dev

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  git worktree remove --force "$work/tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git worktree add -q --detach "$work/tree" HEAD
git -C "$work/tree" apply "$PWD/bench/experiments/lean-forwarder.patch"
echo "publishing the prototype (a few minutes)" >&2
dotnet publish "$work/tree/src/Pier" -c Release -o "$work/bin" --nologo -v q > /dev/null

backend=$(bench_free_port); front=$(bench_free_port); proxy=$(bench_free_port)
cat > "$work/backend.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $work/backend.pid; error_log stderr error;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$backend; location / { return 200 "hello\n"; } } }
CONF
cat > "$work/proxy.conf" <<CONF
daemon off; worker_processes auto; pid $work/proxy.pid; error_log stderr error;
events { worker_connections 1024; }
http { access_log off; upstream b { server 127.0.0.1:$backend; keepalive 64; }
  server { listen 127.0.0.1:$proxy; location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
cat > "$work/pier.yaml" <<YAML
name: lean-experiment
services:
  web: { url: "http://127.0.0.1:$backend" }
listen: { http: "127.0.0.1:$front" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML
/usr/sbin/nginx -e stderr -p "$work" -c "$work/backend.conf" & backend_pid=$!; pids+=("$backend_pid")
bench_wait_http "http://127.0.0.1:$backend/" 10

# CPU seconds (user + system) of a process and its children so far.
cpu() { local total=0 pid; for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$total"; }
load() { # name url pids...
  local name=$1 url=$2; shift 2
  wrk -t2 -c64 -d2s "$url" > /dev/null
  local before; before=$(cpu "$@")
  local result; result=$(wrk -t2 -c64 -d6s --latency "$url" | awk '/Requests\/sec/ { rps = $2 } /99%/ { p99 = $2 } END { print rps, p99 }')
  local after; after=$(cpu "$@")
  echo "$name: req/s p99 $result, proxy CPU $(awk -v t=$((after - before)) 'BEGIN { printf "%.2f", t / 100 }') s"
}
for round in $(seq "$rounds"); do
  for mode in yarp lean lean-inline direct; do
    env=(PIER_EXP="${mode%-inline}")
    [ "$mode" != lean-inline ] || env+=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)
    env "${env[@]}" "$work/bin/pier" up -c "$work/pier.yaml" --state "$work/state" > /dev/null 2>&1 & pier_pid=$!; pids+=("$pier_pid")
    bench_wait_http "http://127.0.0.1:$front/" 30
    load "round $round $mode" "http://127.0.0.1:$front/" "$pier_pid"
    kill -TERM "$pier_pid"; wait "$pier_pid" || true
    rm -rf "$work/state"
  done
  /usr/sbin/nginx -e stderr -p "$work" -c "$work/proxy.conf" & proxy_pid=$!; pids+=("$proxy_pid")
  bench_wait_http "http://127.0.0.1:$proxy/" 10
  load "round $round nginx-proxy" "http://127.0.0.1:$proxy/" "$proxy_pid" $(cat "/proc/$proxy_pid/task/$proxy_pid/children")
  kill -TERM "$proxy_pid"; wait "$proxy_pid" || true
  load "round $round nginx-direct" "http://127.0.0.1:$backend/" "$backend_pid"
done
