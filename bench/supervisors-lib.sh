# Shared by the supervisor benchmarks (crash-under-load.sh, rolling-reload.sh, many-workers.sh).
# Sourced from the repository root. Everything listens on 127.0.0.1; every process a script starts
# is recorded in sv_pids and stopped by PID on exit (never by name).

. bench/lib.sh

PY=/usr/bin/python3           # Debian's python3: it owns python3-fastapi, python3-uvicorn, gunicorn
PM2_BIN=$PWD/bench/.node/node_modules/.bin/pm2
FASTAPI_DIR=$PWD/examples/fastapi

sv_pids=()
sv_cleanups=()
sv_cleanup() {
  local c pid
  for c in "${sv_cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  for pid in "${sv_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${sv_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${sv_work:-}" ] && rm -rf "$sv_work"
}

# Debian anchors when missing (arguments: command=package), PM2 into bench/.node, and Pier itself (out/pier).
sv_setup() {
  local missing=() pair
  for pair in "$@"; do  # command=package: the package is installed when the command is missing
    command -v "${pair%%=*}" >/dev/null || [ -x "/usr/sbin/${pair%%=*}" ] || missing+=("${pair#*=}")
  done
  /usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null || missing+=(python3-fastapi python3-uvicorn)
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ "${SV_NEED_PM2:-0}" = 1 ] && [ ! -x "$PM2_BIN" ]; then
    echo "installing: pm2 (npm, into bench/.node)" >&2
    npm install --silent --prefix bench/.node pm2 >/dev/null
  fi
  bench_publish_pier
}

now_ms() { date +%s%3N; }

# Waits until the URL answers 200, up to $2 seconds (default 60).
sv_wait_200() {
  local deadline=$(( $(date +%s) + ${2:-60} ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; return 1; }
    sleep 0.02
  done
}

# wrk prints one machine-readable line at the end: requests and every kind of failure.
sv_wrk_lua() {
  cat > "$1" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, e.connect, e.read, e.write, e.timeout, e.status))
end
LUA
}

# Runs wrk for $1 seconds against $2; prints "requests failed" (failed = socket errors + HTTP >= 400).
sv_wrk() {
  local lua=$sv_work/result.lua
  [ -f "$lua" ] || sv_wrk_lua "$lua"
  wrk -t"${WRK_THREADS:-2}" -c"${WRK_CONNECTIONS:-32}" -d"$1"s --timeout 5s -s "$lua" "$2" 2>&1 |
    awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                     print v["requests"], v["connect"] + v["read"] + v["write"] + v["timeout"] + v["status"] }'
}

# The Node app for PM2 cluster mode and for Pier (same file): answers every path with its pid, and
# on listening writes $READY_DIR/ready-PID holding the epoch ms, so "serving again" is measured alike.
sv_node_app() {
  cat > "$1/app.js" <<'JS'
const http = require('http'), fs = require('fs');
const port = Number(process.env.PORT || 3000);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid, app: 'node' }));
});
server.listen(port, '127.0.0.1', () => {
  if (process.env.READY_DIR) fs.writeFileSync(`${process.env.READY_DIR}/ready-${process.pid}`, String(Date.now()));
});
const stop = () => { server.close(() => process.exit(0)); server.closeIdleConnections(); setTimeout(() => process.exit(0), 5000).unref(); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
JS
}

# gunicorn config whose post_worker_init hook (the app is loaded, the worker is about to serve)
# writes the same ready-PID marker.
sv_gunicorn_conf() {
  cat > "$1/gunicorn.conf.py" <<'PYCONF'
import os, time
def post_worker_init(worker):
    with open(os.path.join(os.environ["READY_DIR"], "ready-%d" % os.getpid()), "w") as f:
        f.write(str(int(time.time() * 1000)))
PYCONF
}

