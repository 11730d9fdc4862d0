-- Log lines, partitioned by time. Daily partitions are created by the node (TimePartitions):
-- ahead of time for the coming days and on demand for late or early lines; lines far outside the
-- window land in the default partition.
CREATE TABLE logs (
    ts              timestamptz NOT NULL,
    service         text        NOT NULL,
    level           smallint    NOT NULL,
    namespace       text,
    pod             text,
    container       text,
    message         text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL
) PARTITION BY RANGE (ts);

CREATE TABLE logs_default PARTITION OF logs DEFAULT;

-- The global sort order is (ts DESC, kafka_partition DESC, kafka_offset DESC): a backward scan of
-- these indexes yields it directly, for all services or for one.
CREATE INDEX logs_ts_idx ON logs (ts, kafka_partition, kafka_offset);
CREATE INDEX logs_service_ts_idx ON logs (service, ts, kafka_partition, kafka_offset);

-- The next Kafka offset to read per partition, committed in the same transaction as the rows.
CREATE TABLE kafka_offsets (
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL,
    next_offset     bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition)
);

-- Metadata of each hour of rows: time range, count, levels (bit mask, bit n = level code n) and a
-- Guava bloom filter of service names (its serialized form; NULL when unknown).
CREATE TABLE chunks (
    hour       timestamptz PRIMARY KEY,
    min_ts     timestamptz NOT NULL,
    max_ts     timestamptz NOT NULL,
    row_count  bigint      NOT NULL,
    levels     smallint    NOT NULL,
    services   bytea,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Records that are not log lines: why, and the start of what was sent.
CREATE TABLE rejected_records (
    id              bigserial   PRIMARY KEY,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    reason          text        NOT NULL,
    payload         text,
    payload_bytes   integer     NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT now()
);
