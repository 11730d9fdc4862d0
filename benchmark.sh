#!/usr/bin/env bash
# Runs a benchmark and prints its figures. Needs only a JDK 17+ and Maven.
#   ./benchmark.sh ingest [--lines N] [--e2e-lines N] [--services N] [--batch-sizes 1000,10000,100000] [--heap 256m]
#   ./benchmark.sh query  [--lines 10000000] [--days 7] [--services 50] [--clients 1,16,128] [--seconds 10]
#                         [--ndjson-lines 1000000] [--coordinator-heap 256m] [--node-heap 512m] [--baseline-connections 18]
#                         [--warmup-seconds 150]
#   ./benchmark.sh push   [--lines 2000000] [--batch 1000] [--clients 4] [--rate 50000] [--seconds 30] [--services 50]
#                         [--node-heap 512m] [--gateway-heap 256m] [--warmup-lines 500000] [--lead-in-seconds 10]
#   ./benchmark.sh tail   [--viewers 2000,10000] [--rate 1000] [--services 200] [--seconds 30] [--query-clients 4]
#                         [--coordinator-heap 512m]
#   ./benchmark.sh fresh  [--probes 100] [--rate 1000] [--services 200]
set -euo pipefail
cd "$(dirname "$0")"
kind=${1:-}
case "$kind" in
  ingest) main=dev.logquery.benchmark.IngestBenchmark ;;
  query) main=dev.logquery.benchmark.QueryBenchmark ;;
  tail) main=dev.logquery.benchmark.TailBenchmark ;;
  push) main=dev.logquery.benchmark.PushBenchmark ;;
  fresh) main=dev.logquery.benchmark.FreshBenchmark ;;
  *) echo "usage: ./benchmark.sh ingest|query|push|tail|fresh [options]" >&2; exit 2 ;;
esac
shift
mvn -q -B -DskipTests package
exec java -Xmx2g -cp "benchmark/target/classes:benchmark/target/lib/*" "$main" "$@"
