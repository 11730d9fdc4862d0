package dev.logquery.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.gateway.kafka.KafkaSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;

/** A push's outcome, and the bound on pushes waiting for a decode thread. */
class PushServiceTest {

    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
                @Override
                public void close() {
                }

                @Override
                public void close(Duration timeout) {
                }
            };
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PushService pushes;

    PushServiceTest() {
        GatewayProperties p = new GatewayProperties("pod-logs", DataSize.ofMegabytes(1), DataSize.ofMegabytes(4),
                DataSize.ofMegabytes(8), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofDays(7),
                Duration.ofDays(1), 1, 1, new GatewayProperties.Auth(List.of(), ""));
        KafkaSink sink = new KafkaSink(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), p, registry);
        pushes = new PushService(p, sink, new GatewayMetrics(registry));
    }

    @AfterEach
    void dispose() {
        pushes.destroy();
    }

    @Test
    void writesTheValidLinesAndCountsTheRefusedByReason() {
        PushService.Outcome outcome = pushes.push("loki", now -> new ArrayList<>(List.of(
                RawLine.loki(now, "ok 1", Map.of("app", "a"), Map.of()),
                RawLine.loki(now.minus(Duration.ofDays(9)), "old", Map.of("app", "a"), Map.of()),
                RawLine.loki(now, "ok 2", Map.of("app", "a"), Map.of())))).block(Duration.ofSeconds(10));
        assertThat(outcome.accepted()).isEqualTo(2);
        assertThat(outcome.refused()).containsExactly(Map.entry(LineMapper.TOO_OLD, 1));
        assertThat(outcome.summary()).startsWith("1 of 3 lines refused (1 too_old), the other 2 written; line 1: too_old");
        assertThat(producer.history()).hasSize(2);
        assertThat(registry.get("gateway.lines.accepted").tag("protocol", "loki").counter().count()).isEqualTo(2);
        assertThat(registry.get("gateway.lines.refused").tag("reason", "too_old").counter().count()).isEqualTo(1);
    }

    @Test
    void morePushesThanTheDecodeQueueHoldsAre429() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Mono<PushService.Outcome> busy = pushes.push("otlp", now -> {
            running.countDown();
            try {
                release.await(10, TimeUnit.SECONDS); // holds the only decode thread until the test lets go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new ArrayList<>(List.of(RawLine.loki(Instant.now(), "late", Map.of(), Map.of())));
        });
        var first = busy.toFuture();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        var queued = pushes.push("otlp", now -> new ArrayList<>()).toFuture(); // waits in the queue of one
        assertThatThrownBy(() -> pushes.push("otlp", now -> new ArrayList<>()).block(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                    assertThat(f.getMessage()).contains("decode-queue");
                });
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).accepted()).isEqualTo(1);
        assertThat(queued.get(10, TimeUnit.SECONDS).accepted()).isZero();
    }
}