# What `python3 -m uvicorn main:app --host 127.0.0.1 --port $PORT --no-access-log` runs, with the same
# ready-PID marker written once the server listens, so a worker's own start and Pier's part of a restart
# (kill -> spawn, listening -> in rotation) can be told apart.
sv_uvicorn_marker() {
  cat > "$1/serve.py" <<'PYSERVE'
import os, sys, time
import uvicorn
sys.path.insert(0, os.getcwd())
server = uvicorn.Server(uvicorn.Config("main:app", host="127.0.0.1", port=int(os.environ["PORT"]), access_log=False))
startup = server.startup
async def listening(sockets=None):
    await startup(sockets=sockets)
    if not server.should_exit:  # a failed lifespan startup returns without listening
        with open(os.path.join(os.environ["READY_DIR"], "ready-%d" % os.getpid()), "w") as f:
            f.write(str(int(time.time() * 1000)))
server.startup = listening
server.run()
if not server.started:
    sys.exit(3)  # as the uvicorn command does
PYSERVE
}

# nginx balancing the given loopback ports; retries the next upstream on error/timeout (GET).
sv_nginx_conf() {  # $1 dir, $2 listen port, rest: upstream ports
  local dir=$1 port=$2; shift 2
  mkdir -p "$dir/nginx"
  {
    echo "daemon off; worker_processes auto; pid $dir/nginx/nginx.pid; error_log $dir/nginx/error.log error;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off;"
    echo "  client_body_temp_path $dir/nginx/body; proxy_temp_path $dir/nginx/proxy; fastcgi_temp_path $dir/nginx/fcgi; uwsgi_temp_path $dir/nginx/uwsgi; scgi_temp_path $dir/nginx/scgi;"
    echo "  upstream app { keepalive 64;"
    for p in "$@"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"; done
    echo "  }"
    echo "  server { listen 127.0.0.1:$port;"
    echo "    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\";"
    echo "      proxy_next_upstream error timeout; proxy_next_upstream_tries 4; } } }"
  } > "$dir/nginx/nginx.conf"
}

sv_median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Versions of every tool, one Markdown line.
sv_versions() {
  local v="Pier $(git rev-parse --short HEAD) on .NET $(dotnet --version)"
  # read from package.json: `pm2 --version` would start a PM2 daemon in ~/.pm2
  v+="; PM2 $(node -p "require('$PWD/bench/.node/node_modules/pm2/package.json').version" 2>/dev/null || echo '?')"
  v+="; $(gunicorn --version 2>&1 | head -1)"
  v+="; supervisord $(supervisord --version 2>&1)"
  v+="; $(nginx -v 2>&1 | sed 's/^nginx version: //')"
  v+="; $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')"
  v+="; uvicorn $($PY -c 'import uvicorn; print(uvicorn.__version__)'), FastAPI $($PY -c 'import fastapi; print(fastapi.__version__)'), Node $(node --version)"
  echo "$v"
}


# The [supervisord] part of a config for directory $1, with the control socket supervisorctl uses.
sv_supervisord_head() {
  local dir=$1
  cat <<CONF
[supervisord]
nodaemon=true
logfile=$dir/supervisord.log
pidfile=$dir/supervisord.pid
[unix_http_server]
file=$dir/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$dir/supervisor.sock
CONF
}

# Starts $3 (default 4) workers of the app under one tool in directory $2. Sets sv_url (the public
# URL) and sv_main (the supervisor's PID: Pier, the PM2 daemon, the gunicorn master, supervisord).
# Tools: pier-py and pier-node (Pier; FastAPI/uvicorn or the Node app), pm2 (Node app, cluster
# mode), gunicorn (FastAPI, UvicornWorker), supervisord (FastAPI, one uvicorn per port, nginx in front).
sv_start() {
  local tool=$1 dir=$2 n=${3:-4} port run appdir base p
  port=$(bench_free_port)
  mkdir -p "$dir/ready"
  sv_url=http://127.0.0.1:$port/ sv_tool=$tool sv_dir=$dir sv_n=$n
  case $tool in
    pier-py|pier-node)
      if [ "$tool" = pier-py ]; then
        sv_uvicorn_marker "$dir"; run="$PY $dir/serve.py" appdir=$FASTAPI_DIR
      else
        sv_node_app "$dir"; run="node app.js" appdir=$dir
      fi
      cat > "$dir/pier.yaml" <<YAML
name: bench
services:
  web:
    run: $run
    dir: $appdir
    env: { READY_DIR: "$dir/ready" }
    workers: $n
    http: { health: /healthz }${SV_PIER_RESTART:+
    restart: $SV_PIER_RESTART}
