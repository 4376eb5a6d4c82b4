#!/usr/bin/env bash
# Rolling reload under load (issue 8, item 5): 4 workers behind each tool, wrk on the public port, and
# 2 s in a reload of every worker:
#   Pier         out/pier reload -c FILE (returns once every worker is replaced; same config = replace all)
#   PM2          pm2 reload app (returns once every cluster worker is replaced)
#   gunicorn     SIGHUP to the master; done when all 4 children are new PIDs past post_worker_init
#   supervisord  no reload of its own: supervisorctl restart web:web_N one program after another,
#                nginx in front retrying the next upstream on error/timeout (what an operator scripts)
# Reports requests, failed requests (wrk socket errors + HTTP >= 400), and the reload duration, from
# the trigger until all workers are new and serving. Medians of REPEATS interleaved runs.
# Usage: bench/rolling-reload.sh [SECONDS=15] [REPEATS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
repeats=${2:-3}
tools=(${TOOLS:-pier-py pm2 gunicorn supervisord pier-node})
SV_NEED_PM2=1
source bench/supervisors-lib.sh
sv_setup gunicorn=gunicorn supervisord=supervisor nginx=nginx-light wrk=wrk node=nodejs
sv_work=$(mktemp -d)
trap sv_cleanup EXIT
results=$sv_work/results   # tool requests failed duration_ms all_new
: > "$results"

# Triggers the reload; prints its duration in ms (trigger -> all workers new and serving).
reload() {
  local before t0 pid n
  before=$(sv_workers | awk '{ print $1 }' | sort)
  t0=$(now_ms)
  case $sv_tool in
    pier-*) out/pier reload -c "$sv_dir/pier.yaml" > "$sv_dir/reload.log" 2>&1 || echo "pier reload failed" >&2 ;;
    pm2) sv_pm2 reload app > "$sv_dir/reload.log" 2>&1 ;;
    gunicorn)
      kill -HUP "$sv_main"
      while :; do
        n=0
        for pid in $(ps -o pid= --ppid "$sv_main"); do
          grep -qx "$pid" <<< "$before" && { n=-99; break; }
          [ -f "$sv_dir/ready/ready-$pid" ] && n=$((n + 1))
        done
        [ "$n" -ge 4 ] && break
        [ $(( $(now_ms) - t0 )) -lt 60000 ] || break
        sleep 0.05
      done ;;
    supervisord)
      for n in $(seq "$sv_base" $((sv_base + 3))); do sv_supervisorctl restart "web:web_$n" >> "$sv_dir/reload.log" 2>&1; done ;;
  esac
  local ms=$(( $(now_ms) - t0 ))
  local after; after=$(sv_workers | awk '{ print $1 }' | sort)
  local same; same=$(comm -12 <(echo "$before") <(echo "$after") | grep -c . || true)
  echo "$ms $([ "$same" = 0 ] && [ "$(echo "$after" | grep -c .)" -ge 4 ] && echo yes || echo no)"
}

run() {  # $1 tool, $2 round
  local dir=$sv_work/$1-$2 load rel
  sv_start "$1" "$dir" 4 2>>"$sv_work/errors.log"
  sv_wrk 2 "$sv_url" >/dev/null   # warm-up
  sv_wrk "$seconds" "$sv_url" > "$dir/load" & local wrk_pid=$!
  sleep 2
  rel=$(reload)
  wait "$wrk_pid"
  load=$(cat "$dir/load")
  echo "$1 $load $rel" | tee -a "$results" >&2
  sv_stop
}

for round in $(seq "$repeats"); do
  for tool in "${tools[@]}"; do run "$tool" "$round"; done
done

col() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$results" | sv_median; }
colmax() { awk -v t="$1" -v c="$2" '$1 == t && $c > m { m = $c } END { print m + 0 }' "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? sprintf("%.2f×", a / b) : "n/a") }'; }
label() { case $1 in pier-py) echo "Pier → FastAPI (uvicorn)";; pier-node) echo "Pier → Node http";; pm2) echo "PM2 cluster → Node http";;
  gunicorn) echo "gunicorn + UvicornWorker → FastAPI";; supervisord) echo "supervisord + nginx → FastAPI (restart one by one)";; esac; }
pair() { case $1 in pm2|pier-node) echo pier-node;; *) echo pier-py;; esac; }

table="| tool → app | requests | failed (median; max) | failed, % | reload duration, ms (median; max) | all 4 workers new after reload | requests vs Pier same app | duration vs Pier same app |
|---|---|---|---|---|---|---|---|"
for tool in "${tools[@]}"; do
  req=$(col "$tool" 2); fail=$(col "$tool" 3); dur=$(col "$tool" 4); p=$(pair "$tool")
  table+="
| $(label "$tool") | $req | $fail; $(colmax "$tool" 3) | $(awk -v f="$fail" -v r="$req" 'BEGIN { printf "%.3f", (r > 0 ? 100 * f / r : 0) }') | $dur; $(colmax "$tool" 4) | $(awk -v t="$tool" '$1 == t && $5 == "yes" { y++ } $1 == t { n++ } END { print y + 0 "/" n }' "$results") runs | $(ratio "$req" "$(col "$p" 2)") | $(ratio "$dur" "$(col "$p" 4)") |"
done

report="## Rolling reload under load: 4 workers ($(date -u +%Y-%m-%d))

Command: \`bench/rolling-reload.sh $seconds $repeats\` — wrk -t${WRK_THREADS:-2} -c${WRK_CONNECTIONS:-32} for ${seconds} s per run on
127.0.0.1, GET /, the reload triggered 2 s in; medians of $repeats interleaved runs (order: ${tools[*]}).
$(nproc) cores${SV_NOTE:+; $SV_NOTE}.
$(sv_versions).

Reload: Pier \`pier reload -c FILE\` (the same config: every worker is replaced, one new worker ready before
one old one drains); PM2 \`pm2 reload app\`; gunicorn SIGHUP to the master; supervisord has no rolling reload,
so \`supervisorctl restart web:web_N\` one program after the other with nginx retrying the next upstream.
Duration: from the trigger until the command returns (Pier, PM2, supervisord) or until all 4 children of the
gunicorn master are new PIDs past \`post_worker_init\`. Failed = wrk socket errors + HTTP status ≥ 400.

$table"
echo "$report"
bench_publish_section "## Rolling reload under load" "$report"
