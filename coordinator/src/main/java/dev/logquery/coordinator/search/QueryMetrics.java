package dev.logquery.coordinator.search;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The coordinator's query metrics: {@code query.execution.time} (Prometheus
 * {@code query_execution_time_seconds}, with a percentile histogram), {@code query.partitions.queried},
 * {@code query.partitions.pruned{pruner}} and {@code query.partition.failures{shard,reason}}.
 */
@Component
public class QueryMetrics {

    private final MeterRegistry registry;
    private final Timer executionTime;
    private final Counter queried;

    public QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.executionTime = Timer.builder("query.execution.time")
                .description("Time from receiving a query to its last row")
                .publishPercentileHistogram()
                .register(registry);
        this.queried = Counter.builder("query.partitions.queried")
                .description("Shards a query was sent to")
                .register(registry);
    }

    public void executed(Duration took) {
        executionTime.record(took);
    }

    public void queried(int shards) {
        queried.increment(shards);
    }

    public void pruned(String pruner) {
        Counter.builder("query.partitions.pruned").description("Shards skipped because their metadata excludes the query")
                .tag("pruner", pruner).register(registry).increment();
    }

    public void failed(int shard, String reason) {
        Counter.builder("query.partition.failures").description("Shards that failed or timed out during a query")
                .tag("shard", Integer.toString(shard)).tag("reason", reason).register(registry).increment();
    }
}