listen: { http: "127.0.0.1:$port" }
admin: { listen: "127.0.0.1:$(bench_free_port)" }
YAML
      out/pier up -c "$dir/pier.yaml" > "$dir/out.log" 2>&1 & sv_main=$!; sv_pids+=("$sv_main")
      ;;
    pm2)
      sv_node_app "$dir"
      (cd "$dir" && PM2_HOME=$dir/pm2 READY_DIR=$dir/ready PORT=$port "$PM2_BIN" start app.js -i "$n" --name app > "$dir/out.log" 2>&1)
      sv_main=$(cat "$dir/pm2/pm2.pid"); sv_pids+=("$sv_main")
      sv_cleanups+=("PM2_HOME=$dir/pm2 $PM2_BIN kill")
      ;;
    gunicorn)
      sv_gunicorn_conf "$dir"
      READY_DIR=$dir/ready /usr/bin/gunicorn --chdir "$FASTAPI_DIR" -c "$dir/gunicorn.conf.py" -w "$n" \
        -k uvicorn.workers.UvicornWorker -b "127.0.0.1:$port" main:app > "$dir/out.log" 2>&1 & sv_main=$!; sv_pids+=("$sv_main")
      ;;
    supervisord)
      base=$(( 20000 + (RANDOM % 1000) * 10 ))
      sv_base=$base
      { sv_supervisord_head "$dir"; cat <<CONF
[program:web]
command=$PY -m uvicorn main:app --host 127.0.0.1 --port %(process_num)d --no-access-log
directory=$FASTAPI_DIR
environment=READY_DIR="$dir/ready"
numprocs=$n
numprocs_start=$base
process_name=web_%(process_num)d
autorestart=true
startsecs=1
stopasgroup=true
CONF
      } > "$dir/supervisord.conf"
      supervisord -c "$dir/supervisord.conf" > "$dir/out.log" 2>&1 & sv_main=$!; sv_pids+=("$sv_main")
      sv_nginx_conf "$dir" "$port" $(seq "$base" $((base + n - 1)))
      /usr/sbin/nginx -e "$dir/nginx/error.log" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" & sv_pids+=("$!")
      ;;
  esac
  local deadline=$(( $(date +%s) + 90 ))
  until [ "$(sv_ready_count)" -ge "$n" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$tool: workers not ready in 90 s" >&2; tail -20 "$dir/out.log" >&2; return 1; }
    sleep 0.2
  done
  sv_wait_200 "$sv_url" 30
}

sv_supervisorctl() { supervisorctl -c "$sv_dir/supervisord.conf" "$@"; }
sv_pm2() { PM2_HOME=$sv_dir/pm2 "$PM2_BIN" "$@"; }

# "PID PORT" of every worker serving now (PORT is - when workers share the tool's port).
sv_workers() {
  case $sv_tool in
    pier-*) out/pier status --json -c "$sv_dir/pier.yaml" 2>/dev/null |
      $PY -c 'import json, sys
try: workers = json.load(sys.stdin)["services"][0]["workers"]
except Exception: workers = []
for w in workers:
    if w["state"] == "ready": print(w["pid"], w["port"])' ;;
    pm2) sv_pm2 jlist 2>/dev/null | $PY -c 'import json, sys
try: procs = json.load(sys.stdin)
except Exception: procs = []
for p in procs:
    if p["pm2_env"]["status"] == "online": print(p["pid"], "-")' ;;
    gunicorn) local pid; for pid in $(ps -o pid= --ppid "$sv_main"); do [ -f "$sv_dir/ready/ready-$pid" ] && echo "$pid -"; done ;;
    supervisord) sv_supervisorctl status 2>/dev/null | awk '$2 == "RUNNING" { sub(",", "", $4); split($1, n, "_"); print $4, n[2] }' ;;
  esac
}
sv_ready_count() { sv_workers | wc -l; }

# Stops everything the last sv_start started (by PID) and waits for it.
sv_stop() {
  local c pid
  for c in "${sv_cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  for pid in "${sv_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${sv_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  sv_pids=() sv_cleanups=()
}
