package dev.logquery.producer.publish;

import java.util.Objects;

/**
 * How a {@link KafkaLogPublisher} connects and batches.
 *
 * @param bootstrapServers Kafka bootstrap servers, e.g. {@code localhost:9092}
 * @param topic            the topic the lines go to
 * @param maxInFlight      records sent but not yet acknowledged before {@code publish} blocks (bounds memory)
 * @param lingerMs         {@code linger.ms}: how long a batch may wait to fill up
 * @param batchSizeBytes   {@code batch.size} per partition
 * @param compression      {@code compression.type} ({@code lz4}, {@code zstd}, {@code none}, ...)
 */
public record PublisherSettings(
        String bootstrapServers,
        String topic,
        int maxInFlight,
        int lingerMs,
        int batchSizeBytes,
        String compression) {

    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    public static final int DEFAULT_LINGER_MS = 20;
    public static final int DEFAULT_BATCH_SIZE_BYTES = 256 * 1024;
    public static final String DEFAULT_COMPRESSION = "lz4";

    public PublisherSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(compression, "compression");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, is " + maxInFlight);
        }
        if (lingerMs < 0) {
            throw new IllegalArgumentException("lingerMs must be >= 0, is " + lingerMs);
        }
        if (batchSizeBytes < 1) {
            throw new IllegalArgumentException("batchSizeBytes must be >= 1, is " + batchSizeBytes);
        }
    }

    /** Throughput-oriented defaults: 20 ms linger, 256 KiB batches, lz4, 10,000 records in flight. */
    public static PublisherSettings of(String bootstrapServers, String topic) {
        return new PublisherSettings(bootstrapServers, topic, DEFAULT_MAX_IN_FLIGHT, DEFAULT_LINGER_MS,
                DEFAULT_BATCH_SIZE_BYTES, DEFAULT_COMPRESSION);
    }
}
