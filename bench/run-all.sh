#!/usr/bin/env bash
# Runs every benchmark in bench/ one after the other with its defaults; each appends or replaces its
# own section of docs/benchmarks.md. Scripts that are not there (yet) are skipped.
# Usage: bench/run-all.sh            (SV_NOTE="machine shared with other work" marks the sections)
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_publish_pier
export BENCH_PUBLISHED=1
status=0
for script in idle-cost.sh proxy.sh footprint.sh crash-under-load.sh rolling-reload.sh many-workers.sh; do
  if [ ! -x "bench/$script" ] && [ ! -f "bench/$script" ]; then
    echo "== bench/$script: not present, skipped" >&2
    continue
  fi
  echo "== bench/$script ($(date -u +%H:%M:%S))" >&2
  bash "bench/$script" || { echo "== bench/$script failed" >&2; status=1; }
done
exit $status
