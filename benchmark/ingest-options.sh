#!/bin/bash
# What PostgreSQL's side of ingest costs under each option (issue 17, point 5): the node's own schema (its Flyway
# migrations), rows shaped like the node's (five fields, a message, attributes on a third of the lines, content hash,
# Kafka partition and offset), written as the node writes them: batches of 10,000 rows in time order, each one
# transaction of one COPY into `logs` plus the Kafka offsets' upsert and the text index's block bump.
# For each variant: a fresh cluster, ROWS rows (default 2,000,000), then rows/s, WAL bytes per row, table and index
# size, and the read side on the loaded data (selective, broad, 7-day selective; best of 5, planning included).
# The server is PostgreSQL 17 as the product runs it (zonky's binaries, unpacked by ./setup.sh under .run/);
# the client is psql (Debian: apt-get install postgresql-client). Run as root (the server runs as user postgres)
# or as any user that may run initdb. zonky's server is built without lz4, so WAL compression is pglz.
# Figures and the decision: docs/benchmarks.md, "Ingest options".
#   benchmark/ingest-options.sh                     all variants
#   VARIANTS="baseline binary" ROWS=500000 benchmark/ingest-options.sh
set -euo pipefail
cd "$(dirname "$0")/.."
W=${WORK:-/tmp/ingest-options}
ROWS=${ROWS:-2000000}
BATCH=10000
P=${PORT:-5498}
B=${PG_BIN:-$(ls -d "$PWD"/.run/postgres-binaries/PG-*/bin 2>/dev/null | head -1)}
[ -x "$B/postgres" ] || { echo "no PostgreSQL binaries: run ./setup.sh once, or set PG_BIN" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql is needed: apt-get install postgresql-client" >&2; exit 2; }
MIGRATIONS=partition-node/src/main/resources/db/migration
RUN_AS=""
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd -r -M postgres; RUN_AS=postgres; fi
as_server() { if [ -n "$RUN_AS" ]; then su "$RUN_AS" -s /bin/bash -c "$1"; else bash -c "$1"; fi; }
# Rows written by an earlier run with the same ROWS are used again (delete $W to write them anew).
[ -f "$W/rows/done-$ROWS" ] || rm -rf "$W"
rm -rf "$W/data" "$W/pg"; mkdir -p "$W/rows"; chmod -R 777 "$W"
if [ -n "$RUN_AS" ]; then cp -r "$B/.." "$W/pg"; chmod -R a+rX "$W/pg"; B=$W/pg/bin; fi # zonky unpacks them root-only
Q="psql -X -h localhost -p $P -U postgres -qAt -v ON_ERROR_STOP=1"

# Common settings of every variant: the machine's (as the benchmarks run PostgreSQL), durable (fsync on).
BASE="-c listen_addresses=localhost -c fsync=on -c shared_buffers=512MB -c max_wal_size=4GB"

start() { # $1 = extra server options
  as_server "'$B/initdb' -D '$W/data' -A trust -U postgres >/dev/null"
  as_server "'$B/pg_ctl' -D '$W/data' -o \"-p $P $BASE $1\" -l '$W/server.log' -w start >/dev/null"
}
stop() { as_server "'$B/pg_ctl' -D '$W/data' -m fast -w stop >/dev/null"; rm -rf "$W/data"; }
trap '[ -f "$W/data/postmaster.pid" ] && stop' EXIT

# The rows, once, in both COPY formats: batch k holds rows k*BATCH+1 .. (k+1)*BATCH, spread over the last 24 hours
# in time order, 50 services, 6 Kafka partitions.
batches=$((ROWS / BATCH))
if [ -f "$W/rows/done-$ROWS" ]; then
  now=$(cat "$W/rows/done-$ROWS")
else
start ""
echo "writing $ROWS rows in $batches batches (text and binary COPY files) ..."
now=$($Q -c "SELECT extract(epoch FROM date_trunc('second', now()))::bigint")
for ((k = 0; k < batches; k++)); do
  sel="SELECT to_timestamp($now - 86400 + i * 86400.0 / $ROWS)::timestamptz, ('service-' || (i * 7 % 50))::text,
    (CASE WHEN i % 50 = 0 THEN 5 WHEN i % 10 = 0 THEN 4 ELSE 2 + i % 2 END)::int2, ('ns-' || (i % 7))::text,
    ('pod-' || (i * 7 % 50) || '-' || (i % 3))::text, 'app'::text,
    (CASE i % 5
      WHEN 0 THEN 'GET /api/v1/orders/' || (i * 7919 % 100000) || ' 200 ' || (i % 97) || 'ms user=' || md5(i::text)
      WHEN 1 THEN 'payment ' || md5((i*3)::text) || ' authorised amount=' || (i % 1000) || '.00 EUR'
      WHEN 2 THEN 'Read timed out after ' || (i % 5000) || 'ms calling inventory-service:8080/internal/lookup'
      WHEN 3 THEN 'entering OrderController.getOrder(id=' || (i % 100000) || ')'
      ELSE 'GC pause ' || (i % 900) || 'ms (G1 Evacuation Pause), heap ' || (i % 100) || '% used' END)::text,
    (CASE WHEN i % 3 = 0 THEN jsonb_build_object('trace_id', md5((i*11)::text), 'region', 'eu-' || (i % 3)) END),
    (hashtext(i::text)::bigint * 4294967296 + hashtext((i*13)::text))::int8, (i % 6)::int4, (i / 6)::int8
    FROM generate_series($((k * BATCH + 1))::bigint, $(((k + 1) * BATCH))) i"
  $Q -c "\\copy ($sel) TO '$W/rows/$k.txt'"
  $Q -c "\\copy ($sel) TO '$W/rows/$k.bin' (FORMAT binary)"
done
stop
echo "$now" > "$W/rows/done-$ROWS"
fi

COLUMNS="ts, service, level, namespace, pod, container, message, attributes, content_hash, kafka_partition, kafka_offset"
first_day=$(date -u -d "@$((now - 86400))" +%F)

# $1 name, $2 server options, $3 partitions (day|hour), $4 COPY format (text|binary), $5 index fillfactor or ""
run() {
  local name=$1 options=$2 granularity=$3 format=$4 fillfactor=$5
  start "$options"
  for m in "$MIGRATIONS"/V*.sql; do $Q -f "$m" >/dev/null; done
  # Partitions as the node creates them (TimePartitions), for 8 days up to tomorrow: by day, or by hour.
  local step=86400 count=8
  [ "$granularity" = hour ] && step=3600 count=192
  local start_epoch; start_epoch=$(date -u -d "$first_day - 6 days" +%s)
  {
    for ((p = 0; p < count; p++)); do
      from=$(date -u -d "@$((start_epoch + p * step))" +%FT%TZ); to=$(date -u -d "@$((start_epoch + (p + 1) * step))" +%FT%TZ)
      echo "CREATE TABLE logs_p$p PARTITION OF logs FOR VALUES FROM ('$from') TO ('$to');"
    done
  } | $Q >/dev/null
  if [ -n "$fillfactor" ]; then # a partitioned index takes no storage parameter: each partition's index
    $Q -c "SELECT format('ALTER INDEX %I SET (fillfactor = $fillfactor);', indexname) FROM pg_indexes WHERE tablename LIKE 'logs\_p%'" | $Q >/dev/null
  fi
  local ext=txt copyopt=""
  [ "$format" = binary ] && ext=bin copyopt=" (FORMAT binary)"
  {
    for ((k = 0; k < batches; k++)); do
      block=$(date -u -d "@$((now - 86400 + k * 86400 / batches / 300 * 300))" +%FT%TZ)
      echo "BEGIN;"
      echo "\\copy logs ($COLUMNS) FROM '$W/rows/$k.$ext'$copyopt"
      echo "INSERT INTO kafka_offsets (topic, kafka_partition, next_offset, topic_id) SELECT 'logs', p, $(( (k + 1) * BATCH / 6 )), NULL FROM generate_series(0, 5) p ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now();"
      echo "INSERT INTO text_blocks (block_start, block_end) VALUES ('$block', timestamptz '$block' + interval '5 minutes') ON CONFLICT (block_start) DO UPDATE SET version = text_blocks.version + 1, trigrams = NULL;"
      echo "COMMIT;"
    done
  } > "$W/load.sql"
  local lsn0 s e lsn1 ms
  lsn0=$($Q -c "SELECT pg_current_wal_lsn()")
  s=$(date +%s%N); $Q -f "$W/load.sql" >/dev/null; e=$(date +%s%N)
  ms=$(((e - s) / 1000000))
  lsn1=$($Q -c "SELECT pg_current_wal_lsn()")
  local wal heap idx
  wal=$($Q -c "SELECT round(pg_wal_lsn_diff('$lsn1', '$lsn0') / $ROWS)")
  $Q -c "VACUUM ANALYZE logs" >/dev/null
  heap=$($Q -c "SELECT pg_size_pretty(sum(pg_table_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass")
  idx=$($Q -c "SELECT pg_size_pretty(sum(pg_indexes_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass")
  local reads="" sql t
  for q in \
    "selective|SELECT ts FROM logs WHERE service = 'service-7' AND level >= 4 AND ts >= now() - interval '3 hours' ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT 100" \
    "broad|SELECT ts, service, message FROM logs WHERE ts >= now() - interval '1 hour' ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT 100" \
    "selective-7d|SELECT ts FROM logs WHERE service = 'service-7' AND level = 5 AND ts >= now() - interval '7 days' ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT 100"; do
    sql=${q#*|}
    t=$( { echo '\timing on'; for r in 1 2 3 4 5 6; do echo "$sql;"; done; } | $Q 2>&1 | grep -oE '^Time: [0-9.]+' | tail -5 | awk '{print $2}' | sort -n | head -1)
    reads="$reads ${q%%|*} $t ms,"
  done
  printf '%-22s %9d rows/s  %5d WAL bytes/row  heap %s, indexes %s  |%s\n' "$name" $((ROWS * 1000 / ms)) "$wal" "$heap" "$idx" "${reads%,}"
  stop
}

echo "variant                     COPY rate   WAL per row   sizes                       | reads (best of 5)"
for v in ${VARIANTS:-baseline binary fillfactor-100 wal-compression hourly synchronous-commit-on}; do
  case $v in
    baseline)              run baseline "-c synchronous_commit=off" day text "" ;;
    binary)                run binary "-c synchronous_commit=off" day binary "" ;;
    fillfactor-100)        run fillfactor-100 "-c synchronous_commit=off" day text 100 ;;
    wal-compression)       run wal-compression "-c synchronous_commit=off -c wal_compression=pglz" day text "" ;;
    hourly)                run hourly "-c synchronous_commit=off" hour text "" ;;
    synchronous-commit-on) run synchronous-commit-on "-c synchronous_commit=on" day text "" ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
done
