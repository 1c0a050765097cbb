#!/usr/bin/env bash
# deploy/cluster.sh N — a throw-away local cluster: one redis-server and N
# singyeong nodes, everything on 127.0.0.1 with free ports.
#
# It installs what is missing (redis-server and the build packages), builds a
# Release binary build/singyeong the same way deploy/run.sh does, starts Redis
# (no persistence), then N nodes with CLUSTERING=true, a random COOKIE and a
# cluster name unique to this run. It prints each node's websocket URL and log
# file, then waits. Ctrl-C or SIGTERM stops the nodes (SIGTERM, so that each
# one leaves the cluster cleanly), then Redis, and exits 0.
#
# SINGYEONG_BIN=/path/to/singyeong uses that binary instead and skips the
# build. Any other setting (SINGYEONG_LOG_LEVEL, AUTH, ...) is taken from the
# environment as usual; the cluster settings below are set by this script.
# Logs and a cluster.env (REDIS_DSN, COOKIE, cluster name, in the
# deploy/singyeong.conf format) stay in the run directory it prints, so that
# one more node can join by hand: singyeong --config RUN_DIR/cluster.env --port P
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() {
  echo "usage: $0 N    (N: number of nodes, a positive integer)" >&2
  exit 2
}
[ $# -eq 1 ] || usage
[[ "$1" =~ ^[1-9][0-9]{0,3}$ ]] || usage
N=$1

REDIS_BIN=/usr/bin/redis-server
if [ -n "${SINGYEONG_BIN:-}" ]; then
  BIN=$SINGYEONG_BIN
  say "binary: $BIN (from SINGYEONG_BIN, not building)"
  install_missing redis-server
else
  install_missing $SY_BUILD_PACKAGES redis-server
  build build -DCMAKE_BUILD_TYPE=Release -DSY_BUILD_TESTS=OFF
  BIN=$SY_ROOT/build/singyeong
fi
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 1; }
[ -x "$REDIS_BIN" ] || { echo "not an executable: $REDIS_BIN" >&2; exit 1; }

# ---------------------------------------------------------------- processes
# Only PIDs started here are ever signalled.
NODE_PIDS=()
REDIS_PID=""
SLEEP_PID=""
STOPPING=0

