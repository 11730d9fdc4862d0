package dev.logquery.producer;

import dev.logquery.producer.publish.PublishListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of the producer, fed by the publisher's callbacks. In Prometheus:
 * {@code producer_lines_sent_total}, {@code producer_send_errors_total} and the histogram
 * {@code producer_send_latency_seconds}, all tagged with the topic.
 */
public final class ProducerMetrics implements PublishListener {

    private final Counter linesSent;
    private final Counter sendErrors;
    private final Timer sendLatency;

    public ProducerMetrics(MeterRegistry registry, String topic) {
        this.linesSent = Counter.builder("producer.lines.sent")
                .description("Log lines acknowledged by Kafka")
                .tag("topic", topic)
                .register(registry);
        this.sendErrors = Counter.builder("producer.send.errors")
                .description("Log lines Kafka did not accept after retries")
                .tag("topic", topic)
                .register(registry);
        this.sendLatency = Timer.builder("producer.send.latency")
                .description("Time from handing a line to the Kafka producer to its acknowledgement")
                .tag("topic", topic)
                .publishPercentileHistogram()
                .register(registry);
    }

    @Override
    public void onSent(long latencyNanos) {
        linesSent.increment();
        sendLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onError(Exception error) {
        sendErrors.increment();
    }
}
