package dev.logquery.producer.publish;

import dev.logquery.common.model.LogEntry;
import java.time.Duration;

/**
 * Where the synthetic lines go: straight to Kafka ({@link KafkaLogPublisher}) or through the ingest gateway
 * ({@link GatewayLogPublisher}). Implementations bound what awaits acknowledgement: {@link #publish} blocks while
 * the bound is reached. Thread-safe.
 */
public interface LogPublisher extends AutoCloseable {

    /**
     * Hands one entry over; returns once it is queued. Delivery failures are counted and reported to the listener.
     *
     * @throws InterruptedException if interrupted while waiting for room; the entry is then not sent
     */
    void publish(LogEntry entry) throws InterruptedException;

    /**
     * Sends everything queued and waits until every entry handed over so far is acknowledged or failed.
     *
     * @return false if that did not happen within {@code timeout}
     */
    boolean flush(Duration timeout) throws InterruptedException;

    /** What is in flight and how the entries handed over so far ended. */
    InFlight counts();

    /** Entries acknowledged so far. */
    default long sent() {
        return counts().sent();
    }

    /** Entries that failed for good. */
    default long errors() {
        return counts().errors();
    }

    /** Entries handed over but not yet acknowledged or failed. */
    default int inFlight() {
        return counts().count();
    }

    /** Where the lines go, for logs and status: a topic name or a URL. */
    String destination();

    /** Sends what is queued (waiting at most {@code timeout}) and releases resources. */
    void close(Duration timeout);

    @Override
    default void close() {
        close(Duration.ofSeconds(30));
    }
}
