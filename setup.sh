#!/usr/bin/env bash
# Runs the whole logquery system on this machine: 3 PostgreSQL servers, a KRaft Kafka broker, Redis, 3
# partition nodes, the coordinator, the ingest gateway (Loki push and OTLP/HTTP on 8085), the log producer (live
# mode, pushing through the gateway), and Prometheus. Docker mode when a
# Docker engine answers (docker-compose.yml, with Grafana too), local mode (no Docker) otherwise.
#
#   ./setup.sh [up] [--build] [--mode local|docker]   build if needed, start what is not running, wait until healthy
#   ./setup.sh status                          one line per component; exit status 0 only when all are UP
#   ./setup.sh check-dashboards                every Grafana panel query against the running Prometheus (Loki
#                                              data source panels: against the coordinator's /loki/api/v1/)
#   ./setup.sh down [--purge]                  stop everything this script started (--purge: delete .run/ too)
#   ./setup.sh clean                           same as down --purge
#
# Needs a JDK 17+ and Maven only: PostgreSQL (zonky's binaries), Kafka (the broker jars) and Redis (the
# redis-server of org.signal:embedded-redis) come from Maven Central with the build (module local-stack).
# The PostgreSQL binaries are unpacked once, before any server starts, into .run/postgres-binaries/ (or
# $STACK_PG_CACHE); an unpack that did not finish is detected and redone. Prometheus (127.0.0.1:9090,
# prometheus/prometheus-local.yml) runs too: when no `prometheus` binary is on the PATH, Debian's package is
# installed (as root or with passwordless sudo; the package's own service is not started), else the command
# that would install it is printed; STACK_PROMETHEUS=off skips it. Everything lives in .run/ next to this script:
#   .run/pids/<name>.pid   .run/logs/<name>.log   .run/pg/<n>/ (PostgreSQL data)   .run/kafka/ (broker data)
#   .run/redis/ (its binary and configuration; Redis holds caches only, in memory)   .run/prometheus/
# Data is kept across down/up, so the nodes' stored Kafka offsets stay valid.
#
# Settings from the environment: MVN (Maven command, default "mvn"), STACK_START_TIMEOUT (seconds, 300),
# STACK_STOP_TIMEOUT (seconds, 30), STACK_PRODUCER_RATE (lines per second, 50), STACK_PRODUCER_TARGET (gateway:
# the producer pushes OTLP/HTTP through the ingest gateway; kafka: it writes records to Kafka itself),
# STACK_NODE_HEAP (512m), STACK_COORDINATOR_HEAP (768m: each live-tail viewer holds about 20 KB), STACK_APP_HEAP
# (gateway and producer, 256m), STACK_KAFKA_HEAP (512m), STACK_REDIS_MAXMEMORY (256mb),
# STACK_REPLICAS (1; 2 starts a second replica of every shard, each with its own PostgreSQL; in Docker mode
# too: the compose profile `replicas`), STACK_PG_CACHE (directory of the unpacked PostgreSQL binaries,
# .run/postgres-binaries), STACK_PROMETHEUS (on, or off to run without Prometheus), STACK_BIND_ADDRESS (where
# the HTTP services and Prometheus listen, 127.0.0.1), STACK_RETENTION (how long the nodes keep lines, 7d),
# STACK_API_TOKEN (when set, the coordinator's API and the gateway's push endpoints want
# Authorization: Bearer <it>, or Basic with it as the password; health and metrics stay open), JAVA_HOME. Secrets are generated on the first start into
# .run/secrets/ (mode 600): internal-token (the nodes' /internal/* API answers 401 without it) and
# redis-password (Redis refuses commands without it); they reach the JVMs through the environment, not argv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

RUN="$ROOT/.run"
PIDS="$RUN/pids"
LOGS="$RUN/logs"

START_TIMEOUT="${STACK_START_TIMEOUT:-300}"
STOP_TIMEOUT="${STACK_STOP_TIMEOUT:-30}"
PRODUCER_RATE="${STACK_PRODUCER_RATE:-50}"
PRODUCER_TARGET="${STACK_PRODUCER_TARGET:-gateway}"
case "$PRODUCER_TARGET" in gateway | kafka) ;; *) printf 'setup.sh: STACK_PRODUCER_TARGET must be gateway or kafka, is %s\n' "$PRODUCER_TARGET" >&2; exit 2 ;; esac
NODE_HEAP="${STACK_NODE_HEAP:-512m}"
APP_HEAP="${STACK_APP_HEAP:-256m}"
COORDINATOR_HEAP="${STACK_COORDINATOR_HEAP:-768m}"
KAFKA_HEAP="${STACK_KAFKA_HEAP:-512m}"
MVN="${MVN:-mvn}"
PG_CACHE="${STACK_PG_CACHE:-$RUN/postgres-binaries}"
PROMETHEUS_WANTED="${STACK_PROMETHEUS:-on}"
# Every HTTP service (and Prometheus) listens on this address only; 0.0.0.0 exposes them to the network.
BIND="${STACK_BIND_ADDRESS:-127.0.0.1}"
# How long the nodes keep lines: older daily partitions are dropped, older lines refused at ingest.
RETENTION="${STACK_RETENTION:-7d}"
SECRETS="$RUN/secrets"
case "$PROMETHEUS_WANTED" in on | off) ;; *) printf 'setup.sh: STACK_PROMETHEUS must be on or off, is %s\n' "$PROMETHEUS_WANTED" >&2; exit 2 ;; esac

TOPIC="pod-logs"
PARTITIONS=6
SHARDS=3
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093

# Components in start order; down stops them in reverse tiers. STACK_REPLICAS=2 adds a second replica of
# every shard: node-<s>-r1 on 8091-8093 with its own PostgreSQL pg-<s>-r1 on 5435-5437.
REPLICAS="${STACK_REPLICAS:-1}"
case "$REPLICAS" in 1 | 2) ;; *) printf 'setup.sh: STACK_REPLICAS must be 1 or 2, is %s\n' "$REPLICAS" >&2; exit 2 ;; esac
SECOND_DATABASES=(pg-0-r1 pg-1-r1 pg-2-r1)
SECOND_NODES=(node-0-r1 node-1-r1 node-2-r1)
DATABASES=(pg-0 pg-1 pg-2)
NODES=(node-0 node-1 node-2)
if [ "$REPLICAS" = 2 ]; then
  DATABASES+=("${SECOND_DATABASES[@]}")
  NODES+=("${SECOND_NODES[@]}")
