#!/usr/bin/env bash
# Many workers (issue 8, item 6): Pier and supervisord each managing WORKERS (default 200) small HTTP
# workers, `python3 -m http.server PORT --bind 127.0.0.1` (about 10 MiB and ~50 ms of CPU to start
# each; well inside Pier's memory budget, so no memory.expect is needed). Measures:
#   start      launch -> all workers ready (Pier: `pier status --json` says ready = WORKERS, i.e. its
#              port check passed; supervisord: every worker's port accepts a connection)
#   status     median latency of 20 `out/pier status --json` / `supervisorctl status` calls
#   idle CPU   the supervisor's own process, % of one core over IDLE seconds after a 5 s settle
#   RSS        the supervisor's own process at the end of the idle window
# Figures are medians of ROUNDS interleaved rounds (Pier, supervisord, Pier, ...).
# Usage: bench/many-workers.sh [WORKERS=200] [IDLE=15] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-200}
idle=${2:-15}
rounds=${3:-3}
source bench/supervisors-lib.sh
sv_setup supervisord=supervisor
sv_work=$(mktemp -d)
trap sv_cleanup EXIT
mkdir -p "$sv_work/empty"
results=$sv_work/results   # tool start_ms status_ms cpu rss_mib
: > "$results"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS/ { printf "%.0f\n", $2 / 1024 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# Median ms of 20 runs of the given command.
latency() {
  local i t0
  for i in $(seq 20); do t0=$(now_ms); "$@" >/dev/null 2>&1; echo $(( $(now_ms) - t0 )); done | sv_median
}

measure() {  # $1 tool, $2 supervisor pid, $3 start ms, rest: status command
  local tool=$1 pid=$2 start=$3 status t0 t1; shift 3
  status=$(latency "$@")
  sleep 5
  t0=$(ticks "$pid"); sleep "$idle"; t1=$(ticks "$pid")
  echo "$tool $start $status $(awk -v d=$((t1 - t0)) -v s="$idle" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * d / hz / s }') $(rss_mib "$pid")" | tee -a "$results" >&2
}

run_pier() {
  local dir=$sv_work/pier-$1 t0 pid
  mkdir -p "$dir"
  cat > "$dir/pier.yaml" <<YAML
name: many
services:
  w:
    run: $PY -m http.server \$PORT --bind 127.0.0.1 --directory $sv_work/empty
    workers: $workers
    http: { health: / }
listen: { http: "127.0.0.1:$(bench_free_port)" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML
  t0=$(now_ms)
  out/pier up -c "$dir/pier.yaml" > "$dir/out.log" 2>&1 & pid=$!; sv_pids+=("$pid")
  until [ "$(out/pier status --json -c "$dir/pier.yaml" 2>/dev/null | $PY -c 'import json, sys
try: print(json.load(sys.stdin)["services"][0]["ready"])
except Exception: print(0)')" -ge "$workers" ]; do
    [ $(( $(now_ms) - t0 )) -lt 180000 ] || { echo "pier: not all ready in 180 s" >&2; break; }
    sleep 0.2
  done
  measure pier "$pid" $(( $(now_ms) - t0 )) out/pier status --json -c "$dir/pier.yaml"
  sv_stop
}

run_supervisord() {
  local dir=$sv_work/sv-$1 base t0 pid
  base=$(( 30000 + (RANDOM % 40) * 250 ))
  mkdir -p "$dir"
  { sv_supervisord_head "$dir"; cat <<CONF
[program:w]
command=$PY -m http.server %(process_num)d --bind 127.0.0.1 --directory $sv_work/empty
numprocs=$workers
numprocs_start=$base
process_name=w_%(process_num)d
autorestart=true
startsecs=1
CONF
  } > "$dir/supervisord.conf"
  t0=$(now_ms)
  supervisord -c "$dir/supervisord.conf" > "$dir/out.log" 2>&1 & pid=$!; sv_pids+=("$pid")
  $PY - "$base" "$workers" <<'PYWAIT'
import socket, sys, time
base, n = int(sys.argv[1]), int(sys.argv[2])
pending, deadline = set(range(base, base + n)), time.time() + 180
while pending and time.time() < deadline:
    for port in list(pending):
        s = socket.socket(); s.settimeout(0.2)
        try: s.connect(("127.0.0.1", port)); pending.discard(port)
        except OSError: pass
        finally: s.close()
    time.sleep(0.05)
PYWAIT
  measure supervisord "$pid" $(( $(now_ms) - t0 )) supervisorctl -c "$dir/supervisord.conf" status
  sv_stop
}

for round in $(seq "$rounds"); do run_pier "$round"; run_supervisord "$round"; done

col() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$results" | sv_median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? sprintf("%.1f×", a / b) : "n/a") }'; }
row() { echo "| $1 | $(col "$2" 2) | $(col "$2" 3) | $(col "$2" 4) | $(col "$2" 5) |"; }

report="## Many workers: $workers small HTTP workers ($(date -u +%Y-%m-%d))

Command: \`bench/many-workers.sh $workers $idle $rounds\` — workers are \`python3 -m http.server PORT --bind 127.0.0.1\`;
medians of $rounds interleaved rounds. $(nproc) cores${SV_NOTE:+; $SV_NOTE}.
Pier $(git rev-parse --short HEAD) on .NET $(dotnet --version); supervisord $(supervisord --version).

Start: launch → all $workers ready (Pier: \`pier status --json\` reports ready = $workers, each worker's health
check on / passed; supervisord: every port accepts a connection — supervisord itself calls a program
RUNNING after startsecs=1). Status: median of 20 calls of \`out/pier status --json\` / \`supervisorctl status\`.
Idle CPU and RSS: the supervisor's own process only, over ${idle} s after a 5 s settle (Pier samples every
worker's /proc once a second).

| supervisor | start, ms | status call, ms | idle CPU, % of one core | RSS, MiB |
|---|---|---|---|---|
$(row "Pier" pier)
$(row "supervisord" supervisord)
| ratio Pier / supervisord | $(ratio "$(col pier 2)" "$(col supervisord 2)") | $(ratio "$(col pier 3)" "$(col supervisord 3)") | $(ratio "$(col pier 4)" "$(col supervisord 4)") | $(ratio "$(col pier 5)" "$(col supervisord 5)") |"
echo "$report"
bench_publish_section "## Many workers" "$report"
