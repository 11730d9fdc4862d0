package dev.logquery.common.codec;

import dev.logquery.common.model.LogEntry;

/** What became of one Kafka record value: a log entry to store, or the reason it cannot be one. */
public sealed interface DecodeResult {

    /**
     * A valid entry; {@code truncated} says the message was cut to {@link LogEntryCodec#MAX_MESSAGE_BYTES};
     * {@code attributesCut} counts attribute keys or values dropped or cut to {@link dev.logquery.common.model.Attributes}' bounds.
     */
    record Accepted(LogEntry entry, boolean truncated, int attributesCut) implements DecodeResult {
        public Accepted(LogEntry entry, boolean truncated) {
            this(entry, truncated, 0);
        }
    }

    /** Not a log line: {@code reason} names the problem (the field and what is wrong with it). */
    record Rejected(String reason) implements DecodeResult {
    }
}
