package dev.logquery.coordinator.stats;

import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.coordinator.catalog.ShardCatalog.ReplicaHealth;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardHealth;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.scatter.ReplicaLoad;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.topology.Replica;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The answer of {@code GET /api/query/stats}: the coordinator's query meters ({@link QueryMetrics}) and what
 * the {@link ShardCatalog} last learnt of each shard, read as they are (no shard is contacted).
 * All counts are since the coordinator started.
 */
@Component
public class QueryStats {

    /** A shard is {@code UP} while its metadata was read within this many refresh periods (plus one timeout). */
    static final int UP_WITHIN_REFRESHES = 3;

    private final MeterRegistry registry;
    private final ShardCatalog catalog;
    private final Function<Replica, String> breakerState;
    private final ReplicaLoad load;
    private final Duration upWithin;
    private final Clock clock;

    @Autowired
    public QueryStats(MeterRegistry registry, ShardCatalog catalog, CoordinatorProperties properties,
                      ReplicaBreakers breakers, ReplicaLoad load) {
        this(registry, catalog, properties, r -> breakers.of(r).getState().name(), load, Clock.systemUTC());
    }

    QueryStats(MeterRegistry registry, ShardCatalog catalog, CoordinatorProperties properties,
               Function<Replica, String> breakerState, ReplicaLoad load, Clock clock) {
        this.registry = registry;
        this.catalog = catalog;
        this.breakerState = breakerState;
        this.load = load;
        this.upWithin = upWithin(properties);
        this.clock = clock;
    }

    static Duration upWithin(CoordinatorProperties properties) {
        return properties.metadataMaxAge().multipliedBy(UP_WITHIN_REFRESHES).plus(properties.shardTimeout());
    }

    public Stats snapshot() {
        return assemble(registry, catalog.health(), breakerState, load, upWithin, clock.instant());
    }

    /** The whole answer. */
    public record Stats(Queries queries, Latency latencyMs, Partitions partitions, Chunks chunks,
                        List<ShardStats> shards) {
    }

    /**
     * @param served      answers produced ({@code complete + partial})
     * @param partial     answers with {@code partial: true} (a shard failed or timed out)
     * @param failed      valid queries whose answer could not be produced (or broke off while streaming)
     * @param badRequests queries refused with 400
     * @param rejected    queries refused with 429 (overload)
     * @param partialRefused queries answered 503 because a shard failed and they said {@code allowPartial: false}
     */
    public record Queries(long served, long partial, long failed, long badRequests, long rejected,
                          long partialRefused) {
    }

    /**
     * Query execution time ({@code query.execution.time}) in milliseconds. {@code count}, {@code mean} and the
     * percentiles cover every query since the coordinator started (see {@code QueryMetrics.PERCENTILE_WINDOW});
     * percentiles are HdrHistogram estimates (a few % precision); all 0 before the first query.
     */
    public record Latency(long count, double p50, double p95, double p99, double max, double mean) {
    }

    /** @param prunedRatio {@code pruned / (queried + pruned)}, 0 when no shard was ever considered */
    public record Partitions(long queried, long pruned, double prunedRatio, Map<String, Long> prunedBy) {
    }

    /**
     * Shard-hour chunks over all queries: {@code scanned} those the nodes planned to read (an upper bound, as
     * reading stops at the limit), {@code skipped} those outside a query's window, excluded by their metadata or
     * on a pruned shard; {@code skippedRatio} is {@code skipped / (scanned + skipped)}, 0 before any chunk.
     */
    public record Chunks(long scanned, long skipped, double skippedRatio) {
    }

    /**
     * One shard: {@code UP} while one of its replicas is; {@code rowCount}, {@code minTime}, {@code maxTime}
     * from the most complete replica's last readable metadata (null if none ever was read).
     */
    public record ShardStats(int id, String health, Long rowCount, String minTime, String maxTime,
                             List<ReplicaStats> replicas) {
    }

    /**
     * One replica as the catalog and its circuit breaker last saw it. {@code health} is {@code UP} while its
     * metadata was read recently and its breaker is not open, {@code DOWN} otherwise; {@code breaker} is the
     * breaker's state ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}); {@code metadataSource} where its
     * last metadata came from ({@code redis} or {@code node}); {@code lastError} why its latest metadata read
     * failed (null when it succeeded); {@code metadataAgeMs} how long ago its metadata was last read;
     * {@code behindRows} how many rows fewer it holds than the shard's most complete replica (by metadata);
     * {@code firstRowMs} the moving average of its time to a first row and {@code inFlight} the queries it is
     * answering now (what the choice among replicas goes by).
     */
    public record ReplicaStats(String url, String health, String breaker, String metadataSource, String lastError,
                               Long rowCount, Long metadataAgeMs, Long behindRows, Double firstRowMs, int inFlight) {
    }

    static Stats assemble(MeterRegistry registry, List<ShardHealth> shards, Function<Replica, String> breakerState,
                          ReplicaLoad load, Duration upWithin, Instant now) {
        return new Stats(queries(registry), latency(registry), partitions(registry), chunks(registry),
                shards.stream().map(s -> shard(s, breakerState, load, upWithin, now)).toList());
    }

