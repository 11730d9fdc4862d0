package dev.logquery.gateway.kafka;

import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.gateway.ingest.LineMapper;
import dev.logquery.gateway.ingest.PushFailure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes a push's lines to the topic and tells when Kafka acknowledged every one of them. Bounded twice: the
 * encoded lines handed to Kafka and not acknowledged yet may take at most {@code logquery.gateway.max-in-flight-bytes}
 * (a push that would go beyond is refused at once, 429: never queued without bound), and a push waits at most
 * {@code send-timeout} (then 503). The producer's own bounds ({@code max.block.ms}, {@code delivery.timeout.ms})
 * end every send, so the bytes a push reserved are always given back.
 *
 * <p>{@link #send} may block up to {@code max.block.ms} when the producer has no metadata for the topic (Kafka
 * unreachable since start): it is called on the gateway's decode threads, never on an event loop, and stops at
 * the first line the producer refuses.
 */
@Component
public class KafkaSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);

    private final KafkaTemplate<String, byte[]> template;
    private final String topic;
    private final long maxInFlight;
    private final Duration sendTimeout;
    private final AtomicLong inFlight = new AtomicLong();

    public KafkaSink(KafkaTemplate<String, byte[]> template, GatewayProperties properties, MeterRegistry registry) {
        this.template = template;
        this.topic = properties.topic();
        this.maxInFlight = properties.maxInFlightBytes().toBytes();
        this.sendTimeout = properties.sendTimeout();
        Gauge.builder("gateway.kafka.in.flight", inFlight, AtomicLong::get).baseUnit("bytes")
                .description("Encoded lines handed to Kafka and not acknowledged yet").register(registry);
    }

    /** Bytes handed to Kafka and not acknowledged yet. */
    public long inFlightBytes() {
        return inFlight.get();
    }

    /**
     * Hands {@code lines} to the producer and returns a future that completes once Kafka acknowledged all of them,
     * or fails with a {@link PushFailure}: 429 when the in-flight bound is reached, 413 when the push alone is
     * larger than it, 503 when Kafka refuses or does not acknowledge in time.
     */
    public CompletableFuture<Void> send(List<LineMapper.Line> lines) {
        if (lines.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long bytes = 0;
        for (LineMapper.Line line : lines) {
            bytes += line.value().length + line.key().length() + 64L;
        }
        if (bytes > maxInFlight) {
            throw PushFailure.tooLarge("the push's lines take " + bytes + " bytes as records, more than "
                    + maxInFlight + " (logquery.gateway.max-in-flight-bytes): send smaller batches");
        }
        reserve(bytes);
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        List<CompletableFuture<?>> sent = new ArrayList<>(lines.size());
        Throwable refused = null;
        for (LineMapper.Line line : lines) {
            CompletableFuture<?> f;
            try {
                f = template.send(topic, line.key(), line.value());
            } catch (RuntimeException e) {
                refused = e;
                break;
            }
            sent.add(f);
            if (f.isCompletedExceptionally() || System.nanoTime() - deadline > 0) {
                break; // metadata missing (max.block.ms spent) or the producer is failing: the rest would too
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
        final long reserved = bytes;
        all.whenComplete((r, e) -> inFlight.addAndGet(-reserved)); // every send ends: the producer's timeouts
        if (refused != null || sent.size() < lines.size()) {
            Throwable cause = refused != null ? refused : firstFailure(sent);
            log.warn("Kafka refused a push of {} lines after {}: {}", lines.size(), sent.size(), describe(cause));
            return CompletableFuture.failedFuture(unavailable(cause));
        }
        long left = Math.max(1, deadline - System.nanoTime());
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                .orTimeout(left, java.util.concurrent.TimeUnit.NANOSECONDS)
                .handle((r, e) -> {
                    if (e == null) {
                        return null;
                    }
                    Throwable cause = unwrap(e);
                    log.warn("a push of {} lines was not acknowledged by Kafka: {}", lines.size(), describe(cause));
                    throw unavailable(cause);
                });
    }

    private void reserve(long bytes) {
        while (true) {
            long now = inFlight.get();
            if (now > 0 && now + bytes > maxInFlight) {
                throw PushFailure.overloaded("Kafka has " + now + " bytes in flight, a push of " + bytes
                        + " more would exceed logquery.gateway.max-in-flight-bytes (" + maxInFlight
                        + "): retry later");
            }
            if (inFlight.compareAndSet(now, now + bytes)) {
                return;
            }
        }
    }

    private PushFailure unavailable(Throwable cause) {
        boolean timeout = cause instanceof TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException;
        return PushFailure.unavailable(timeout
                ? "Kafka did not acknowledge the lines within " + sendTimeout + ": retry later"
                : "Kafka refused the lines (" + describe(cause) + "): retry later", cause);
    }

    private static Throwable firstFailure(List<CompletableFuture<?>> sent) {
        for (CompletableFuture<?> f : sent) {
            if (f.isCompletedExceptionally()) {
                try {
                    f.join();
                } catch (RuntimeException e) {
                    return unwrap(e);
                }
            }
        }
        return new TimeoutException("sending took longer than the send timeout");
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException
                || t instanceof org.springframework.kafka.KafkaException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        Throwable u = unwrap(t);
        return u.getClass().getSimpleName() + (u.getMessage() == null ? "" : ": " + u.getMessage());
    }
}
