package dev.logquery.node.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters of the metadata publisher (Prometheus names in brackets): publishes by outcome
 * ({@code node_metadata_publish_total{outcome="ok|error"}}) and when the last one succeeded, in seconds
 * since the epoch, 0 before the first ({@code node_metadata_publish_last_success_time_seconds}). The
 * {@code shard} and {@code replica} tags come from {@code management.metrics.tags}.
 */
final class PublishMetrics {

    private final Counter ok;
    private final Counter error;
    private final AtomicLong lastSuccessMillis = new AtomicLong();

    PublishMetrics(MeterRegistry registry) {
        this.ok = Counter.builder("node.metadata.publish").tag("outcome", "ok")
                .description("Publishes of the node's metadata to Redis").register(registry);
        this.error = Counter.builder("node.metadata.publish").tag("outcome", "error")
                .description("Publishes of the node's metadata to Redis").register(registry);
        Gauge.builder("node.metadata.publish.last.success.time", lastSuccessMillis, m -> m.get() / 1000.0)
                .baseUnit("seconds").description("When the node's metadata was last published to Redis (epoch)")
                .register(registry);
    }

    void succeeded(Instant at) {
        ok.increment();
        lastSuccessMillis.set(at.toEpochMilli());
    }

    void failed() {
        error.increment();
    }
}
