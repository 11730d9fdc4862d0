#!/usr/bin/env bash
# Runs a benchmark and prints its figures. Needs only a JDK 17+ and Maven.
#   ./benchmark.sh ingest [--lines N] [--e2e-lines N] [--services N] [--batch-sizes 1000,10000,100000] [--heap 256m]
set -euo pipefail
cd "$(dirname "$0")"
kind=${1:-}
case "$kind" in
  ingest) main=dev.logquery.benchmark.IngestBenchmark ;;
  *) echo "usage: ./benchmark.sh ingest [options]" >&2; exit 2 ;;
esac
shift
mvn -q -B -DskipTests package
exec java -Xmx2g -cp "benchmark/target/classes:benchmark/target/lib/*" "$main" "$@"