fi
APPS=("${NODES[@]}" coordinator gateway producer)
ALL=("${DATABASES[@]}" kafka redis "${APPS[@]}" prometheus)
# Every port the stack may listen on (down checks that all are closed; second replicas included).
ALL_PORTS=(5432 5433 5434 5435 5436 5437 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" 6379 8080 8081 8082 8083 8084 8085
           8091 8092 8093 9090)
PROMETHEUS_PORT=9090
REDIS_PORT=6379
REDIS_MAXMEMORY="${STACK_REDIS_MAXMEMORY:-256mb}"

# Marks each process this script starts, so that a pid is recognised as ours (and not a reused pid) and
# our processes are found even if their pid files were lost.
MARK_ROOT="-Dlogquery.stack.root=$ROOT"
MARK_NAME="-Dlogquery.stack.component="

# ----------------------------------------------------------------------------------------------------
# Output helpers

say() { printf '%s\n' "$*"; }
warn() { printf 'setup.sh: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Path relative to the repository root, for messages.
rel() { printf '%s' "${1#"$ROOT"/}"; }

# ----------------------------------------------------------------------------------------------------
# Components: port, log, pid

port_of() {
  case "$1" in
    pg-0) echo 5432 ;; pg-1) echo 5433 ;; pg-2) echo 5434 ;;
    pg-0-r1) echo 5435 ;; pg-1-r1) echo 5436 ;; pg-2-r1) echo 5437 ;;
    kafka) echo "$KAFKA_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    coordinator) echo 8080 ;;
    node-0) echo 8081 ;; node-1) echo 8082 ;; node-2) echo 8083 ;;
    node-0-r1) echo 8091 ;; node-1-r1) echo 8092 ;; node-2-r1) echo 8093 ;;
    producer) echo 8084 ;;
    gateway) echo 8085 ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
    *) die "unknown component $1" ;;
  esac
}

log_of() { printf '%s' "$LOGS/$1.log"; }

# The command line of a process, arguments separated by spaces (empty if it is gone).
cmdline_of() {
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -p "$1" -o command= 2>/dev/null || true
  fi
}

# True if pid $1 is alive and is component $2 started by this script from this checkout.
is_ours() {
  local pid="$1" name="$2" cmd
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(cmdline_of "$pid")"
  case "$cmd" in *"$MARK_ROOT "*) ;; *) return 1 ;; esac
  case "$cmd" in *"$MARK_NAME$name "*) return 0 ;; esac
  return 1
}

# Prints the pid of component $1 if it runs: from its pid file, else by looking for its marker among the
# running processes (pid file lost or overwritten). Prints nothing when it does not run.
pid_of() {
  local name="$1" pid="" f
  if [ -f "$PIDS/$name.pid" ]; then
    pid="$(cat "$PIDS/$name.pid" 2>/dev/null || true)"
    if is_ours "$pid" "$name"; then
      printf '%s' "$pid"
      return 0
    fi
  fi
  if [ -d /proc ]; then
    # One grep over all command lines; only our processes carry the root marker.
    for f in $(grep -l -a -F -e "$MARK_ROOT" /proc/[0-9]*/cmdline 2>/dev/null || true); do
      pid="${f#/proc/}"
      pid="${pid%/cmdline}"
      if is_ours "$pid" "$name"; then
        printf '%s' "$pid"
        return 0
      fi
    done
  else
    # No /proc (macOS, say): the same search through ps.
    # shellcheck disable=SC2009  # pgrep -f is not everywhere; ps -ww is
    while read -r pid _; do
      if is_ours "$pid" "$name"; then
        printf '%s' "$pid"
        return 0
      fi
    done < <(ps -ww -axo pid=,command= 2>/dev/null | grep -F -e "$MARK_ROOT" || true)
  fi
  return 0
}

# True if something accepts TCP connections on localhost:$1 (bash's /dev/tcp, no tools needed).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Who listens on port $1, for messages (needs ss; empty otherwise).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
  fi
}

