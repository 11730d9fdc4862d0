#!/bin/bash
# What a pg_trgm GIN index on the message would cost and bring for `contains` (ILIKE '%text%'):
# COPY of 1,000,000 realistic rows in 10 batches into the nodes' table with their two B-tree indexes, with and
# without the trigram index; then a rare, a common and an absent text over 24 hours, newest first, limit 100.
# Needs a PostgreSQL with pg_trgm, run as root (initdb runs as user postgres):
#   PG_BIN=/usr/lib/postgresql/15/bin benchmark/contains-index.sh      (Debian: apt-get install postgresql)
# Figures and the decision: docs/benchmarks.md, "contains".
set -e
W=${WORK:-/tmp/contains-index}
mkdir -p $W; chmod 777 $W
D=$W/data; P=${PORT:-5499}; B=${PG_BIN:-/usr/lib/postgresql/15/bin}
rm -rf $D; mkdir -p $D; chown postgres $D; touch $W/data.log; chown postgres $W/data.log
su postgres -c "$B/initdb -D $D -A trust >/dev/null"
su postgres -c "$B/pg_ctl -D $D -o '-p $P -c shared_buffers=256MB -c max_wal_size=4GB' -l $W/data.log start >/dev/null"
Q="psql -h localhost -p $P -U postgres -qAt"
$Q -c "CREATE EXTENSION pg_trgm"
# 1M rows over 24 h: realistic templates (access lines with ids, errors, business events) and one rare token.
$Q -c "\copy (SELECT now() - (i * interval '86400 ms' / 1000), 'service-' || (i % 50), (i % 6)::int2, 'ns-' || (i % 7),
  'pod-' || (i % 300), 'app',
  CASE i % 5
    WHEN 0 THEN 'GET /api/v1/orders/' || (i * 7919 % 100000) || ' 200 ' || (i % 97) || 'ms user=' || md5(i::text)
    WHEN 1 THEN 'payment ' || md5((i*3)::text) || ' authorised amount=' || (i % 1000) || '.00 EUR'
    WHEN 2 THEN 'Read timed out after ' || (i % 5000) || 'ms calling inventory-service:8080/internal/lookup'
    WHEN 3 THEN 'cache miss key=sku:' || (i * 31 % 50000) || ' loading from db took ' || (i % 40) || 'ms'
    ELSE 'GC pause ' || (i % 900) || 'ms (G1 Evacuation Pause), heap ' || (i % 100) || '% used'
  END || CASE WHEN i % 20000 = 0 THEN ' deadlock detected' ELSE '' END,
  i % 6, i
  FROM generate_series(1::bigint, 1000000) i) TO '$W/rows.csv' CSV"
schema="CREATE TABLE logs (ts timestamptz NOT NULL, service text NOT NULL, level int2 NOT NULL, namespace text, pod text,
  container text, message text NOT NULL, kafka_partition int NOT NULL, kafka_offset bigint NOT NULL);
  CREATE INDEX logs_ts_idx ON logs (ts, kafka_partition, kafka_offset);
  CREATE INDEX logs_service_ts_idx ON logs (service, ts, kafka_partition, kafka_offset);"
for variant in ${VARIANTS:-btree-only with-trgm}; do
  $Q -c "DROP TABLE IF EXISTS logs"
  $Q -c "$schema"
  [ $variant = with-trgm ] && $Q -c "CREATE INDEX logs_message_trgm ON logs USING gin (message gin_trgm_ops)"
  total=0
  for part in 0 1 2 3 4 5 6 7 8 9; do
    sed -n "$((part*100000+1)),$((part*100000+100000))p" $W/rows.csv > $W/part.csv
    s=$(date +%s%N); $Q -c "\copy logs FROM '$W/part.csv' CSV"; e=$(date +%s%N)
    total=$((total + (e - s) / 1000000))
  done
  $Q -c "VACUUM ANALYZE logs"
  size=$($Q -c "SELECT pg_size_pretty(pg_total_relation_size('logs'))")
  echo "$variant: COPY 1,000,000 rows in 10 batches: ${total} ms ($(( 1000000000 / (total + 1) )) rows/s), table+indexes $size"
  for text in 'deadlock detected' 'timed out' 'sku:4242 '; do
    sql="SELECT ts FROM logs WHERE ts >= now() - interval '25 hours' AND ts <= now() AND message ILIKE '%$text%' ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT 100"
    $Q -c "$sql" > /dev/null
    best=999999999; for r in 1 2 3 4 5; do s=$(date +%s%N); n=$($Q -c "$sql" | wc -l); e=$(date +%s%N); t=$(((e-s)/1000)); [ $t -lt $best ] && best=$t; done
    plan=$($Q -c "EXPLAIN $sql" | grep -oE "Bitmap Index Scan on [a-z_]+|Index Scan Backward using [a-z_]+" | head -1)
    echo "   contains '$text': $n rows, best of 5: $((best/1000)).$(( (best%1000)/100 )) ms  [$plan]"
  done
done
su postgres -c "$B/pg_ctl -D $D stop >/dev/null"
