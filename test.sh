#!/usr/bin/env bash
# Runs Pier's whole test suite, after installing what the tests need (Debian packages) when missing.
set -euo pipefail
cd "$(dirname "$0")"

# systemd gives systemd-analyze (unit checks), util-linux gives unshare and setpriv (PID 1 and worker user tests).
# chromium is the browser the dashboard tests drive through Playwright (no browser download).
# slowhttptest and sslscan attack and scan the front door in the reliability tests.
packages=(python3-fastapi python3-uvicorn postgresql pebble systemd util-linux chromium slowhttptest sslscan)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing test dependencies: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Pier.slnx -c Release --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# CI shows only the end of the output: name each failed test there again, with the start of its message.
failures=$(awk '/^ +Failed [A-Za-z_.]+/ { show = 12 } show > 0 { print; show-- }' "$log")
if [ -n "$failures" ]; then
  printf -- '--- failed tests ---\n%s\n' "$failures"
fi
# One plain summary line for CI, summed over the test projects.
awk '/^ +(Passed|Failed|Skipped): +[0-9]+$/ { n[$1] += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", n["Passed:"], n["Failed:"], n["Skipped:"] }' "$log"
exit "$status"
