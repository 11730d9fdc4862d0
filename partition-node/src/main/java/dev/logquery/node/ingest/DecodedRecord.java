package dev.logquery.node.ingest;

import dev.logquery.common.model.LogEntry;

/**
 * One consumed Kafka record after decoding: an entry to store, or a rejection reason with the raw value.
 * Holds only what the write needs, so the batch does not keep the Kafka record objects alive.
 * {@code attributesCut} counts the attribute keys or values of an accepted entry cut to their bounds.
 */
record DecodedRecord(int partition, long offset, LogEntry entry, boolean truncated, String rejection,
                     byte[] raw, int rawLength, int attributesCut) {

    /** Reason code (the start of the rejection, and the {@code reason} tag of the rejected counter): older than accepted. */
    static final String TOO_OLD = "too_old";
    /** Reason code: further ahead of the node's clock than accepted. */
    static final String TOO_NEW = "too_new";
    /** Reason code of every other rejection: not a valid log line, or refused by the database. */
    static final String INVALID = "invalid";

    /** How much of a rejected value is kept (the rejected-records table stores its first 4096 characters). */
    static final int MAX_RAW_BYTES = 16 * 1024;

    static DecodedRecord accepted(int partition, long offset, LogEntry entry, boolean truncated) {
        return accepted(partition, offset, entry, truncated, 0);
    }

    static DecodedRecord accepted(int partition, long offset, LogEntry entry, boolean truncated, int attributesCut) {
        return new DecodedRecord(partition, offset, entry, truncated, null, null, 0, attributesCut);
    }

    static DecodedRecord rejected(int partition, long offset, String reason, byte[] value) {
        if (value == null) {
            return new DecodedRecord(partition, offset, null, false, reason, null, 0, 0);
        }
        byte[] kept = value.length <= MAX_RAW_BYTES ? value : java.util.Arrays.copyOf(value, MAX_RAW_BYTES);
        return new DecodedRecord(partition, offset, null, false, reason, kept, value.length, 0);
    }

    /** {@link #TOO_OLD}, {@link #TOO_NEW} or {@link #INVALID}; null for an accepted record. */
    String reasonCode() {
        if (rejection == null) {
            return null;
        }
        if (rejection.startsWith(TOO_OLD + ":")) {
            return TOO_OLD;
        }
        return rejection.startsWith(TOO_NEW + ":") ? TOO_NEW : INVALID;
    }

    boolean accepted() {
        return entry != null;
    }

    /** Bytes this record holds on the heap, a generous estimate (for the batch's byte bound). */
    long weight() {
        if (entry == null) {
            return 200L + (raw == null ? 0 : raw.length) + 2L * rejection.length();
        }
        long weight = 200L + chars(entry.service()) + chars(entry.namespace()) + chars(entry.pod())
                + chars(entry.container()) + chars(entry.message());
        for (java.util.Map.Entry<String, String> a : entry.attributes().entrySet()) {
            weight += 64L + chars(a.getKey()) + chars(a.getValue()); // the map's node too
        }
        return weight;
    }

    /** A string's heap footprint: header plus up to two bytes per character. */
    private static long chars(String s) {
        return s == null ? 0 : 40L + 2L * s.length();
    }
}
