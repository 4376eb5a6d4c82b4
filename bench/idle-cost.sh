#!/usr/bin/env bash
# Idle cost of supervising many workers: CPU (% of one core) and RSS of the supervisor itself while
# 50 idle workers run, Pier (which samples every worker's process tree each second) side by side
# with supervisord. Each figure is the median of 3 interleaved runs of 30 s.
# Usage: bench/idle-cost.sh [WORKERS] [SECONDS]   — results replace its section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-50}
seconds=${2:-30}
command -v supervisord >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq supervisor >/dev/null; }
. bench/lib.sh
bench_publish_pier
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

measure() {  # $1 = pid: prints "cpu_percent rss_mib" over $seconds, after a settle period
  sleep 5
  local t0 t1
  t0=$(ticks "$1"); sleep "$seconds"; t1=$(ticks "$1")
  awk -v d=$((t1 - t0)) -v s="$seconds" -v r="$(rss_kib "$1")" 'BEGIN { printf "%.2f %.0f\n", d / s, r / 1024 }'
}

run_pier() {
  mkdir -p "$work/pier" && cat > "$work/pier/pier.yaml" <<YAML
name: idle
services:
  idle:
    run: sleep 100000
    workers: $workers
listen: { http: "127.0.0.1:$(( 20000 + RANDOM % 10000 ))" }
admin: { listen: "127.0.0.1:$(( 30000 + RANDOM % 10000 ))" }
YAML
  out/pier up -c "$work/pier/pier.yaml" >/dev/null 2>&1 &
  local pid=$!
  measure "$pid"
  kill -TERM "$pid"; wait "$pid" || true
}

run_supervisord() {
  mkdir -p "$work/sv" && cat > "$work/sv/supervisord.conf" <<CONF
[supervisord]
nodaemon=true
logfile=$work/sv/supervisord.log
pidfile=$work/sv/supervisord.pid
[program:idle]
command=sleep 100000
numprocs=$workers
process_name=%(program_name)s_%(process_num)02d
CONF
  supervisord -c "$work/sv/supervisord.conf" >/dev/null 2>&1 &
  local pid=$!
  measure "$pid"
  kill -TERM "$pid"; wait "$pid" || true
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -a pier_runs sv_runs
for round in 1 2 3; do
  pier_runs+=("$(run_pier)")
  sv_runs+=("$(run_supervisord)")
done
pier_cpu=$(printf '%s\n' "${pier_runs[@]}" | awk '{ print $1 }' | median)
pier_rss=$(printf '%s\n' "${pier_runs[@]}" | awk '{ print $2 }' | median)
sv_cpu=$(printf '%s\n' "${sv_runs[@]}" | awk '{ print $1 }' | median)
sv_rss=$(printf '%s\n' "${sv_runs[@]}" | awk '{ print $2 }' | median)

report=$(cat <<MD

## Idle cost with $workers workers ($(date -u +%Y-%m-%d), $(nproc) cores)

Command: \`bench/idle-cost.sh $workers $seconds\` — median of 3 interleaved runs of ${seconds} s.
Pier $(git rev-parse --short HEAD) on .NET $(dotnet --version); $(supervisord --version | sed 's/^/supervisord /').

| supervisor | CPU, % of one core | RSS, MiB |
|---|---|---|
| Pier (samples every worker tree each second) | $pier_cpu | $pier_rss |
| supervisord | $sv_cpu | $sv_rss |
| ratio Pier / supervisord | $(awk -v a="$pier_cpu" -v b="$sv_cpu" 'BEGIN { print (b > 0 ? sprintf("%.1f×", a / b) : "n/a (supervisord ~0)") }') | $(awk -v a="$pier_rss" -v b="$sv_rss" 'BEGIN { printf "%.1f×", a / b }') |
MD
)
echo "$report"
bench_publish_section "## Idle cost with $workers workers" "$report"
