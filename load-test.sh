#!/usr/bin/env bash
# A realistic mixed query load against the coordinator on this machine (start the system with ./setup.sh):
#   ./load-test.sh [-d SECONDS] [-c CONNECTIONS] [-u http://localhost:8080] [-t TOKEN]   (defaults: 30 s, 50, $STACK_API_TOKEN)
# Random services, windows, levels, texts, limits and cursor pages, never one repeated query, from a JVM load
# generator (benchmark/.../LoadTest.java). Prints requests/s, latency p50/p95/p99/max, errors and 429s;
# exits 1 when any request failed (transport error, 5xx, a 4xx other than 429, or a partial answer).
# Needs only a JDK 17+ and Maven (builds the benchmark module the first time).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f benchmark/target/classes/dev/logquery/benchmark/LoadTest.class ] \
    || [ -n "$(find benchmark/src -newer benchmark/target/classes/dev/logquery/benchmark/LoadTest.class -name '*.java' 2>/dev/null)" ]; then
  mvn -q -B -DskipTests package -pl benchmark -am
fi
java_bin="java"
[ -n "${JAVA_HOME:-}" ] && java_bin="$JAVA_HOME/bin/java"
exec "$java_bin" -Xmx1g -cp "benchmark/target/classes:benchmark/target/lib/*" dev.logquery.benchmark.LoadTest "$@"
