package dev.logquery.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.gateway.ingest.LineMapper;
import dev.logquery.gateway.ingest.PushFailure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.util.unit.DataSize;

/** The in-flight bound and the send timeout, against Kafka's own MockProducer (acknowledged when the test says). */
class KafkaSinkTest {

    /** Kept open: the template closes the producer it was given after each send, as it may a factory's. */
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer()) {
                @Override
                public void close() {
                }

                @Override
                public void close(Duration timeout) {
                }
            };

    private KafkaSink sink(String maxInFlight, Duration sendTimeout) {
        GatewayProperties p = new GatewayProperties("pod-logs", DataSize.ofMegabytes(1), DataSize.ofMegabytes(4),
                DataSize.parse(maxInFlight), sendTimeout, Duration.ofSeconds(5), Duration.ofDays(7),
                Duration.ofDays(1), 0, 8, new GatewayProperties.Auth(List.of(), ""));
        return new KafkaSink(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), p,
                new SimpleMeterRegistry());
    }

    private static List<LineMapper.Line> lines(int n) {
        List<LineMapper.Line> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LogEntry e = new LogEntry(Instant.now(), "svc", LogLevel.INFO, null, null, null, "line " + i + " " + "x".repeat(100));
            lines.add(new LineMapper.Line(e, "svc", LogEntryCodec.encode(e), 0));
        }
        return lines;
    }

    private static PushFailure failure(CompletableFuture<Void> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return (PushFailure) (e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the send succeeded");
    }

    @Test
    void acknowledgedOnlyWhenKafkaAcknowledgesEveryLine() throws Exception {
        KafkaSink sink = sink("64KB", Duration.ofSeconds(10));
        CompletableFuture<Void> sent = sink.send(lines(3));
        assertThat(producer.history()).hasSize(3);
        assertThat(producer.history().get(0).key()).isEqualTo("svc");
        assertThat(producer.history().get(0).topic()).isEqualTo("pod-logs");
        producer.completeNext();
        producer.completeNext();
        assertThat(sent).isNotDone();
        assertThat(sink.inFlightBytes()).isPositive();
        producer.completeNext();
        sent.get(5, TimeUnit.SECONDS);
        assertThat(sink.inFlightBytes()).isZero();
    }

    @Test
    void beyondTheInFlightBoundIs429UntilKafkaCatchesUp() throws Exception {
        KafkaSink sink = sink("1KB", Duration.ofSeconds(10));
        CompletableFuture<Void> first = sink.send(lines(3)); // about 600 bytes
        assertThatThrownBy(() -> sink.send(lines(3))).isInstanceOfSatisfying(PushFailure.class, f -> {
            assertThat(f.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
            assertThat(f.retryAfter()).isTrue();
            assertThat(f.getMessage()).contains("max-in-flight-bytes");
        });
        while (producer.completeNext()) {
            // acknowledge everything sent so far
        }
        first.get(5, TimeUnit.SECONDS);
        CompletableFuture<Void> second = sink.send(lines(3));
        while (producer.completeNext()) {
            // and the second push's lines
        }
        second.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> sink.send(lines(10))).isInstanceOfSatisfying(PushFailure.class,
                f -> assertThat(f.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
    }

    @Test
    void aRefusedLineOrNoAcknowledgementInTimeIs503() {
        KafkaSink sink = sink("64KB", Duration.ofSeconds(10));
        CompletableFuture<Void> sent = sink.send(lines(2));
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.NotLeaderOrFollowerException("leader moved"));
        PushFailure f = failure(sent);
        assertThat(f.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(f.retryAfter()).isTrue();
        assertThat(sink.inFlightBytes()).isZero();

        KafkaSink slow = sink("64KB", Duration.ofMillis(200));
        CompletableFuture<Void> unacknowledged = slow.send(lines(1));
        PushFailure timeout = failure(unacknowledged);
        assertThat(timeout.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(timeout.getMessage()).contains("did not acknowledge");
        assertThat(slow.inFlightBytes()).as("held until the producer ends the send").isPositive();
        producer.completeNext();
        assertThat(slow.inFlightBytes()).isZero();
    }
}
