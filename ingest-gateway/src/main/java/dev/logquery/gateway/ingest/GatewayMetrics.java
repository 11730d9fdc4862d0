package dev.logquery.gateway.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The gateway's meters, as Prometheus names them: {@code gateway_lines_accepted_total{protocol}} (written and
 * acknowledged by Kafka), {@code gateway_lines_refused_total{protocol,reason}} ({@code too_old}, {@code too_new},
 * {@code invalid}), {@code gateway_push_seconds{protocol,status}} (a histogram of whole pushes, read to answer),
 * {@code gateway_bytes_received_total{protocol}} (bodies as sent), {@code gateway_attributes_cut_total} (attribute
 * keys or values dropped or cut to the bounds) and {@code gateway_kafka_in_flight_bytes} ({@code KafkaSink}).
 * {@code protocol} is {@code loki} or {@code otlp}.
 */
@Component
public class GatewayMetrics {

    private final MeterRegistry registry;
    private final Counter attributeCuts;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.attributeCuts = Counter.builder("gateway.attributes.cut")
                .description("Attribute keys or values dropped or cut to the bounds").register(registry);
        for (String protocol : new String[] {"loki", "otlp"}) { // exported at 0 before the first push
            accepted(protocol, 0);
            received(protocol, 0);
        }
    }

    public void accepted(String protocol, int lines) {
        Counter.builder("gateway.lines.accepted").description("Lines written to Kafka and acknowledged")
                .tag("protocol", protocol).register(registry).increment(lines);
    }

    public void refused(String protocol, String reason, int lines) {
        Counter.builder("gateway.lines.refused").description("Lines refused, by reason")
                .tag("protocol", protocol).tag("reason", reason).register(registry).increment(lines);
    }

    public void received(String protocol, long bytes) {
        Counter.builder("gateway.bytes.received").description("Request body bytes as sent (compressed)")
                .tag("protocol", protocol).register(registry).increment(bytes);
    }

    public void attributeCuts(int cuts) {
        if (cuts > 0) {
            attributeCuts.increment(cuts);
        }
    }

    public void push(String protocol, int status, Duration took) {
        Timer.builder("gateway.push").description("Pushes from the first byte read to the answer")
                .tag("protocol", protocol).tag("status", Integer.toString(status))
                .publishPercentileHistogram().register(registry).record(took);
    }
}
