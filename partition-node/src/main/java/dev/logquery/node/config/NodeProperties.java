package dev.logquery.node.config;

import dev.logquery.common.query.LogQuery;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of one partition node ({@code logquery.node.*}; environment variables such as
 * {@code LOGQUERY_NODE_SHARD} bind too).
 *
 * @param shard      this node's shard, {@code 0 <= shard < shardCount}
 * @param replica    which replica of its shard this node is ({@code >= 0}); replicas of a shard consume the
 *                   same Kafka partitions into their own databases and differ only in this number, which
 *                   names them in Redis keys, metrics ({@code replica} tag) and health details
 * @param shardCount how many shards share the topic's partitions ({@code p % shardCount == shard})
 * @param topic      the Kafka topic of pod log lines
 * @param bootstrapServers the Kafka brokers
 * @param redisUrl   where the node publishes its metadata ({@code redis://host:port}); empty: not published
 * @param query      how {@code POST /internal/query} runs its SQL
 * @param retention  how long lines are kept: every {@code retentionInterval} the daily partitions that lie
 *                   entirely before {@code now - retention} are dropped with their chunk metadata (and older
 *                   rejected records deleted); lines older than it are refused at ingest unless
 *                   {@code accept.max-age} says otherwise
 * @param retentionInterval how often the retention job runs (also shortly after start-up)
 * @param textIndex  the per-block trigram filters that let {@code contains} skip blocks ({@link TextIndex})
 */
@ConfigurationProperties("logquery.node")
public record NodeProperties(
        @DefaultValue("0") int shard,
        @DefaultValue("0") int replica,
        @DefaultValue("3") int shardCount,
        @DefaultValue("pod-logs") String topic,
        @DefaultValue("localhost:9092") String bootstrapServers,
        @DefaultValue("redis://localhost:6379") String redisUrl,
        @DefaultValue Batch batch,
        @DefaultValue Bloom bloom,
        @DefaultValue Storage storage,
        @DefaultValue Accept accept,
        @DefaultValue Query query,
        @DefaultValue("7d") Duration retention,
        @DefaultValue("15m") Duration retentionInterval,
        @DefaultValue TextIndex textIndex) {

    public NodeProperties {
        if (shardCount < 1) {
            throw new IllegalArgumentException("logquery.node.shard-count must be at least 1, is " + shardCount);
        }
        if (shard < 0 || shard >= shardCount) {
            throw new IllegalArgumentException("logquery.node.shard must be in 0.." + (shardCount - 1) + ", is " + shard);
        }
        if (replica < 0) {
            throw new IllegalArgumentException("logquery.node.replica must be 0 or more, is " + replica);
        }
        redisUrl = redisUrl == null ? "" : redisUrl.strip();
        if (retention == null || retention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("logquery.node.retention must be at least 1d, is " + retention);
        }
        if (retentionInterval == null || retentionInterval.toMillis() < 100) {
            throw new IllegalArgumentException("logquery.node.retention-interval must be at least 100ms");
        }
        if (accept.maxAge() == null) {
            accept = new Accept(retention, accept.maxFuture());
        }
    }

    /**
     * When a batch is written: after {@code maxRecords} records, {@code maxBytes} of record values, or
     * {@code maxWait} after its first record, whichever comes first. {@code maxBytes} bounds the heap a
     * batch takes whatever {@code maxRecords} says.
     */
    public record Batch(
            @DefaultValue("10000") int maxRecords,
            @DefaultValue("500ms") Duration maxWait,
            @DefaultValue("16MB") DataSize maxBytes) {

        public Batch {
            if (maxRecords < 1) {
                throw new IllegalArgumentException("logquery.node.batch.max-records must be at least 1");
            }
            if (maxWait.isNegative() || maxWait.isZero()) {
                throw new IllegalArgumentException("logquery.node.batch.max-wait must be positive");
            }
            if (maxBytes.toBytes() < 64 * 1024 || maxBytes.toBytes() > 64L * 1024 * 1024) {
                throw new IllegalArgumentException("logquery.node.batch.max-bytes must be 64KB to 64MB, is " + maxBytes);
            }
        }
    }

    /**
     * Size of each hour chunk's bloom filters: of service names ({@code expectedServices}) and of attribute
     * pairs ({@code expectedAttributePairs}, distinct {@code key=value} pairs per hour; each chunk's filter
     * takes about {@code 1.2 * expectedAttributePairs} bytes at 1 %, in memory and in the served metadata),
     * both at false-positive rate {@code fpp}. Every chunk uses the same settings so that filters can be
     * combined; changing them leaves older chunks' filters uncombinable (unknown, never wrong). More distinct
     * pairs than expected only make a filter prune less.
     */
    public record Bloom(@DefaultValue("256") int expectedServices, @DefaultValue("0.01") double fpp,
                        @DefaultValue("1000") int expectedAttributePairs) {

        public Bloom {
            if (expectedServices < 1 || expectedAttributePairs < 1) {
                throw new IllegalArgumentException("logquery.node.bloom.expected-services and"
                        + " expected-attribute-pairs must be at least 1");
            }
            if (!(fpp > 0 && fpp < 1)) {
                throw new IllegalArgumentException("logquery.node.bloom.fpp must be between 0 and 1, is " + fpp);
            }
        }
    }

    /**
     * Lines whose timestamp is more than {@code maxAge} old ({@code too_old}) or more than {@code maxFuture}
     * ahead of the node's clock ({@code too_new}) are rejected (kept in rejected_records with the reason): a
     * producer with a broken clock must not make the node keep metadata for thousands of years of hours, and a
     * line the retention would drop at once is not stored. {@code maxAge} unset: the {@code retention}.
     */
    public record Accept(Duration maxAge, @DefaultValue("1d") Duration maxFuture) {
    }

    /**
     * Log rows live in daily PostgreSQL partitions for days within {@code dailyPartitionsBack} days before
     * and {@code dailyPartitionsAhead} days after today (created ahead of time and on demand); lines
     * outside that window go to the default partition.
     */
    public record Storage(@DefaultValue("35") int dailyPartitionsBack, @DefaultValue("3") int dailyPartitionsAhead) {
    }

    /**
     * How queries run. Each query holds one JDBC connection on one thread of a dedicated scheduler for as
     * long as it streams; {@code threads} bounds how many do at once (0: the Hikari pool size minus two,
     * which stay for the ingest writer and health checks). Up to {@code queuePerThread} further queries
     * wait per thread; beyond that a query is refused as busy. Every SQL execution and cursor fetch is
     * bounded by {@code statementTimeout}; rows come from the cursor {@code fetchSize} at a time; a client
     * that reads nothing for {@code stallTimeout} loses its query (and the connection goes back to the pool).
     * Every {@code keepAlive} while a query's answer runs, a blank line tells the coordinator that the node
     * works on it, also during a long scan that finds no row ({@code 0}: never); keep it well below the
     * coordinator's {@code shard-timeout}. A query asking more than {@code maxLimit} rows is refused (400
     * naming {@code limit}); the coordinator sends its own page limit to every shard, so keep it at least the
     * coordinator's {@code max-limit}.
     */
    public record Query(
            @DefaultValue("10s") Duration statementTimeout,
            @DefaultValue("500") int fetchSize,
            @DefaultValue("0") int threads,
            @DefaultValue("64") int queuePerThread,
            @DefaultValue("30s") Duration stallTimeout,
            @DefaultValue("500ms") Duration keepAlive,
            @DefaultValue("1000000") int maxLimit) {

        public Query {
            if (statementTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("logquery.node.query.statement-timeout must be at least 1ms");
            }
            if (fetchSize < 1) {
                throw new IllegalArgumentException("logquery.node.query.fetch-size must be at least 1");
            }
            if (threads < 0) {
                throw new IllegalArgumentException("logquery.node.query.threads must be 0 (from the pool) or more");
            }
            if (queuePerThread < 1) {
                throw new IllegalArgumentException("logquery.node.query.queue-per-thread must be at least 1");
            }
            if (stallTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("logquery.node.query.stall-timeout must be at least 1ms");
            }
            if (keepAlive.isNegative() || (!keepAlive.isZero() && keepAlive.toMillis() < 10)) {
                throw new IllegalArgumentException("logquery.node.query.keep-alive must be 0 (off) or at least 10ms");
            }
            if (maxLimit < 1 || maxLimit > LogQuery.HARD_MAX_LIMIT) {
                throw new IllegalArgumentException("logquery.node.query.max-limit must be 1.." + LogQuery.HARD_MAX_LIMIT
                        + ", is " + maxLimit);
            }
        }
    }

    /**
     * The text index ({@code dev.logquery.node.text.TextIndex}): per {@code block} of time (a slice of the hour
     * chunk; whole seconds that divide an hour), a bloom filter of the lowercase character trigrams of the block's
     * messages, each also tagged with its row's level, at false-positive rate {@code fpp}, sized to the block's
     * distinct keys (about 1.2 bytes each at 1 %, at least 64). A {@code contains} text skips the blocks whose
     * filter lacks one of its trigrams (at one of the query's levels, when it keeps some only). A batch
     * only marks the blocks it writes into as pending (always read); an indexer builds their filters from the
     * stored rows once no batch touched them for {@code indexDelay}. Every filter of the retention period stays on
     * the heap up to {@code maxMemory} (serialized size); beyond it the oldest are forgotten (kept in the table)
     * and their blocks are always read. Shorter blocks skip more and cost more bytes per row. Changing {@code block}
     * makes every stored block pending again, to be built anew with the new length.
     */
    public record TextIndex(
            @DefaultValue("1m") Duration block,
            @DefaultValue("0.01") double fpp,
            @DefaultValue("128MB") DataSize maxMemory,
            @DefaultValue("10s") Duration indexDelay) {

        /** The defaults (for tests that build settings by hand). */
        public static final TextIndex DEFAULT = new TextIndex(Duration.ofMinutes(1), 0.01, DataSize.ofMegabytes(128),
                Duration.ofSeconds(10));

        public TextIndex {
            if (block == null || block.getNano() != 0 || block.getSeconds() < 1 || 3600 % block.getSeconds() != 0) {
                throw new IllegalArgumentException("logquery.node.text-index.block must be whole seconds that divide"
                        + " an hour (1s, 10s, 30s, 1m, 5m, 1h ...), is " + block);
            }
            if (!(fpp > 0 && fpp < 1)) {
                throw new IllegalArgumentException("logquery.node.text-index.fpp must be between 0 and 1, is " + fpp);
            }
            if (indexDelay == null || indexDelay.isNegative()) {
                throw new IllegalArgumentException("logquery.node.text-index.index-delay must be 0 or more");
            }
            if (maxMemory == null || maxMemory.toBytes() < 0) {
                throw new IllegalArgumentException("logquery.node.text-index.max-memory must be 0 or more");
            }
        }
    }
}