# stop_pid PID NAME — SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "stop: $name (pid $pid) ignored SIGTERM for 10 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  [ "$STOPPING" -eq 0 ] || return 0
  STOPPING=1
  trap '' INT TERM
  [ -z "$SLEEP_PID" ] || { kill "$SLEEP_PID" 2>/dev/null || true; wait "$SLEEP_PID" 2>/dev/null || true; }
  if [ ${#NODE_PIDS[@]} -gt 0 ]; then
    say "stop: SIGTERM to ${#NODE_PIDS[@]} node(s): ${NODE_PIDS[*]}"
    local pid
    for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    local i=1
    for pid in "${NODE_PIDS[@]}"; do stop_pid "$pid" "node $i"; i=$((i + 1)); done
  fi
  if [ -n "$REDIS_PID" ]; then
    say "stop: redis-server (pid $REDIS_PID)"
    stop_pid "$REDIS_PID" redis-server
  fi
  [ -z "${RUN_DIR:-}" ] || say "stop: done; logs are in $RUN_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# -------------------------------------------------------------------- ports
# port_open PORT — something accepts connections on 127.0.0.1:PORT.
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# free_port — sets FREE_PORT to a port nobody listens on and not handed out
# before. Below Linux's ephemeral range (32768+), so that outgoing
# connections do not take it in the meantime.
TAKEN=" "
free_port() {
  local p tries
  for ((tries = 0; tries < 500; tries++)); do
    p=$((20000 + RANDOM % 12000))
    case "$TAKEN" in *" $p "*) continue ;; esac
    port_open "$p" && continue
    TAKEN+="$p "
    FREE_PORT=$p
    return 0
  done
  echo "no free port found" >&2
  return 1
}

# redis_ping PORT — Redis answers PING with +PONG.
redis_ping() {
  timeout 2 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$1"' || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 1 line <&3 || exit 1
    [[ "$line" == +PONG* ]]' 2>/dev/null
}

# node_healthy PORT — GET /healthz answers 200.
node_healthy() {
  timeout 2 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$1"' || exit 1
    printf "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
    IFS= read -r -t 1 line <&3 || exit 1
    [[ "$line" == "HTTP/1."?" 200"* ]]' 2>/dev/null
}

# wait_until WHAT PID LOG CHECK ARGS... — up to 20 s for CHECK to succeed,
# failing early if PID exits.
wait_until() {
  local what=$1 pid=$2 log=$3 i
  shift 3
  for ((i = 0; i < 200; i++)); do
    "$@" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$what exited during start-up; last lines of $log:" >&2
      tail -n 20 "$log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "$what did not become ready within 20 s; last lines of $log:" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

# peers_up LOG — how many distinct peers the node has logged as up.
peers_up() {
  grep -oE 'peer up node=[^ ]+|peer [^ ]+ up \(' "$1" 2>/dev/null \
    | sed -E 's/^peer up node=//; s/^peer ([^ ]+) up \($/\1/' | sort -u | wc -l
}

# -------------------------------------------------------------------- run it
# Every process started below gets its own session (setsid; same PID, as
# the shell's background child is no process group leader), so that a
# Ctrl-C in the terminal reaches only this script, which then stops the
# nodes before Redis: a node deletes its record in Redis when it leaves.
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/singyeong-cluster.XXXXXX")
COOKIE=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
SUFFIX=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
CLUSTER_NAME="local-$SUFFIX"

free_port
REDIS_PORT=$FREE_PORT
REDIS_DSN="redis://127.0.0.1:$REDIS_PORT"
say "redis: starting on 127.0.0.1:$REDIS_PORT (no persistence), log $RUN_DIR/redis.log"
setsid "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$RUN_DIR" --daemonize no > "$RUN_DIR/redis.log" 2>&1 < /dev/null &
REDIS_PID=$!
wait_until redis-server "$REDIS_PID" "$RUN_DIR/redis.log" redis_ping "$REDIS_PORT"
say "redis: ready (pid $REDIS_PID)"

(umask 077; cat > "$RUN_DIR/cluster.env") <<EOF
# Written by deploy/cluster.sh; the deploy/singyeong.conf format.
CLUSTERING=true
REDIS_DSN=$REDIS_DSN
COOKIE=$COOKIE
SINGYEONG_CLUSTER_NAME=$CLUSTER_NAME
SINGYEONG_CLUSTER_BIND=127.0.0.1
SINGYEONG_BIND=127.0.0.1
EOF

say "cluster: name $CLUSTER_NAME, $N node(s), run directory $RUN_DIR"
PORTS=()
LOGS=()
for ((i = 1; i <= N; i++)); do
  free_port; port=$FREE_PORT
  free_port; cport=$FREE_PORT
  log="$RUN_DIR/node-$i.log"
  say "node $i: starting, port $port, cluster port $cport"
  setsid env PORT="$port" SINGYEONG_BIND=127.0.0.1 \
    CLUSTERING=true REDIS_DSN="$REDIS_DSN" COOKIE="$COOKIE" \
    SINGYEONG_CLUSTER_PORT="$cport" SINGYEONG_CLUSTER_BIND=127.0.0.1 \
    SINGYEONG_CLUSTER_NAME="$CLUSTER_NAME" \
    "$BIN" > "$log" 2>&1 < /dev/null &
  NODE_PIDS+=($!)
  PORTS+=("$port")
  LOGS+=("$log")
done
for ((i = 1; i <= N; i++)); do
  wait_until "node $i" "${NODE_PIDS[i - 1]}" "${LOGS[i - 1]}" node_healthy "${PORTS[i - 1]}"
  say "node $i: ready (pid ${NODE_PIDS[i - 1]})"
done

# Peers find each other within 2 s (K-3a); report what the logs say.
if [ "$N" -gt 1 ]; then
  say "cluster: waiting up to 5 s for the nodes to see each other"
  for ((t = 0; t < 50; t++)); do
    all=1
    for log in "${LOGS[@]}"; do
      [ "$(peers_up "$log")" -ge $((N - 1)) ] || all=0
    done
    [ "$all" -eq 0 ] || break
    sleep 0.1
  done
  for ((i = 1; i <= N; i++)); do
    say "node $i: $(peers_up "${LOGS[i - 1]}") of $((N - 1)) peer(s) up"
  done
  if grep -q 'clustering is not part of this build' "${LOGS[0]}"; then
    say "warning: this binary has no clustering yet; the nodes run alone"
  fi
fi

echo
for ((i = 1; i <= N; i++)); do
  echo "node $i: ws://127.0.0.1:${PORTS[i - 1]}/gateway/websocket   log ${LOGS[i - 1]}"
done
echo "redis:  $REDIS_DSN   log $RUN_DIR/redis.log"
echo "settings of this cluster (COOKIE included): $RUN_DIR/cluster.env"
echo
say "running; Ctrl-C (or SIGTERM to pid $$) stops everything"

# Wait; report a node that exits on its own, stop everything if Redis does.
declare -A REPORTED=()
while :; do
  sleep 1 < /dev/null &
  SLEEP_PID=$!
  wait "$SLEEP_PID" || true
  SLEEP_PID=""
  for ((i = 1; i <= N; i++)); do
    pid=${NODE_PIDS[i - 1]}
    if [ -z "${REPORTED[$i]:-}" ] && ! kill -0 "$pid" 2>/dev/null; then
      rc=0; wait "$pid" || rc=$?
      REPORTED[$i]=1
      say "node $i (pid $pid) exited with status $rc; see ${LOGS[i - 1]}"
    fi
  done
  if ! kill -0 "$REDIS_PID" 2>/dev/null; then
    say "redis-server (pid $REDIS_PID) exited; stopping"
    exit 1
  fi
done
