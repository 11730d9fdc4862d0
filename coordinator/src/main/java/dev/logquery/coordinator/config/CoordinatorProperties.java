package dev.logquery.coordinator.config;

import dev.logquery.common.query.LogQuery;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the coordinator ({@code logquery.coordinator.*}).
 *
 * @param shards         the shards to query, each with the partition node(s) that serve it (bound through
 *                       {@link dev.logquery.coordinator.topology.Shard}'s constructor)
 * @param shardTimeout   how long a shard may take for its first row (over all its replicas tried), and
 *                       between two rows, before it counts as failed (the answer is then partial)
 * @param metadataMaxAge how old a shard's metadata may be when a query prunes with it; the catalog also
 *                       refreshes at this period
 * @param pruning        {@code false} switches pruning off: every shard is queried and every node reads the
 *                       query's whole window, ignoring its chunk metadata (slower; the same answers — the
 *                       reference when pruning is in doubt)
 * @param maxLimit       the largest {@code limit} a request may ask (default 10,000; up to 1,000,000 for
 *                       exports: answers stream, so the coordinator's memory does not grow with it)
 * @param queryTimeout   the deadline of a whole query once it runs; shards still streaming then are cut off
 *                       and reported failed ({@code deadline})
 * @param admission      how many queries run at once and how many may wait; beyond that, {@code 429}
 * @param breaker        the circuit breaker of each replica
 * @param redisUrl       Redis for shard metadata and the results cache ({@code redis://host:port}); empty:
 *                       no Redis (metadata from the nodes, no cache)
 * @param cache          the results cache
 * @param hedge          when a replica is slow to give its first row, when to ask another one too
 * @param replicaMaxLagRows how many rows of a query's window a replica may lack, compared with the most
 *                       complete replica of its shard (by their metadata), and still count as caught up: a
 *                       replica further behind is asked only when no caught-up one answers, and an answer
 *                       from it is marked partial ({@code replica_behind})
 * @param freshSpan      how far before the moment a shard's metadata was generated its description may miss rows
 *                       (lines committed since, stamped up to this long before): a query whose window ends after
 *                       {@code generatedAt - freshSpan} asks that shard whatever its metadata says, so that a
 *                       line is found as soon as its node committed it, not after the next metadata refresh (the
 *                       node itself still skips its own chunks exactly). Default one minute; older windows are
 *                       pruned as before
 * @param direct         how the coordinator reads the replicas whose PostgreSQL it is given
 *                       ({@code shards[i].databases[j]}) directly, without their nodes
 */
@ConfigurationProperties("logquery.coordinator")
public record CoordinatorProperties(
        List<dev.logquery.coordinator.topology.Shard> shards,
        Duration shardTimeout,
        Duration metadataMaxAge,
        boolean pruning,
        int maxLimit,
        Duration queryTimeout,
        Admission admission,
        Breaker breaker,
        String redisUrl,
        Cache cache,
        Hedge hedge,
        long replicaMaxLagRows,
        Duration freshSpan,
        Direct direct) {

    @ConstructorBinding
    public CoordinatorProperties(
            List<dev.logquery.coordinator.topology.Shard> shards,
            @DefaultValue("2s") Duration shardTimeout,
            @DefaultValue("1s") Duration metadataMaxAge,
            @DefaultValue("true") boolean pruning,
            @DefaultValue("10000") int maxLimit,
            @DefaultValue("60s") Duration queryTimeout,
            @DefaultValue Admission admission,
            @DefaultValue Breaker breaker,
            @DefaultValue("redis://localhost:6379") String redisUrl,
            @DefaultValue Cache cache,
            @DefaultValue Hedge hedge,
            @DefaultValue("1000") long replicaMaxLagRows,
            @DefaultValue("1m") Duration freshSpan,
            @DefaultValue Direct direct) {
        this.shards = shards == null ? List.of() : List.copyOf(shards);
        this.shardTimeout = positive(shardTimeout, "shard-timeout");
        this.metadataMaxAge = positive(metadataMaxAge, "metadata-max-age");
        this.pruning = pruning;
        this.maxLimit = maxLimit;
        this.queryTimeout = positive(queryTimeout, "query-timeout");
        this.admission = admission;
        this.breaker = breaker;
        this.redisUrl = redisUrl == null ? "" : redisUrl.trim();
        this.cache = cache;
        this.hedge = hedge;
        this.replicaMaxLagRows = replicaMaxLagRows;
        this.freshSpan = freshSpan;
        this.direct = direct == null ? Direct.DEFAULT : direct;
        if (freshSpan == null || freshSpan.isNegative()) {
            throw new IllegalArgumentException("logquery.coordinator.fresh-span must not be negative");
        }
        if (replicaMaxLagRows < 0) {
            throw new IllegalArgumentException("logquery.coordinator.replica-max-lag-rows must not be negative");
        }
        if (maxLimit < 1 || maxLimit > LogQuery.HARD_MAX_LIMIT) {
            throw new IllegalArgumentException("logquery.coordinator.max-limit must be 1.." + LogQuery.HARD_MAX_LIMIT);
        }
        if (this.shards.stream().map(dev.logquery.coordinator.topology.Shard::id).distinct().count()
                != this.shards.size()) {
            throw new IllegalArgumentException("logquery.coordinator.shards: shard ids must be distinct");
        }
    }

    /** The settings of the tests: the given shards and timeouts, defaults otherwise, no Redis. */
    public CoordinatorProperties(List<dev.logquery.coordinator.topology.Shard> shards, Duration shardTimeout,
                                 Duration metadataMaxAge, boolean pruning, int maxLimit) {
        this(shards, shardTimeout, metadataMaxAge, pruning, maxLimit, Duration.ofSeconds(60), Admission.DEFAULT,
                Breaker.DEFAULT, "", Cache.DEFAULT, Hedge.DEFAULT, 1000, Duration.ofMinutes(1), Direct.DEFAULT);
    }

    static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator." + name + " must be positive");
        }
        return d;
    }

    /**
     * Load shedding: {@code maxConcurrent} queries run at once ({@code 0}: four per processor), {@code maxQueued}
     * more wait at most {@code maxWait} for a turn; any other query is answered {@code 429} with
     * {@code Retry-After}. Waiting in the queue does not count against a shard's timeout.
     */
    public record Admission(@DefaultValue("0") int maxConcurrent, @DefaultValue("256") int maxQueued,
                            @DefaultValue("5s") Duration maxWait) {
        static final Admission DEFAULT = new Admission(0, 256, Duration.ofSeconds(5));

        public Admission {
            if (maxConcurrent < 0) {
                throw new IllegalArgumentException("logquery.coordinator.admission.max-concurrent must not be negative");
            }
            if (maxConcurrent == 0) {
                maxConcurrent = 4 * Runtime.getRuntime().availableProcessors();
            }
            if (maxQueued < 0) {
                throw new IllegalArgumentException("logquery.coordinator.admission.max-queued must not be negative");
            }
            positive(maxWait, "admission.max-wait");
        }
    }

    /**
     * The circuit breaker of each replica (Resilience4j, count-based): it opens when at least
     * {@code failureRate} percent of the last {@code window} calls (once {@code minimumCalls} were made)
     * failed, sends nothing for {@code openFor}, then lets {@code probes} calls through to decide.
     */
    public record Breaker(@DefaultValue("10") int window, @DefaultValue("5") int minimumCalls,
                          @DefaultValue("50") float failureRate, @DefaultValue("5s") Duration openFor,
                          @DefaultValue("2") int probes) {
        static final Breaker DEFAULT = new Breaker(10, 5, 50, Duration.ofSeconds(5), 2);

        public Breaker {
            if (window < 1 || minimumCalls < 1 || probes < 1) {
                throw new IllegalArgumentException("logquery.coordinator.breaker: window, minimum-calls and probes must be at least 1");
            }
            if (failureRate <= 0 || failureRate > 100) {
                throw new IllegalArgumentException("logquery.coordinator.breaker.failure-rate must be in (0, 100]");
            }
            positive(openFor, "breaker.open-for");
        }
    }

    /**
     * The results cache in Redis: JSON answers of at most {@code maxRows} rows, complete (not partial), to
     * queries whose {@code endTime} is at least {@code minAge} in the past, kept {@code ttl}. With
     * {@code repeatedOnly}, an answer is stored only when its query was asked before (among about the last
     * {@code recentQueries} distinct ones): a query nobody repeats costs no encoding, Redis write or memory.
     */
    public record Cache(@DefaultValue("true") boolean enabled, @DefaultValue("5m") Duration minAge,
                        @DefaultValue("10m") Duration ttl, @DefaultValue("1000") int maxRows,
                        @DefaultValue("true") boolean repeatedOnly, @DefaultValue("100000") int recentQueries) {
        static final Cache DEFAULT = new Cache(true, Duration.ofMinutes(5), Duration.ofMinutes(10), 1000, true,
                100_000);

        public Cache {
            positive(minAge, "cache.min-age");
            positive(ttl, "cache.ttl");
            if (maxRows < 1) {
                throw new IllegalArgumentException("logquery.coordinator.cache.max-rows must be at least 1");
            }
            if (recentQueries < 1) {
                throw new IllegalArgumentException("logquery.coordinator.cache.recent-queries must be at least 1");
            }
        }
    }

    /**
     * Hedged requests: when the replica asked has sent no row after {@code after}, the shard's next replica is
     * asked too and the first to answer is used (the other is cancelled); {@code 0} switches hedging off. At
     * most about {@code budgetPercent} percent of shard queries are hedged, so a slow cluster is not sent
     * twice the work.
     */
    public record Hedge(@DefaultValue("500ms") Duration after, @DefaultValue("10") int budgetPercent) {
        public static final Hedge DEFAULT = new Hedge(Duration.ofMillis(500), 10);

        public Hedge {
            if (after == null || after.isNegative()) {
                throw new IllegalArgumentException("logquery.coordinator.hedge.after must not be negative");
            }
            if (budgetPercent < 0 || budgetPercent > 100) {
                throw new IllegalArgumentException("logquery.coordinator.hedge.budget-percent must be 0..100");
            }
        }

        /** Whether hedging is on. */
        public boolean enabled() {
            return !after.isZero() && budgetPercent > 0;
        }
    }

    /**
     * Direct reads of a replica's PostgreSQL (Vert.x's reactive client): {@code connections} per replica,
     * {@code eventLoops} threads for all of them, {@code statementTimeout} per statement (set on each connection, so
     * the server ends a read nobody waits for any more), {@code pageRows} rows per statement (an answer is read in
     * pages, each resuming after the last row of the one before, so memory stays bounded whatever the limit).
     */
    public record Direct(@DefaultValue("4") int connections, @DefaultValue("1") int eventLoops,
                         @DefaultValue("30s") Duration statementTimeout, @DefaultValue("1000") int pageRows) {

        public static final Direct DEFAULT = new Direct(4, 1, Duration.ofSeconds(30), 1000);

        public Direct {
            if (connections < 1 || eventLoops < 1 || pageRows < 1) {
                throw new IllegalArgumentException(
                        "logquery.coordinator.direct: connections, event-loops and page-rows must be positive");
            }
            positive(statementTimeout, "direct.statement-timeout");
        }
    }
}
