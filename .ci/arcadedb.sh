#!/usr/bin/env bash
# Start or stop a throwaway ArcadeDB server with its Bolt endpoint, for the Neo4j-store tests.
#
#   .ci/arcadedb.sh start   # background server; returns once `RETURN 1` works on the database
#   .ci/arcadedb.sh stop    # stops the server started by `start` (by its recorded pid)
#
# ArcadeDB ships inside the `arcadedb-embedded` Python package (its own JRE and jars), so no
# Docker and no network is needed. Settings (environment, with defaults):
#   ARCADEDB_BOLT_PORT=7687  ARCADEDB_HTTP_PORT=2480  ARCADEDB_PASSWORD=mentorgraph-ci
#   ARCADEDB_DATABASE=competency  ARCADEDB_HOME=<new temp dir>  PYTHON=python
#   ARCADEDB_HEAP=1g (JVM -Xmx; benchmarks at 100k people want more)
# `start` prints the MENTORGRAPH_TEST_BOLT_* exports for the tests (eval-able).
set -euo pipefail

BOLT_PORT="${ARCADEDB_BOLT_PORT:-7687}"
HTTP_PORT="${ARCADEDB_HTTP_PORT:-2480}"
PASSWORD="${ARCADEDB_PASSWORD:-mentorgraph-ci}"
DATABASE="${ARCADEDB_DATABASE:-competency}"
PYTHON="${PYTHON:-python}"
STATE_DIR="${ARCADEDB_STATE_DIR:-${TMPDIR:-/tmp}/mentorgraph-arcadedb-${BOLT_PORT}}"
PID_FILE="$STATE_DIR/server.pid"
READY_TIMEOUT_S="${ARCADEDB_READY_TIMEOUT_S:-90}"

log() { echo "arcadedb: $*" >&2; }

start() {
  if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    log "already running (pid $(cat "$PID_FILE"))"
  else
    local pkg home
    pkg="$("$PYTHON" -c 'import arcadedb_embedded, os; print(os.path.dirname(arcadedb_embedded.__file__))')"
    home="${ARCADEDB_HOME:-$STATE_DIR/home}"
    rm -rf "$home"
    mkdir -p "$STATE_DIR" "$home"
    # JVM -D options must come before the class name.
    "$pkg/jre/bin/java" "-Xmx${ARCADEDB_HEAP:-1g}" -cp "$pkg/jars/*" \
      -Darcadedb.server.rootPath="$home" \
      -Darcadedb.server.rootPassword="$PASSWORD" \
      -Darcadedb.server.httpIncomingHost=127.0.0.1 \
      -Darcadedb.server.httpIncomingPort="$HTTP_PORT" \
      -Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin \
      -Darcadedb.bolt.host=127.0.0.1 \
      -Darcadedb.bolt.port="$BOLT_PORT" \
      "-Darcadedb.server.defaultDatabases=${DATABASE}[root]" \
      com.arcadedb.server.ArcadeDBServer >"$STATE_DIR/server.log" 2>&1 &
    echo $! >"$PID_FILE"
    log "started pid $(cat "$PID_FILE"), log $STATE_DIR/server.log"
  fi
  # The Bolt port opens before the database exists: wait for a real query on it.
  if ! BOLT_URI="bolt://127.0.0.1:$BOLT_PORT" BOLT_PASSWORD="$PASSWORD" BOLT_DATABASE="$DATABASE" \
    READY_TIMEOUT_S="$READY_TIMEOUT_S" SERVER_PID="$(cat "$PID_FILE")" "$PYTHON" - <<'PY'
import os, sys, time
import neo4j

deadline = time.monotonic() + float(os.environ["READY_TIMEOUT_S"])
pid = int(os.environ["SERVER_PID"])
last = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"arcadedb: server process {pid} exited during start-up")
    try:
        with neo4j.GraphDatabase.driver(
            os.environ["BOLT_URI"], auth=("root", os.environ["BOLT_PASSWORD"])
        ) as driver, driver.session(database=os.environ["BOLT_DATABASE"]) as session:
            if session.run("RETURN 1 AS one").single()["one"] == 1:
                sys.exit(0)
    except Exception as exc:  # not up yet
        last = exc
    time.sleep(0.25)
sys.exit(f"arcadedb: not ready after {os.environ['READY_TIMEOUT_S']} s: {last}")
PY
  then
    tail -n 40 "$STATE_DIR/server.log" >&2 || true
    stop
    exit 1
  fi
  log "ready on bolt://127.0.0.1:$BOLT_PORT, database $DATABASE"
  echo "export MENTORGRAPH_TEST_BOLT_URI=bolt://127.0.0.1:$BOLT_PORT"
  echo "export MENTORGRAPH_TEST_BOLT_USER=root"
  echo "export MENTORGRAPH_TEST_BOLT_PASSWORD=$PASSWORD"
  echo "export MENTORGRAPH_TEST_BOLT_DATABASE=$DATABASE"
}

stop() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in 10 s; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "stopped pid $pid"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
