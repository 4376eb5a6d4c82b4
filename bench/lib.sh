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

# The native (AOT) build operators install; its linker needs clang and zlib.
bench_publish_pier() { bench_install clang zlib1g-dev && dotnet publish src/Pier -c Release -o out --nologo -v q >/dev/null; }

# A loopback TCP port nobody listens on now.
bench_free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

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

# Appends a dated section to docs/benchmarks.md: $1 title, $2 the command, $3 the text.
bench_record() {
  printf '\n## %s (%s, %s cores)\n\nCommand: `%s`\n\n%s\n' "$1" "$(date -u +%Y-%m-%d)" "$(nproc)" "$2" "$3" >> docs/benchmarks.md
}
