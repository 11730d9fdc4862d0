package dev.logquery.node.ingest;

import dev.logquery.common.model.LogEntry;

/**
 * One consumed Kafka record after decoding: an entry to store, or a rejection reason with the raw value.
 * Holds only what the write needs, so the batch does not keep the Kafka record objects alive.
 */
record DecodedRecord(int partition, long offset, LogEntry entry, boolean truncated, String rejection,
                     byte[] raw, int rawLength) {

    /** How much of a rejected value is kept (the rejected-records table stores its first 4096 characters). */
    static final int MAX_RAW_BYTES = 16 * 1024;

    static DecodedRecord accepted(int partition, long offset, LogEntry entry, boolean truncated) {
        return new DecodedRecord(partition, offset, entry, truncated, null, null, 0);
    }

    static DecodedRecord rejected(int partition, long offset, String reason, byte[] value) {
        if (value == null) {
            return new DecodedRecord(partition, offset, null, false, reason, null, 0);
        }
        byte[] kept = value.length <= MAX_RAW_BYTES ? value : java.util.Arrays.copyOf(value, MAX_RAW_BYTES);
        return new DecodedRecord(partition, offset, null, false, reason, kept, value.length);
    }

    boolean accepted() {
        return entry != null;
    }

    /** Bytes this record holds on the heap, a generous estimate (for the batch's byte bound). */
    long weight() {
        if (entry == null) {
            return 200L + (raw == null ? 0 : raw.length) + 2L * rejection.length();
        }
        return 200L + chars(entry.service()) + chars(entry.namespace()) + chars(entry.pod())
                + chars(entry.container()) + chars(entry.message());
    }

    /** A string's heap footprint: header plus up to two bytes per character. */
    private static long chars(String s) {
        return s == null ? 0 : 40L + 2L * s.length();
    }
}
