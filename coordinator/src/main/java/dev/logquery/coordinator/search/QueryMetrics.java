package dev.logquery.coordinator.search;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The coordinator's query metrics: {@code query.execution.time} (Prometheus
 * {@code query_execution_time_seconds}, with a percentile histogram), {@code query.partitions.queried},
 * {@code query.partitions.pruned{pruner}}, {@code query.partition.failures{shard,reason}} and, summed over
 * all shards, {@code query.shard.chunks.scanned} and {@code query.shard.chunks.skipped} (the hour chunks the
 * nodes planned to read or skipped, the chunks of pruned shards counting as skipped).
 */
@Component
public class QueryMetrics {

    private final MeterRegistry registry;
    private final Timer executionTime;
    private final Counter queried;
    private final Counter chunksScanned;
    private final Counter chunksSkipped;

    /** Name of the execution timer, read back by the stats endpoint. */
    public static final String EXECUTION_TIME = "query.execution.time";
    public static final String PARTITIONS_QUERIED = "query.partitions.queried";
    public static final String PARTITIONS_PRUNED = "query.partitions.pruned";
    public static final String ANSWERS = "query.answers";
    public static final String CHUNKS_SCANNED = "query.shard.chunks.scanned";
    public static final String CHUNKS_SKIPPED = "query.shard.chunks.skipped";
    /**
     * How long the timer's client-side percentiles (and its max) remember a sample: practically forever, so that
     * {@code GET /api/query/stats} reports p50/p95/p99 over every query <em>since the coordinator started</em>.
     * Memory stays bounded: the percentiles come from fixed-size HdrHistograms, not from kept samples. For
     * windowed latency use the Prometheus histogram buckets with {@code rate()}.
     */
    static final Duration PERCENTILE_WINDOW = Duration.ofDays(36_500);

    public QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.executionTime = Timer.builder(EXECUTION_TIME)
                .description("Time from receiving a query to its last row")
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.95, 0.99)
                .distributionStatisticExpiry(PERCENTILE_WINDOW)
                .distributionStatisticBufferLength(1)
                .register(registry);
        this.queried = Counter.builder(PARTITIONS_QUERIED)
                .description("Shards a query was sent to")
                .register(registry);
        this.chunksScanned = Counter.builder(CHUNKS_SCANNED)
                .description("Shard-hour chunks the queried nodes planned to read (reading stops at the limit)")
                .register(registry);
        this.chunksSkipped = Counter.builder(CHUNKS_SKIPPED)
                .description("Shard-hour chunks skipped: outside the window, excluded by metadata, or on a pruned shard")
                .register(registry);
    }

    public void chunks(long scanned, long skipped) {
        chunksScanned.increment(scanned);
        chunksSkipped.increment(skipped);
    }

    public void executed(Duration took) {
        executionTime.record(took);
    }

    public void queried(int shards) {
        queried.increment(shards);
    }

    public void pruned(String pruner) {
        Counter.builder(PARTITIONS_PRUNED).description("Shards skipped because their metadata excludes the query")
                .tag("pruner", pruner).register(registry).increment();
    }

    public void failed(int shard, String reason) {
        Counter.builder("query.partition.failures").description("Shards that failed or timed out during a query")
                .tag("shard", Integer.toString(shard)).tag("reason", reason).register(registry).increment();
    }

    /** An answer was produced ({@code partial} when a shard failed during it). */
    public void answered(boolean partial) {
        answer(partial ? "partial" : "complete");
    }

    /** A valid query whose answer could not be produced (an error before or while streaming it). */
    public void answerFailed() {
        answer("failed");
    }

    /** A query refused with 429: the coordinator was running and queueing as many as it may. */
    public void rejected() {
        answer("rejected");
    }

    /** A query answered 503: shards failed and it said {@code "allowPartial": false}. */
    public void refusedPartial() {
        answer("partial_refused");
    }

    /** A query refused with 400. */
    public void badRequest() {
        answer("bad_request");
    }

    private void answer(String outcome) {
        Counter.builder(ANSWERS).description("Answers to POST /api/query/logs by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }
}
