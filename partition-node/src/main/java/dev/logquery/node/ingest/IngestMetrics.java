package dev.logquery.node.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The node's ingest meters (Prometheus names in brackets): lines stored ({@code ingest_lines_total}),
 * records rejected ({@code ingest_records_rejected_total}, tag {@code reason}: {@code too_old},
 * {@code too_new}, {@code invalid}), messages truncated
 * ({@code ingest_messages_truncated_total}), batch latency ({@code ingest_batch_duration_seconds},
 * histogram), failed batch attempts ({@code ingest_batch_failures_total}), consumer lag per Kafka
 * partition ({@code ingest_consumer_lag_records}), rows stored ({@code ingest_rows_stored}), attribute keys or
 * values cut to their bounds ({@code ingest_attributes_cut_total}) and lines not stored because the same line
 * (timestamp and content) was already stored ({@code ingest_duplicates_dropped_total}: a retried write).
 * The {@code shard} tag is added to every meter by {@code management.metrics.tags.shard}.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter lines;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Counter truncated;
    private final Counter attributesCut;
    private final Counter duplicates;
    private final Counter failures;
    private final Timer batch;
    private final Timer topicCheck;
    private final Map<Integer, AtomicLong> lag = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry, LongSupplier rowsStored) {
        this.registry = registry;
        this.lines = Counter.builder("ingest.lines").description("Log lines stored").register(registry);
        for (String reason : new String[] {DecodedRecord.TOO_OLD, DecodedRecord.TOO_NEW, DecodedRecord.INVALID}) {
            rejected.put(reason, Counter.builder("ingest.records.rejected").tag("reason", reason)
                    .description("Kafka records not stored, by reason: too_old, too_new (outside the accepted"
                            + " window) or invalid").register(registry));
        }
        this.truncated = Counter.builder("ingest.messages.truncated")
                .description("Messages stored truncated to 64 KiB").register(registry);
        this.attributesCut = Counter.builder("ingest.attributes.cut")
                .description("Attribute keys or values of stored lines dropped or truncated to their bounds"
                        + " (64 keys, 128-character keys, 2048-character values)").register(registry);
        this.duplicates = Counter.builder("ingest.duplicates.dropped")
                .description("Lines not stored because a line with the same timestamp and content was stored"
                        + " before (a write retried into Kafka)").register(registry);
        this.failures = Counter.builder("ingest.batch.failures")
                .description("Batch writes that failed and were retried").register(registry);
        this.batch = Timer.builder("ingest.batch.duration").description("Time to write one batch")
                .publishPercentileHistogram().register(registry);
        this.topicCheck = Timer.builder("ingest.topic.check.duration")
                .description("Time the consumer thread spends before writing a batch on telling the topic's id"
                        + " (one Kafka admin request per batch; a re-created topic must not be written as the old one)")
                .register(registry);
        // Micrometer holds a gauge's object weakly; nothing else holds this supplier, so hold it strongly.
        Gauge.builder("ingest.rows.stored", rowsStored, s -> s.getAsLong()).strongReference(true)
                .description("Log rows stored on this node").register(registry);
    }

    void batchWritten(int stored, int truncatedCount, int attributesCutCount, int duplicatesDropped, long nanos) {
        lines.increment(stored);
        truncated.increment(truncatedCount);
        attributesCut.increment(attributesCutCount);
        duplicates.increment(duplicatesDropped);
        batch.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The topic-id check before a due batch took {@code nanos}. */
    void topicChecked(long nanos) {
        topicCheck.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One record stored in rejected_records, with its {@link DecodedRecord#reasonCode()}. */
    void rejected(String reason) {
        rejected.get(reason).increment();
    }

    void batchFailed() {
        failures.increment();
    }

    void lag(int partition, long records) {
        lag.computeIfAbsent(partition, p -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("ingest.consumer.lag.records", value, AtomicLong::get)
                    .description("Records in Kafka not yet stored, per partition")
                    .tag("kafka_partition", Integer.toString(p)).register(registry);
            return value;
        }).set(records);
    }
}
