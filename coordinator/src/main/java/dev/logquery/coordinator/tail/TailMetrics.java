package dev.logquery.coordinator.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The live tail's metrics (Prometheus names): {@code tail_viewers} (gauge), {@code tail_lines_delivered_total},
 * {@code tail_lines_dropped_total}, {@code tail_lines_replayed_total}, {@code tail_viewers_rejected_total}
 * (answered 429), {@code tail_records_received_total} (records the reader took from Kafka), and
 * {@code tail_delivery_delay_seconds} (histogram): from a line's Kafka record timestamp to its hand-over to the
 * viewer's connection. Counters are registered at start, so they read 0 before the first viewer.
 */
public class TailMetrics {

    private final MeterRegistry registry;
    private final Counter delivered;
    private final Counter dropped;
    private final Counter replayed;
    private final Counter rejected;
    private final Counter received;
    private final Timer delay;

    public TailMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.delivered = Counter.builder("tail.lines.delivered").description("Live lines handed to viewers' connections")
                .register(registry);
        this.dropped = Counter.builder("tail.lines.dropped")
                .description("Live lines dropped because a viewer's buffer was full (the viewer is told how many)")
                .register(registry);
        this.replayed = Counter.builder("tail.lines.replayed").description("Stored lines sent by since replays")
                .register(registry);
        this.rejected = Counter.builder("tail.viewers.rejected").description("Viewers refused beyond max-viewers (429)")
                .register(registry);
        this.received = Counter.builder("tail.records.received").description("Kafka records the tail reader received")
                .register(registry);
        this.delay = Timer.builder("tail.delivery.delay")
                .description("From a line's Kafka record timestamp to its hand-over to a viewer's connection")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    /** Registers the {@code tail.viewers} gauge, read from {@code viewers}. */
    public void viewers(IntSupplier viewers) {
        Gauge.builder("tail.viewers", viewers, IntSupplier::getAsInt).description("Viewers of the live tail")
                .strongReference(true) // the supplier is a lambda nothing else holds
                .register(registry);
    }

    void delivered(LiveLine line) {
        delivered.increment();
        delay.record(Math.max(0, System.currentTimeMillis() - line.recordTimestampMs()), TimeUnit.MILLISECONDS);
    }

    void dropped() {
        dropped.increment();
    }

    void replayed(int lines) {
        replayed.increment(lines);
    }

    void rejected() {
        rejected.increment();
    }

    void received(int records) {
        received.increment(records);
    }
}
