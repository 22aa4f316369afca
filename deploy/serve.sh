#!/usr/bin/env bash
# Backprop Lab on several processes: REPLICAS Streamlit servers behind one nginx.
#
#   deploy/serve.sh REPLICAS PORT          e.g.  PYTHON=/tmp/venv/bin/python deploy/serve.sh 2 8080
#
# Starts REPLICAS `streamlit run app.py` on free 127.0.0.1 ports (headless, file watcher off, one
# shared cookie secret), waits for each /_stcore/health, writes an nginx config from
# deploy/nginx.conf.template into a private temp dir (its own prefix, pid, logs and temp files:
# the system nginx config is not touched) and runs nginx on 127.0.0.1:PORT in the foreground.
# Ctrl-C / TERM stops nginx and the replicas (only the processes it started).
#
# Env: PYTHON (default python3), NGINX (default nginx), LISTEN_ADDR (default 127.0.0.1),
#      KEEP_RUN_DIR=1 keeps the temp dir (logs) after exit, MALLOC_ARENA_MAX (default 2: glibc's
#      per-thread arenas made a long play's memory drift upward; README, "Memory").
# The run dir holds `pids` (the replicas' PIDs, one a line), e.g. for
#   python bench/load_test.py --url http://127.0.0.1:PORT --pids-file RUN/pids
set -euo pipefail
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}

REPLICAS=${1:?usage: serve.sh REPLICAS PORT}
PORT=${2:?usage: serve.sh REPLICAS PORT}
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-nginx}
LISTEN_ADDR=${LISTEN_ADDR:-127.0.0.1}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")

[[ $REPLICAS =~ ^[0-9]+$ && $REPLICAS -ge 1 && $REPLICAS -le 16 ]] || { echo "REPLICAS: 1..16" >&2; exit 2; }
[[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65535 ]] || { echo "PORT: 1..65535" >&2; exit 2; }
command -v "$NGINX" >/dev/null || { echo "nginx not found (apt-get install nginx-light)" >&2; exit 2; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/backprop-serve.XXXXXX")
chmod 755 "$RUN"
mkdir -p "$RUN/tmp"
for d in body proxy fastcgi uwsgi scgi; do install -d -m 1777 "$RUN/tmp/$d"; done   # nginx workers may run as nobody
PIDS=()
NGINX_PID=""

cleanup() {
    trap - INT TERM EXIT
    echo "stopping..." >&2
    [[ -n $NGINX_PID ]] && kill -TERM "$NGINX_PID" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for pid in ${NGINX_PID:+"$NGINX_PID"} "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.2
    done
    for pid in ${NGINX_PID:+"$NGINX_PID"} "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [[ ${KEEP_RUN_DIR:-0} == 1 ]]; then echo "logs kept in $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')   # the same on every replica
PORTS=()
for i in $(seq "$REPLICAS"); do
    p=$(free_port)
    (cd "$REPO" && STREAMLIT_SERVER_COOKIE_SECRET=$SECRET exec "$PYTHON" -m streamlit run app.py \
        --server.headless true --server.address 127.0.0.1 --server.port "$p" \
        --server.fileWatcherType none --browser.gatherUsageStats false) >"$RUN/replica$i.log" 2>&1 </dev/null &
    PIDS+=("$!")
    PORTS+=("$p")
    echo "$!" >>"$RUN/pids"
    echo "replica $i: pid $! on 127.0.0.1:$p (log $RUN/replica$i.log)" >&2
done

for i in "${!PORTS[@]}"; do
    p=${PORTS[$i]}
    deadline=$((SECONDS + 60))
    until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$p/_stcore/health"; do
        kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "replica on $p exited:" >&2; tail -20 "$RUN/replica$((i + 1)).log" >&2; exit 1; }
        (( SECONDS < deadline )) || { echo "replica on $p not healthy after 60 s" >&2; exit 1; }
        sleep 0.3
    done
done
echo "all $REPLICAS replica(s) healthy" >&2

SERVERS=""
for p in "${PORTS[@]}"; do
    SERVERS+="        server 127.0.0.1:$p max_fails=3 fail_timeout=10s;"$'\n'
done
"$PYTHON" - "$HERE/nginx.conf.template" "$RUN/nginx.conf" "$RUN" "$LISTEN_ADDR:$PORT" "$SERVERS" <<'PY'
import sys
src, dst, run, listen, servers = sys.argv[1:]
text = open(src).read().replace("@RUN@", run).replace("@LISTEN@", listen).replace("@SERVERS@", servers.rstrip("\n"))
open(dst, "w").write(text)
PY
"$NGINX" -t -q -p "$RUN" -c "$RUN/nginx.conf"
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 50); do curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/nginx-health" && break; sleep 0.1; done
echo "Backprop Lab: http://$LISTEN_ADDR:$PORT/   (run dir $RUN, replica PIDs in $RUN/pids; Ctrl-C stops)" >&2
wait "$NGINX_PID"
