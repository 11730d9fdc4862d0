package dev.logquery.node.ingest;

import dev.logquery.node.config.NodeProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The batch being gathered by the consumer thread, bounded by count, bytes and time: it is due after
 * {@code maxRecords} records, {@code maxBytes} of record weight ({@link DecodedRecord#weight}, a generous
 * estimate of the heap a record holds) or {@code maxWait} after its first record, whichever comes first. The
 * byte bound keeps the heap a batch takes independent of how long its lines are. The clock (nanoseconds, as
 * {@link System#nanoTime}) is injected, so the bounds are tested without waiting.
 */
final class BatchAccumulator {

    /** The longest poll: the loop also checks Kafka, the topic and its partitions between polls. */
    static final long MAX_POLL_MS = 200;

    private final int maxRecords;
    private final long maxBytes;
    private final long maxWaitNanos;
    private final LongSupplier nanos;
    private List<DecodedRecord> records = new ArrayList<>();
    private long bytes;
    private long started;

    BatchAccumulator(NodeProperties.Batch limits, LongSupplier nanos) {
        this.maxRecords = limits.maxRecords();
        this.maxBytes = limits.maxBytes().toBytes();
        this.maxWaitNanos = limits.maxWait().toNanos();
        this.nanos = nanos;
    }

    /** Adds a record; the first one of a batch starts its {@code maxWait}. */
    void add(DecodedRecord record) {
        if (records.isEmpty()) {
            started = nanos.getAsLong();
        }
        records.add(record);
        bytes += record.weight();
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    int size() {
        return records.size();
    }

    /** How long the next poll may wait: never past the batch's {@code maxWait}, never more than {@value #MAX_POLL_MS} ms. */
    long pollMillis() {
        long waitMs = records.isEmpty() ? MAX_POLL_MS
                : Math.max(1, (maxWaitNanos - (nanos.getAsLong() - started)) / 1_000_000);
        return Math.min(waitMs, MAX_POLL_MS);
    }

    /** Whether the batch is to be written now: it holds records and one of its bounds is reached. */
    boolean due() {
        return due(false);
    }

    /**
     * Whether the batch is to be written now: it holds records and one of its bounds is reached, or
     * {@code quiet} — the last poll drained what Kafka had fetched and no batch is being written. Waiting for
     * more then only delays lines that could be visible now (a quiet topic's line waited {@code maxWait}); under
     * load the writer is busy, the batch keeps growing while it writes, and batches stay large.
     */
    boolean due(boolean quiet) {
        return !records.isEmpty() && (quiet || records.size() >= maxRecords || bytes >= maxBytes
                || nanos.getAsLong() - started >= maxWaitNanos);
    }

    /** The batch gathered so far, in consumption order; gathering starts again empty. */
    List<DecodedRecord> take() {
        List<DecodedRecord> batch = records;
        records = new ArrayList<>();
        bytes = 0;
        return batch;
    }

    /** Forgets the batch gathered so far (its records are read again); returns how many records it held. */
    int drop() {
        return take().size();
    }
}
