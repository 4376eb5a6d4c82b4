# Shared by the bench/ scripts (sourced, run from the repository root).

# Installs the Debian packages given when a command of theirs is missing.
bench_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Publishes out/pier, the native (AOT) build operators install (its linker needs clang and zlib).
# bench/run-all.sh publishes once and sets BENCH_PUBLISHED=1 for the scripts it runs.
bench_publish_pier() {
  [ "${BENCH_PUBLISHED:-}" = 1 ] && return 0
  bench_install clang zlib1g-dev && dotnet publish src/Pier -c Release -o out --nologo -v q >/dev/null
}

# A loopback TCP port nobody listens on now.
bench_free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits until the URL answers anything (TLS errors ignored), up to $2 seconds.
bench_wait_http() {
  local deadline=$(( $(date +%s) + ${2:-30} ))
  until curl -ks -o /dev/null --max-time 1 "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; return 1; }
    sleep 0.05
  done
}

# Waits until nothing listens on the loopback port, so the next proxy can bind it.
bench_wait_port_free() {
  local i
  for i in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . || return 0; sleep 0.1; done
  echo "port $1 still bound" >&2; return 1
}

# One line naming the versions of Pier, .NET and the anchors given.
bench_versions() {
  local out="Pier $(git rev-parse --short HEAD) on .NET $(dotnet --version)" tool
  for tool in "$@"; do
    case $tool in
      nginx) out+="; $(/usr/sbin/nginx -v 2>&1 | sed 's/.*version: //')" ;;
      haproxy) out+="; $(/usr/sbin/haproxy -v | head -1 | awk '{ print "HAProxy " $3 }')" ;;
      caddy) out+="; Caddy $(caddy version | awk '{ print $1 }')" ;;
      wrk) out+="; $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')" ;;
      h2load) out+="; h2load $(h2load --version | awk '{ print $2 }')" ;;
      *) out+="; $tool" ;;
    esac
  done
  echo "$out"
}

# Replaces the section of docs/benchmarks.md whose heading starts with $1 by the text in $2 (or appends it).
bench_publish_section() {
  local heading=$1 text=$2 file=docs/benchmarks.md
  [ -f "$file" ] || printf '# Benchmarks\n\nEach section says the command that produced it.\n' > "$file"
  HEADING=$heading TEXT=$text /usr/bin/python3 - "$file" <<'PYEDIT'
import os, sys
path = sys.argv[1]
heading, text = os.environ["HEADING"], os.environ["TEXT"].strip("\n")
lines = open(path).read().rstrip("\n").split("\n")
out, skip, placed = [], False, False
for line in lines:
    if line.startswith("## "):
        if line.startswith(heading) and not placed:
            out += text.split("\n"); skip = placed = True; continue
        skip = False
    if not skip:
        out.append(line)
if not placed:
    out += [""] + text.split("\n")
# Every section heading gets a blank line before it.
out = [l for i, l in enumerate(out) for l in ([""] if l.startswith("## ") and i > 0 and out[i - 1] != "" else []) + [l]]
open(path, "w").write("\n".join(out) + "\n")
PYEDIT
}

# Writes a dated section into docs/benchmarks.md, replacing the last one of that title: $1 title, $2 the command, $3 the text.
bench_record() {
  bench_publish_section "## $1 (" "$(printf '## %s (%s, %s cores)\n\nCommand: `%s`\n\n%s\n' "$1" "$(date -u +%Y-%m-%d)" "$(nproc)" "$2" "$3")"
}