    static Queries queries(MeterRegistry registry) {
        long complete = answers(registry, "complete");
        long partial = answers(registry, "partial");
        return new Queries(complete + partial, partial, answers(registry, "failed"), answers(registry, "bad_request"),
                answers(registry, "rejected"), answers(registry, "partial_refused"));
    }

    private static long answers(MeterRegistry registry, String outcome) {
        return sum(registry.find(QueryMetrics.ANSWERS).tag("outcome", outcome).counters());
    }

    static Latency latency(MeterRegistry registry) {
        Timer timer = registry.find(QueryMetrics.EXECUTION_TIME).timer();
        if (timer == null || timer.count() == 0) {
            return new Latency(0, 0, 0, 0, 0, 0);
        }
        HistogramSnapshot snapshot = timer.takeSnapshot();
        double p50 = 0;
        double p95 = 0;
        double p99 = 0;
        for (ValueAtPercentile v : snapshot.percentileValues()) {
            double ms = round(v.value(TimeUnit.MILLISECONDS));
            if (v.percentile() == 0.5) {
                p50 = ms;
            } else if (v.percentile() == 0.95) {
                p95 = ms;
            } else if (v.percentile() == 0.99) {
                p99 = ms;
            }
        }
        return new Latency(snapshot.count(), p50, p95, p99, round(snapshot.max(TimeUnit.MILLISECONDS)),
                round(snapshot.mean(TimeUnit.MILLISECONDS)));
    }

    static Partitions partitions(MeterRegistry registry) {
        long queried = sum(registry.find(QueryMetrics.PARTITIONS_QUERIED).counters());
        Map<String, Long> prunedBy = new TreeMap<>();
        for (Counter c : registry.find(QueryMetrics.PARTITIONS_PRUNED).counters()) {
            String pruner = c.getId().getTag("pruner");
            prunedBy.merge(pruner == null ? "unknown" : pruner, (long) c.count(), Long::sum);
        }
        long pruned = prunedBy.values().stream().mapToLong(Long::longValue).sum();
        double ratio = queried + pruned == 0 ? 0 : (double) pruned / (queried + pruned);
        return new Partitions(queried, pruned, ratio, prunedBy);
    }

    static Chunks chunks(MeterRegistry registry) {
        long scanned = sum(registry.find(QueryMetrics.CHUNKS_SCANNED).counters());
        long skipped = sum(registry.find(QueryMetrics.CHUNKS_SKIPPED).counters());
        double ratio = scanned + skipped == 0 ? 0 : Math.round(1000.0 * skipped / (scanned + skipped)) / 1000.0;
        return new Chunks(scanned, skipped, ratio);
    }

    static ShardStats shard(ShardHealth s, Function<Replica, String> breakerState, ReplicaLoad load, Duration upWithin,
                            Instant now) {
        PartitionMetadata best = s.replicas().stream()
                .map(r -> r.lastKnown() == null ? null : r.lastKnown().metadata())
                .filter(java.util.Objects::nonNull)
                .max(java.util.Comparator.comparingLong(PartitionMetadata::rowCount))
                .orElse(null);
        List<ReplicaStats> replicas = s.replicas().stream()
                .map(r -> replica(r, breakerState, load, best, upWithin, now)).toList();
        boolean up = replicas.stream().anyMatch(r -> r.health().equals("UP"));
        return new ShardStats(s.shard().id(), up ? "UP" : "DOWN",
                best == null ? null : best.rowCount(),
                best == null || best.minTime() == null ? null : best.minTime().toString(),
                best == null || best.maxTime() == null ? null : best.maxTime().toString(),
                replicas);
    }

    static ReplicaStats replica(ReplicaHealth r, Function<Replica, String> breakerState, ReplicaLoad load,
                                PartitionMetadata best, Duration upWithin, Instant now) {
        PartitionMetadata m = r.lastKnown() == null ? null : r.lastKnown().metadata();
        Long ageMs = r.lastKnown() == null ? null
                : Math.max(0, Duration.between(r.lastKnown().fetchedAt(), now).toMillis());
        String breaker = breakerState.apply(r.replica());
        boolean fresh = ageMs != null && ageMs <= upWithin.toMillis();
        boolean up = fresh && !breaker.equals("OPEN") && !breaker.equals("FORCED_OPEN");
        String error = r.lastError();
        if (!fresh && error == null) {
            error = ageMs == null ? "metadata not read yet" : "metadata not refreshed for " + ageMs + " ms";
        } else if (fresh && !up && error == null) {
            error = "circuit breaker open: recent queries failed";
        }
        return new ReplicaStats(r.replica().url(), up ? "UP" : "DOWN", breaker,
                r.lastKnown() == null ? null : r.lastKnown().source(), error,
                m == null ? null : m.rowCount(), ageMs,
                m == null || best == null ? null : Math.max(0, best.rowCount() - m.rowCount()),
                load.averageMillis(r.replica()) == 0 ? null : round(load.averageMillis(r.replica())),
                load.inFlight(r.replica()));
    }

    private static long sum(java.util.Collection<Counter> counters) {
        return (long) counters.stream().mapToDouble(Counter::count).sum();
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