# HTTP status code of GET localhost:$1$2, "000" when nothing answers: curl if present, else a raw
# HTTP/1.1 request over bash's /dev/tcp.
http_code() {
  local port="$1" path="$2" line=""
  if command -v curl >/dev/null 2>&1; then
    line="$(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$port$path" 2>/dev/null || true)"
    printf '%s' "${line:-000}"
    return 0
  fi
  line="$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
            printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
            IFS= read -r -t 3 status <&3 && printf '%s' "$status") 2>/dev/null || true)"
  case "$line" in
    HTTP/*) line="${line#* }"; printf '%s' "${line%% *}" ;;
    *) printf '000' ;;
  esac
}

# Redis' answer to PING on its port ("+PONG" when it is up), over bash's /dev/tcp.
redis_ping() {
  local line=""
  local password=""
  [ -r "$SECRETS/redis-password" ] && password="$(cat "$SECRETS/redis-password")"
  line="$( (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" || exit 1
            if [ -n "$password" ]; then
              printf 'AUTH %s\r\n' "$password" >&3
              IFS= read -r -t 3 reply <&3 || exit 1
            fi
            printf 'PING\r\n' >&3
            IFS= read -r -t 3 reply <&3 && printf '%s' "$reply") 2>/dev/null || true)"
  printf '%s' "${line%$'\r'}"
}

# Generates the stack's secrets once (.run/secrets/, readable by this user only): the nodes' internal token and
# Redis' password. Later starts reuse them, so running components and new ones agree.
ensure_secrets() {
  local name
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  for name in internal-token redis-password; do
    if [ ! -s "$SECRETS/$name" ]; then
      (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$SECRETS/$name.tmp" && mv "$SECRETS/$name.tmp" "$SECRETS/$name")
    fi
  done
  INTERNAL_TOKEN="$(cat "$SECRETS/internal-token")"
  REDIS_PASSWORD="$(cat "$SECRETS/redis-password")"
  REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT"
}

# True if the log of component $1 has the line matching $2 since its last start by this script.
ready_line_seen() {
  local log
  log="$(log_of "$1")"
  [ -f "$log" ] || return 1
  awk -v pat="$2" '/^=== setup.sh: starting /{ seen = 0 } $0 ~ pat { seen = 1 } END { exit !seen }' "$log"
}

# The pid of a PostgreSQL postmaster still running on data directory $1 (one whose holder JVM was killed
# with SIGKILL, say); empty if there is none.
postmaster_of() {
  local dir="$1" pid cmd
  [ -f "$dir/postmaster.pid" ] || return 0
  pid="$(head -n 1 "$dir/postmaster.pid" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) return 0 ;; esac
  kill -0 "$pid" 2>/dev/null || return 0
  cmd="$(cmdline_of "$pid")"
  case "$cmd" in *postgres*"-D $dir "*) printf '%s' "$pid" ;; esac
  return 0
}

# Health of component $1, in the globals STATE (UP, DOWN or STOPPED), NOTE (why, for people) and PID.
probe() {
  local name="$1" port code owner orphan=""
  port="$(port_of "$name")"
  PID="$(pid_of "$name")"
  NOTE=""
  if [ -z "$PID" ]; then
    STATE="STOPPED"
    NOTE="not running"
    if [ "$name" = prometheus ] && [ "$PROMETHEUS_WANTED" = off ]; then
      STATE="ABSENT"; NOTE="off (STACK_PROMETHEUS=off)"
      return 0
    fi
    if [ "$name" = prometheus ] && ! command -v prometheus >/dev/null 2>&1; then
      STATE="ABSENT"; NOTE="not installed ($(prometheus_install_hint))"
      return 0
    fi
    case "$name" in pg-*) orphan="$(postmaster_of "$RUN/pg/${name#pg-}")" ;; esac
    if [ -n "$orphan" ]; then
      NOTE="not running (orphan postmaster pid $orphan holds port $port; ./setup.sh down stops it)"
    elif port_open "$port"; then
      owner="$(port_owner "$port")"
      NOTE="not running (port $port is used by another process${owner:+: $owner})"
    fi
    return 0
  fi
  case "$name" in
    pg-*)
      if port_open "$port" && ready_line_seen "$name" '^READY postgres'; then
        STATE="UP"
      else
        STATE="DOWN"; NOTE="DOWN (starting, or not listening on $port)"
      fi ;;
    redis)
      if [ "$(redis_ping)" = "+PONG" ]; then
        STATE="UP"
      else
        STATE="DOWN"; NOTE="DOWN (starting, or no PONG on $REDIS_PORT)"
      fi ;;
    prometheus)
      if [ "$(http_code "$PROMETHEUS_PORT" /-/ready)" = "200" ]; then
        STATE="UP"
      else
        STATE="DOWN"; NOTE="DOWN (starting, or not answering /-/ready on $PROMETHEUS_PORT)"
      fi ;;
    kafka)
      if port_open "$KAFKA_PORT" && port_open "$KAFKA_CONTROLLER_PORT" \
          && ready_line_seen kafka 'Kafka Server started'; then
        STATE="UP"
      else
        STATE="DOWN"; NOTE="DOWN (starting, or not listening on $KAFKA_PORT/$KAFKA_CONTROLLER_PORT)"
      fi ;;
    *)
      code="$(http_code "$port" /actuator/health)"
      case "$code" in
        200) STATE="UP" ;;
        000) STATE="DOWN"; NOTE="DOWN (no answer on $port: starting?)" ;;
        *) STATE="DOWN"; NOTE="DOWN (/actuator/health answers HTTP $code)" ;;
      esac ;;
  esac
  [ -n "$NOTE" ] || NOTE="$STATE"
}

# ----------------------------------------------------------------------------------------------------
# Java, jars and the build

find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="java"
  else
    die "no java found: install a JDK 17+ or set JAVA_HOME"
  fi
  local version major
  version="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${version%%.*}"
  [ "$major" = "1" ] && major="$(printf '%s' "$version" | cut -d. -f2)"
  case "$major" in '' | *[!0-9]*) die "cannot tell the Java version of $JAVA (\"$version\")" ;; esac
  [ "$major" -ge 17 ] || die "Java 17+ needed, $JAVA is $version"
}

# The newest file matching $1/target/$2, or nothing.
artifact() {
  local f best=""
  for f in "$ROOT/$1"/target/$2; do
    [ -f "$f" ] || continue
    if [ -z "$best" ] || [ "$f" -nt "$best" ]; then best="$f"; fi
  done
  printf '%s' "$best"
}

locate_artifacts() {
  NODE_JAR="$(artifact partition-node 'partition-node-[0-9]*-exec.jar')"
  COORDINATOR_JAR="$(artifact coordinator 'coordinator-[0-9]*-exec.jar')"
  PRODUCER_JAR="$(artifact log-producer 'log-producer-[0-9]*-exec.jar')"
  GATEWAY_JAR="$(artifact ingest-gateway 'ingest-gateway-[0-9]*-exec.jar')"
  STACK_JAR="$(artifact local-stack 'local-stack-[0-9]*.jar')"
  # The launcher classes and logback.xml first, then the broker, PostgreSQL and their dependencies.
  STACK_CP="$STACK_JAR:$ROOT/local-stack/target/lib/*"
}

# Prints why a build is needed (an artifact missing or older than a source it is built from), or nothing.
build_reason() {
  local module jar dep newer
  locate_artifacts
  [ -d "$ROOT/local-stack/target/lib" ] || { printf 'local-stack/target/lib is missing'; return 0; }
  for module in partition-node coordinator ingest-gateway log-producer local-stack; do
    case "$module" in
      partition-node) jar="$NODE_JAR" ;;
      coordinator) jar="$COORDINATOR_JAR" ;;
      ingest-gateway) jar="$GATEWAY_JAR" ;;
      log-producer) jar="$PRODUCER_JAR" ;;
      local-stack) jar="$STACK_JAR" ;;
    esac
    [ -n "$jar" ] || { printf 'no %s jar in %s/target' "$module" "$module"; return 0; }
    # Sources: the module's POM and main sources, and those of the common module it depends on. (Not the
    # tests, nor the parent POM: Maven leaves a jar alone when they change, so they would ask for a build
    # on every start. After changing the parent POM, use --build.)
    dep="common"
    [ "$module" = "local-stack" ] && dep=""
    newer="$(find "$ROOT/$module/pom.xml" "$ROOT/$module/src/main" \
               ${dep:+"$ROOT/$dep/pom.xml" "$ROOT/$dep/src/main"} \
               -type f -newer "$jar" -print -quit 2>/dev/null || true)"
    if [ -n "$newer" ]; then
      printf '%s is newer than %s' "$(rel "$newer")" "$(rel "$jar")"
      return 0
    fi
  done
}

build() {
  local -a mvn
  read -r -a mvn <<< "$MVN"
  command -v "${mvn[0]}" >/dev/null 2>&1 || die "Maven (${mvn[0]}) is needed to build the jars"
  local started=$SECONDS
  say "Building (${1}) ..."
  # Only what the stack runs (and what it depends on): a module in progress elsewhere cannot break `up`.
  "${mvn[@]}" -q -B -DskipTests -pl partition-node,coordinator,ingest-gateway,log-producer,local-stack -am package \
    || die "build failed"
  say "Built in $((SECONDS - started))s."
  locate_artifacts
}

# ----------------------------------------------------------------------------------------------------
# Starting

# Starts component $1 as a background JVM with the remaining arguments, its output appended to its log.
launch() {
  local name="$1" log
  shift
  log="$(log_of "$name")"
  mkdir -p "$PIDS" "$LOGS"
  printf '=== setup.sh: starting %s at %s ===\n' "$name" "$(date '+%Y-%m-%d %H:%M:%S')" >> "$log"
  # nohup: survive the terminal closing; stdin from /dev/null: never wait for input.
  nohup "$JAVA" "$MARK_ROOT" "$MARK_NAME$name" "$@" >> "$log" 2>&1 < /dev/null &
  printf '%s\n' "$!" > "$PIDS/$name.pid"
  say "  started  $(printf '%-12s' "$name") pid $!   log $(rel "$log")"
}

# Refuses to start component $1 when one of the ports $2... is taken by a process that is not ours.
require_free_ports() {
  local name="$1" port owner
  shift
  for port in "$@"; do
    if port_open "$port"; then
      owner="$(port_owner "$port")"
      die "cannot start $name: port $port is already used by another process${owner:+ ($owner)}"
    fi
  done
}

# Stops a postmaster left running on data directory $1 (fast shutdown, then harder).
stop_postmaster() {
  local pid
  pid="$(postmaster_of "$1")"
  [ -n "$pid" ] || return 0
  say "  stopping orphan PostgreSQL postmaster pid $pid ($(rel "$1"))"
  kill -INT "$pid" 2>/dev/null || true          # SIGINT = fast shutdown
  wait_gone "$pid" 15 || { kill -QUIT "$pid" 2>/dev/null || true; wait_gone "$pid" 5; } \
    || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5; } || true
}

start_pg() {
  local name="$1" n="${1#pg-}" port
  port="$(port_of "$name")"
  stop_postmaster "$RUN/pg/$n"
  require_free_ports "$name" "$port"
  mkdir -p "$RUN/pg"
  launch "$name" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$STACK_CP" \
    dev.logquery.stack.PostgresServer "$RUN/pg/$n" "$port" "$PG_CACHE"
}

# Unpacks the PostgreSQL binaries into $PG_CACHE, once, in one JVM with room for the xz dictionary, before any
# server starts (the servers' small JVMs only use them). A no-op when a complete unpack is there; one that did
# not finish (no completion marker) is deleted and done again.
prepare_postgres() {
  local name missing="" log
  for name in "$@"; do
    [ -n "$(pid_of "$name")" ] || missing="yes"
  done
  [ -n "$missing" ] || return 0
  log="$(log_of postgres-binaries)"
  mkdir -p "$LOGS"
  printf '=== setup.sh: starting postgres-binaries at %s ===\n' "$(date '+%Y-%m-%d %H:%M:%S')" >> "$log"
  "$JAVA" -Xmx256m -XX:+UseSerialGC -cp "$STACK_CP" dev.logquery.stack.PostgresBinaries "$PG_CACHE" >> "$log" 2>&1 \
    || fail_component postgres-binaries "could not be unpacked into $PG_CACHE"
  say "  binaries $(tail -n 1 "$log")"
}

# Writes the broker's configuration: one KRaft node that is broker and controller, data in .run/kafka/data.
write_kafka_config() {
  mkdir -p "$RUN/kafka/data"
  cat > "$RUN/kafka/server.properties" <<EOF
# Written by setup.sh on every start; edit setup.sh instead.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://localhost:$KAFKA_PORT,CONTROLLER://localhost:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT,CONTROLLER://localhost:$KAFKA_CONTROLLER_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/kafka/data
num.partitions=$PARTITIONS
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

start_kafka() {
  local log cluster_id
  require_free_ports kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  write_kafka_config
  log="$(log_of kafka)"
  mkdir -p "$LOGS"
  if [ ! -f "$RUN/kafka/data/meta.properties" ]; then
    # First start: a new cluster id, and the storage formatted as a single-node dynamic quorum.
    cluster_id="$("$JAVA" -cp "$STACK_CP" kafka.tools.StorageTool random-uuid 2>>"$log" \
                  | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1 || true)"
    [ -n "$cluster_id" ] || die "could not generate a Kafka cluster id (see $(rel "$log"))"
    say "  formatting Kafka storage (cluster id $cluster_id)"
    "$JAVA" -cp "$STACK_CP" kafka.tools.StorageTool format --standalone \
        --cluster-id "$cluster_id" --config "$RUN/kafka/server.properties" >> "$log" 2>&1 \
      || { tail -n 20 "$log" >&2; die "formatting the Kafka storage failed"; }
  fi
  launch kafka "-Xmx$KAFKA_HEAP" "-Xms$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -cp "$STACK_CP" kafka.Kafka "$RUN/kafka/server.properties"
}

# The command that installs Debian's Prometheus without starting the package's own service (policy-rc.d
# answers 101, "action forbidden", to the package's start request), for messages.
prometheus_install_hint() {
  if command -v apt-get >/dev/null 2>&1; then
    printf 'sudo apt-get install -y --no-install-recommends prometheus, or STACK_PROMETHEUS=off'
  else
    printf 'install prometheus from your package manager, or STACK_PROMETHEUS=off'
  fi
}

# Installs Debian's prometheus package when the binary is missing and this user may (root, or passwordless
# sudo) and apt-get exists; otherwise says what would. The package's own service is kept from starting: the
# stack runs its own Prometheus with prometheus/prometheus-local.yml. True if a prometheus binary is there after.
ensure_prometheus() {
  local -a sudo=()
  command -v prometheus >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    say "  not installed and no apt-get here: $(prometheus_install_hint)"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      say "  not installed; to install it: $(prometheus_install_hint)"
      return 1
    fi
  fi
  local log policy="/usr/sbin/policy-rc.d" own_policy=""
  log="$(log_of prometheus-install)"
  mkdir -p "$LOGS"
  say "  not installed: installing Debian's prometheus package (log $(rel "$log"))"
  # Keep the package's service from starting (and taking port 9090) when no policy is in force yet.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by logquery setup.sh while it installs prometheus\nexit 101\n' \
      | "${sudo[@]}" tee "$policy" > /dev/null && "${sudo[@]}" chmod 755 "$policy" && own_policy="yes"
  fi
  {
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends prometheus \
      || { "${sudo[@]}" apt-get update && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends prometheus; }
  } >> "$log" 2>&1 || true
  [ -z "$own_policy" ] || "${sudo[@]}" rm -f "$policy"
  # Were it started all the same (a systemd that ignores policy-rc.d), stop the package's service.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now prometheus >> "$log" 2>&1 || true
  fi
  if command -v prometheus >/dev/null 2>&1; then
    say "  installed $(prometheus --version 2>/dev/null | head -n 1)"
    return 0
  fi
  warn "installing prometheus failed (see $(rel "$log")); the stack runs without it: $(prometheus_install_hint)"
  return 1
}

# Prometheus is not a JVM: the stack's markers ride in its page title, which it shows and otherwise ignores,
# so that is_ours and pid_of recognise it like the others.
start_prometheus() {
  local log
  require_free_ports prometheus "$PROMETHEUS_PORT"
  log="$(log_of prometheus)"
  mkdir -p "$PIDS" "$LOGS" "$RUN/prometheus"
  printf '=== setup.sh: starting prometheus at %s ===\n' "$(date '+%Y-%m-%d %H:%M:%S')" >> "$log"
  nohup prometheus "--config.file=$ROOT/prometheus/prometheus-local.yml" "--storage.tsdb.path=$RUN/prometheus" \
    "--web.listen-address=$BIND:$PROMETHEUS_PORT" "--web.page-title=logquery $MARK_ROOT $MARK_NAME""prometheus " \
    >> "$log" 2>&1 < /dev/null &
  printf '%s\n' "$!" > "$PIDS/prometheus.pid"
  say "  started  $(printf '%-12s' prometheus) pid $!   log $(rel "$log")"
}

# Redis is not a JVM either: its arguments, then its process title (proc-title-template), carry the
# markers. The binary is the one embedded-redis ships, copied to .run/redis/bin once. No persistence: Redis
# holds caches only.
start_redis() {
  local log bin
  require_free_ports redis "$REDIS_PORT"
  log="$(log_of redis)"
  mkdir -p "$PIDS" "$LOGS" "$RUN/redis"
  bin="$("$JAVA" -cp "$STACK_CP" dev.logquery.stack.RedisBinary "$RUN/redis/bin" 2>>"$log")" \
    || { tail -n 5 "$log" >&2; die "no redis-server binary for this platform (see $(rel "$log"))"; }
  (umask 077; cat > "$RUN/redis/redis.conf" <<EOF
# Written by setup.sh on every start; edit setup.sh instead.
port $REDIS_PORT
bind 127.0.0.1
requirepass $REDIS_PASSWORD
dir "$RUN/redis"
save ""
appendonly no
maxmemory $REDIS_MAXMEMORY
maxmemory-policy allkeys-lru
EOF
  )
  printf '=== setup.sh: starting redis at %s ===\n' "$(date '+%Y-%m-%d %H:%M:%S')" >> "$log"
  # The markers are in the arguments (for the moments before Redis sets its title) and in the title.
  nohup "$bin" "$RUN/redis/redis.conf" --proc-title-template "{title} {listen-addr} $MARK_ROOT ${MARK_NAME}redis " \
    >> "$log" 2>&1 < /dev/null &
  printf '%s\n' "$!" > "$PIDS/redis.pid"
  say "  started  $(printf '%-12s' redis) pid $!   log $(rel "$log")"
}

# Where the coordinator reaches the nodes: the bind address, or loopback when they listen on all addresses.
node_host() {
  case "$BIND" in 0.0.0.0 | '::' | '') printf '127.0.0.1' ;; *) printf '%s' "$BIND" ;; esac
}

start_app() {
  local name="$1" port n shard replica
  port="$(port_of "$name")"
  require_free_ports "$name" "$port"
  case "$name" in
    node-*)
      n="${name#node-}"           # 0, or 0-r1 for a second replica
      shard="${n%%-*}"
      replica=0
      [ "$n" = "$shard" ] || replica=1
      # zonky's PostgreSQL trusts local connections: user postgres, any password (the default in
      # application.yml is fine). The secrets go through the environment (not visible in ps).
      LOGQUERY_INTERNAL_TOKEN="$INTERNAL_TOKEN" LOGQUERY_NODE_REDISURL="$REDIS_URL" \
      LOGQUERY_NODE_RETENTION="$RETENTION" \
      launch "$name" "-Xmx$NODE_HEAP" -jar "$NODE_JAR" \
        "--server.port=$port" "--server.address=$BIND" \
        "--spring.datasource.url=jdbc:postgresql://localhost:$(port_of "pg-$n")/logquery" \
        "--spring.datasource.username=postgres" \
        "--logquery.node.shard=$shard" "--logquery.node.replica=$replica" "--logquery.node.shard-count=$SHARDS" \
        "--logquery.node.topic=$TOPIC" "--logquery.node.bootstrap-servers=localhost:$KAFKA_PORT" ;;
    coordinator)
      local -a shards=()
      for shard in 0 1 2; do
        # Queries read each replica's PostgreSQL directly (the node still answers contains queries); its
        # connections are read-only.
        shards+=("--logquery.coordinator.shards[$shard].id=$shard"
                 "--logquery.coordinator.shards[$shard].replicas[0]=http://$(node_host):$(port_of "node-$shard")"
                 "--logquery.coordinator.shards[$shard].databases[0]=jdbc:postgresql://localhost:$(port_of "pg-$shard")/logquery?user=postgres")
        [ "$REPLICAS" = 1 ] || shards+=("--logquery.coordinator.shards[$shard].replicas[1]=http://$(node_host):$(port_of "node-$shard-r1")"
                 "--logquery.coordinator.shards[$shard].databases[1]=jdbc:postgresql://localhost:$(port_of "pg-$shard-r1")/logquery?user=postgres")
      done
      # The live tail (GET /api/tail) reads the same topic as the nodes.
      LOGQUERY_INTERNAL_TOKEN="$INTERNAL_TOKEN" LOGQUERY_COORDINATOR_REDISURL="$REDIS_URL" \
      LOGQUERY_COORDINATOR_AUTH_TOKENS="${STACK_API_TOKEN:-}" \
      launch coordinator "-Xmx$COORDINATOR_HEAP" -XX:+UseParallelGC -jar "$COORDINATOR_JAR" "--server.port=$port" "--server.address=$BIND" \
        "${shards[@]}" \
        "--logquery.coordinator.tail.bootstrap-servers=localhost:$KAFKA_PORT" \
        "--logquery.coordinator.tail.topic=$TOPIC" ;;
    gateway)
      # The write path from the outside world: Loki push and OTLP/HTTP, answered after Kafka acknowledged.
      LOGQUERY_GATEWAY_AUTH_TOKENS="${STACK_API_TOKEN:-}" \
      launch gateway "-Xmx$APP_HEAP" -jar "$GATEWAY_JAR" "--server.port=$port" "--server.address=$BIND" \
        "--spring.kafka.bootstrap-servers=localhost:$KAFKA_PORT" "--logquery.gateway.topic=$TOPIC" \
        "--logquery.gateway.max-age=$RETENTION" ;;
    producer)
      # Gateway mode pushes OTLP/HTTP to the gateway (the whole write path); kafka mode writes records itself.
      LOGQUERY_PRODUCER_GATEWAY_TOKEN="${STACK_API_TOKEN:-}" \
      launch producer "-Xmx$APP_HEAP" -jar "$PRODUCER_JAR" \
        "--server.port=$port" "--server.address=$BIND" \
        "--logquery.kafka.bootstrap-servers=localhost:$KAFKA_PORT" \
        "--logquery.producer.mode=live" "--logquery.producer.rate=$PRODUCER_RATE" \
        "--logquery.producer.target=$PRODUCER_TARGET" "--logquery.producer.gateway.url=http://$(node_host):$(port_of gateway)" \
        "--logquery.producer.topic=$TOPIC" "--logquery.producer.partitions=$PARTITIONS" ;;
  esac
}

# Starts each of the components $@ that does not run yet.
start_missing() {
  local name pid
  for name in "$@"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ]; then
      say "  running  $(printf '%-12s' "$name") pid $pid"
      continue
    fi
    case "$name" in
      pg-*) start_pg "$name" ;;
      kafka) start_kafka ;;
      redis) start_redis ;;
      prometheus) start_prometheus ;;
      *) start_app "$name" ;;
    esac
  done
}

# Fails loudly about component $1: why, and the end of its log.
fail_component() {
  local name="$1" why="$2" log
  log="$(log_of "$name")"
  warn "$name $why"
  if [ -f "$log" ]; then
    # The end of what this start wrote (the log keeps earlier starts above its "=== setup.sh" line).
    printf '\n--- last lines of %s ---\n' "$(rel "$log")" >&2
    awk '/^=== setup.sh: starting /{ n = 0 } { line[++n] = $0 } END { for (i = (n > 40 ? n - 39 : 1); i <= n; i++) print line[i] }' "$log" >&2
    printf -- '---\n' >&2
  fi
  warn "the other components keep running: ./setup.sh status shows them, ./setup.sh down stops them"
  exit 1
}

# Waits until every component in $@ is UP; fails when one exits or the start timeout passes.
wait_healthy() {
  local deadline=$((SECONDS + START_TIMEOUT)) pending name still
  pending="$*"
  while [ -n "$pending" ]; do
    still=""
    for name in $pending; do
      probe "$name"
      case "$STATE" in
        UP) say "  healthy  $name" ;;
        STOPPED) fail_component "$name" "exited during startup" ;;
        *) still="$still $name" ;;
      esac
    done
    pending="${still# }"
    [ -n "$pending" ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for name in $pending; do
        probe "$name"
        if [ "$STATE" = "UP" ]; then
          say "  healthy  $name"
        else
          fail_component "$name" "is not healthy after ${START_TIMEOUT}s: $NOTE"
        fi
      done
      break
    fi
    sleep 1
  done
}

raise_open_files_limit() {
  local hard
  hard="$(ulimit -Hn)"
  if [ "$hard" = "unlimited" ]; then
    ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true
  else
    ulimit -n "$hard" 2>/dev/null || true
  fi
}

cmd_up() {
  local reason started
  find_java
  if [ "$FORCE_BUILD" = "yes" ]; then
    build "--build"
  else
    reason="$(build_reason)"
    if [ -n "$reason" ]; then build "$reason"; fi
  fi
  locate_artifacts
  started=$SECONDS
  raise_open_files_limit
  say "Open files limit: $(ulimit -n)"
  ensure_secrets

  say "PostgreSQL ($( [ "$REPLICAS" = 1 ] && echo 5432-5434 || echo 5432-5437 )):"
  prepare_postgres "${DATABASES[@]}"
  start_missing "${DATABASES[@]}"
  wait_healthy "${DATABASES[@]}"

  say "Kafka ($KAFKA_PORT):"
  start_missing kafka
  wait_healthy kafka
  # The producer creates the topic too and the nodes wait for it; creating it here makes the partition
  # count certain before anyone uses it.
  "$JAVA" -cp "$STACK_CP" dev.logquery.stack.KafkaTopic "localhost:$KAFKA_PORT" "$TOPIC" "$PARTITIONS" \
      > "$LOGS/kafka-topic.log" 2>&1 \
    || fail_component kafka-topic "could not be created on localhost:$KAFKA_PORT"
  say "  $(grep '^topic ' "$LOGS/kafka-topic.log" | tail -n 1)"

  say "Redis ($REDIS_PORT):"
  start_missing redis
  wait_healthy redis

  say "Partition nodes, coordinator, ingest gateway, producer:"
  start_missing "${APPS[@]}"
  wait_healthy "${APPS[@]}"

  say "Prometheus ($PROMETHEUS_PORT):"
  if [ "$PROMETHEUS_WANTED" = off ]; then
    say "  off (STACK_PROMETHEUS=off)"
  elif ensure_prometheus; then
    start_missing prometheus
    wait_healthy prometheus
  fi

  say ""
  say "Up in $((SECONDS - started))s."
  print_table || true
  local now hour_ago
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  hour_ago=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v-1H +%Y-%m-%dT%H:%M:%SZ)
  cat <<EOF

Try (the last hour of payment-service, newest first):
  curl -s -X POST localhost:8080/api/query/logs -H 'Content-Type: application/json' \\
    -d '{"startTime":"$hour_ago","endTime":"$now","serviceName":"payment-service","limit":5}'; echo
  # the same as a stream, one line per entry and a summary line last:
  curl -s -X POST localhost:8080/api/query/logs -H 'Content-Type: application/json' -H 'Accept: application/x-ndjson' \\
    -d '{"startTime":"$hour_ago","endTime":"$now","logLevel":"ERROR","limit":5}'
  # shard 0's chunks and their union (the internal API needs the stack's token):
  curl -s -H "Logquery-Internal-Token: \$(cat .run/secrets/internal-token)" localhost:8081/internal/metadata | head -c 600; echo
  curl -s localhost:8084/api/producer/status; echo                    # what the producer has sent
  # push a line the way Promtail or Alloy would (Loki push API on the ingest gateway; 204 once Kafka has it):
  curl -s -o /dev/null -w '%{http_code}\n' -X POST localhost:8085/loki/api/v1/push -H 'Content-Type: application/json' \
    -d '{"streams":[{"stream":{"service_name":"hello","cluster":"eu-1"},"values":[["'\$(date +%s%N)'","level=info hello from curl"]]}]}'
  ./setup.sh status
  ./setup.sh down
EOF
}

# ----------------------------------------------------------------------------------------------------
# Status

# Whether a second replica (node or database) runs, whatever STACK_REPLICAS says now.
second_replicas_running() {
  local name
  for name in "${SECOND_DATABASES[@]}" "${SECOND_NODES[@]}"; do
    probe "$name"
    [ "$STATE" = "STOPPED" ] || return 0
  done
  return 1
}

# One line per component (second replicas too while any runs); returns non-zero unless every component is UP.
print_table() {
  local name all_up=0 names=("${ALL[@]}")
  if [ "$REPLICAS" = 1 ] && second_replicas_running; then
    names=("${DATABASES[@]}" "${SECOND_DATABASES[@]}" kafka redis "${NODES[@]}" "${SECOND_NODES[@]}" coordinator
           gateway producer prometheus)
  fi
  printf '%-12s %-5s %-8s %-27s %s\n' COMPONENT PORT PID LOG HEALTH
  for name in "${names[@]}"; do
    probe "$name"
    [ "$STATE" = "UP" ] || [ "$STATE" = "ABSENT" ] || all_up=1
    printf '%-12s %-5s %-8s %-27s %s\n' "$name" "$(port_of "$name")" "${PID:--}" \
      "$(rel "$(log_of "$name")")" "$NOTE"
  done
  return "$all_up"
}

cmd_status() {
  print_table
}

# Runs every panel query of grafana/dashboards against the Prometheus on $PROMETHEUS_PORT (which must have
# scraped the running system for a minute or so: rates need two samples).
cmd_check_dashboards() {
  find_java
  locate_artifacts
  probe prometheus
  [ "$STATE" = "UP" ] || die "Prometheus is not up on $PROMETHEUS_PORT ($NOTE)"
  "$JAVA" -cp "$STACK_CP" dev.logquery.stack.DashboardCheck "http://localhost:$PROMETHEUS_PORT" "$ROOT/grafana/dashboards" \
    "http://localhost:8080"
}

# ----------------------------------------------------------------------------------------------------
# Stopping

# Waits up to $2 seconds for pid $1 to exit; false if it is still alive then.
wait_gone() {
  local pid="$1" deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
  return 0
}

# Stops the components $@ together: SIGTERM to each, then SIGKILL to any still alive after the timeout.
stop_tier() {
  local name pid entry pids="" deadline
  for name in "$@"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ]; then
      say "  stopping $(printf '%-12s' "$name") pid $pid"
      kill -TERM "$pid" 2>/dev/null || true
      pids="$pids $name:$pid"
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for entry in $pids; do
    name="${entry%%:*}"
    pid="${entry#*:}"
    if ! wait_gone "$pid" $((deadline > SECONDS ? deadline - SECONDS : 0)); then
      warn "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || warn "$name (pid $pid) survived SIGKILL"
    fi
  done
  for name in "$@"; do
    [ -n "$(pid_of "$name")" ] || rm -f "$PIDS/$name.pid"
  done
}

cmd_down() {
  local name port open="" owner deadline n
  say "Stopping:"
  stop_tier prometheus
  # Second replicas too, whatever STACK_REPLICAS says now: they may run from an earlier start.
  # The producer first, then the gateway it pushes to (nothing pushed is lost: it answered only what Kafka
  # acknowledged), then the rest.
  stop_tier producer
  stop_tier gateway
  stop_tier node-0 node-1 node-2 "${SECOND_NODES[@]}" coordinator
  stop_tier kafka redis
  stop_tier pg-0 pg-1 pg-2 "${SECOND_DATABASES[@]}"
  # A PostgreSQL holder that had to be killed leaves its postmaster running: stop those too.
  for name in pg-0 pg-1 pg-2 "${SECOND_DATABASES[@]}"; do
    stop_postmaster "$RUN/pg/${name#pg-}"
  done

  # Listening sockets close with their processes; allow the kernel a moment.
  deadline=$((SECONDS + 5))
  while :; do
    open=""
    for port in "${ALL_PORTS[@]}"; do
      if port_open "$port"; then open="$open $port"; fi
    done
    if [ -z "$open" ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
    sleep 0.5
  done
  if [ -n "$open" ]; then
    for port in $open; do
      owner="$(port_owner "$port")"
      warn "port $port is still open${owner:+ ($owner)}: not a process this script started, left alone"
    done
    return 1
  fi
  if [ "$PURGE" = "no" ]; then
    say "Stopped; no port of the stack is open. Data kept in $(rel "$RUN")/ (./setup.sh clean deletes it)."
  else
    say "Stopped; no port of the stack is open."
    for n in 0 1 2 0-r1 1-r1 2-r1; do
      [ -z "$(postmaster_of "$RUN/pg/$n")" ] || die "a postmaster still runs on .run/pg/$n: not deleting data"
    done
    rm -rf "$RUN"
    say "Deleted $(rel "$RUN")/ (databases, Kafka data, logs)."
  fi
}

# ----------------------------------------------------------------------------------------------------
# Arguments

COMMAND=""
MODE="auto"
FORCE_BUILD="no"
PURGE="no"
while [ "$#" -gt 0 ]; do
  case "$1" in
    up | down | status | clean | check-dashboards) [ -z "$COMMAND" ] || die "one command at a time (got $COMMAND and $1)"; COMMAND="$1" ;;
    --build) FORCE_BUILD="yes" ;;
    --purge) PURGE="yes" ;;
    --mode) [ "$#" -ge 2 ] || die "--mode needs a value: local or docker"; MODE="$2"; shift ;;
    --mode=*) MODE="${1#--mode=}" ;;
    -h | --help | help) usage; exit 0 ;;
    *) warn "unknown argument: $1"; usage >&2; exit 2 ;;
  esac
  shift
done
COMMAND="${COMMAND:-up}"

# Docker mode: what docker compose does, with the same commands as the local mode. STACK_REPLICAS=2 is
# COMPOSE_PROFILES=replicas for up: it starts node-<s>-r1 and pg-<s>-r1 and gives the coordinator their URLs
# (docker-compose.yml); STACK_REPLICAS=1 clears COMPOSE_PROFILES. status and down take the profile whatever
# STACK_REPLICAS says: second replicas may run from an earlier start. The compose file's secrets come from .env
# next to it (git-ignored, mode 600), which up writes once: each of POSTGRES_PASSWORD, REDIS_PASSWORD and
# LOGQUERY_INTERNAL_TOKEN that it lacks gets a random value; existing values are kept. Only the coordinator,
# Grafana, Prometheus and Kafka are published, on 127.0.0.1 (LOGQUERY_BIND changes that); STACK_API_TOKEN, when
# set, is the coordinator's API token as in the local mode.
compose() { docker compose -f "$ROOT/docker-compose.yml" "$@"; }

docker_mode() {
  local env_file="$ROOT/.env"
  # shellcheck disable=SC2086  # $build_flag is one word or none
  case "$COMMAND" in
    up)
      local name added=""
      if [ ! -e "$env_file" ]; then
        (umask 077; printf '# Secrets of docker-compose.yml, written by ./setup.sh --mode docker. Git ignores this file.\n' > "$env_file")
      fi
      # a hand-written file may lack its last newline
      [ -z "$(tail -c 1 "$env_file")" ] || printf '\n' >> "$env_file"
      for name in POSTGRES_PASSWORD REDIS_PASSWORD LOGQUERY_INTERNAL_TOKEN; do
        if ! grep -q "^$name=." "$env_file"; then
          printf '%s=%s\n' "$name" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >> "$env_file"
          added="$added $name"
        fi
      done
      chmod 600 "$env_file"
      if [ -n "$added" ]; then
        say "Generated$added into $(rel "$env_file") (mode 600)."
        case "$added" in
          *POSTGRES_PASSWORD*)
            # PostgreSQL sets its password when its data volume is initialised, and keeps it on later starts
            if [ -n "$(docker ps -aq --filter label=com.docker.compose.project=logquery --filter label=com.docker.compose.service=pg-0)" ]; then
              warn "PostgreSQL containers from an earlier start keep their old password; if the nodes cannot log in,"
              warn "run ./setup.sh --mode docker down --purge (deletes their data) and start again"
            fi ;;
        esac
      fi
      say "Docker mode: docker compose up (builds the images on first run; waits until every service is healthy)"
      local build_flag="" profiles=""
      [ "$FORCE_BUILD" = "no" ] || build_flag="--build"
      if [ "$REPLICAS" = 2 ]; then
        profiles="replicas"
        say "  with a second replica of every shard (COMPOSE_PROFILES=replicas)"
      fi
      COMPOSE_PROFILES="$profiles" compose up -d $build_flag --wait --wait-timeout "$((START_TIMEOUT * 3))" \
        || { compose --profile replicas ps; die "docker compose up failed or a service is not healthy (docker compose logs <service>)"; }
      compose --profile replicas ps
      local auth=""
      [ -z "${STACK_API_TOKEN:-}" ] || auth=" -H \"Authorization: Bearer \$STACK_API_TOKEN\""
      say ""
      say "Coordinator http://localhost:8080, Prometheus http://localhost:9090, Grafana http://localhost:3000 (admin/admin),"
      say "on ${LOGQUERY_BIND:-127.0.0.1} only; PostgreSQL, Redis, the nodes and the producer are not published."
      say "Try: curl -s -X POST localhost:8080/api/query/logs -H 'Content-Type: application/json'$auth \\"
      say "       -d '{\"startTime\":\"$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)\",\"endTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"limit\":5}'" ;;
    status | down)
      # Compose interpolates the whole file, secrets included, even to list or stop containers: without .env
      # (nothing was started by this script here) placeholders let it read the file.
      if [ ! -e "$env_file" ]; then
        export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-unused}" REDIS_PASSWORD="${REDIS_PASSWORD:-unused}" \
               LOGQUERY_INTERNAL_TOKEN="${LOGQUERY_INTERNAL_TOKEN:-unused}"
      fi
      if [ "$COMMAND" = "status" ]; then
        compose --profile replicas ps --all
        # every service running and, where it has a health check, healthy
        ! compose --profile replicas ps --all --format '{{.Service}} {{.State}} {{.Health}}' | grep -vqE ' running (healthy)?$'
      elif [ "$PURGE" = "yes" ]; then
        compose --profile replicas down --volumes
      else
        compose --profile replicas down
      fi ;;
    check-dashboards)
      find_java
      locate_artifacts
      "$JAVA" -cp "$STACK_CP" dev.logquery.stack.DashboardCheck "http://localhost:$PROMETHEUS_PORT" "$ROOT/grafana/dashboards" \
        "http://localhost:8080" ;;
  esac
}

if [ "$MODE" = "auto" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then MODE="docker"; else MODE="local"; fi
fi
[ "$COMMAND" != "clean" ] || { COMMAND="down"; PURGE="yes"; }
case "$MODE" in
  local) ;;
  docker)
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 \
      || die "--mode docker: no Docker engine answers here (docker info failed); the local mode needs none"
    docker_mode
    exit $? ;;
  *) die "unknown mode $MODE: local or docker" ;;
esac
[ "$FORCE_BUILD" = "no" ] || [ "$COMMAND" = "up" ] || die "--build goes with up"
[ "$PURGE" = "no" ] || [ "$COMMAND" = "down" ] || die "--purge goes with down"

case "$COMMAND" in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  check-dashboards) cmd_check_dashboards ;;
esac
