package dev.logquery.node.ingest;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * Which consumed records are stored, and as what. A record value that is no valid log line is rejected with
 * the codec's reason. A line whose timestamp is more than {@code logquery.node.accept.max-age} old
 * ({@link DecodedRecord#TOO_OLD}) or more than {@code accept.max-future} ahead of the node's clock
 * ({@link DecodedRecord#TOO_NEW}) is rejected too: a producer with a broken clock must not make the node keep
 * metadata for thousands of years of hours, and a line the retention would drop at once is not stored.
 * Rejected records go to {@code rejected_records} with the reason; nothing a producer sends is dropped
 * silently, nor can it stop ingestion.
 *
 * <p>A record whose offset is already stored is skipped ({@link #isNew}): a batch retried after a partly
 * successful attempt, or read again after a reload, must not store a line twice.
 */
final class AcceptanceWindow {

    private final NodeProperties.Accept window;
    private final Clock clock;

    AcceptanceWindow(NodeProperties.Accept window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /** Decodes the value of the record at {@code offset} of Kafka partition {@code partition}. */
    DecodedRecord decode(int partition, long offset, byte[] value) {
        DecodeResult result = LogEntryCodec.decode(value);
        if (result instanceof DecodeResult.Accepted a) {
            Instant ts = a.entry().timestamp();
            Instant now = clock.instant();
            if (ts.isBefore(now.minus(window.maxAge()))) {
                return DecodedRecord.rejected(partition, offset, DecodedRecord.TOO_OLD + ": timestamp " + ts
                        + " is more than " + window.maxAge() + " old (logquery.node.accept.max-age, by default the"
                        + " retention)", value);
            }
            if (ts.isAfter(now.plus(window.maxFuture()))) {
                return DecodedRecord.rejected(partition, offset, DecodedRecord.TOO_NEW + ": timestamp " + ts
                        + " is more than " + window.maxFuture() + " ahead (logquery.node.accept.max-future)", value);
            }
            return DecodedRecord.accepted(partition, offset, a.entry(), a.truncated(), a.attributesCut());
        }
        return DecodedRecord.rejected(partition, offset, ((DecodeResult.Rejected) result).reason(), value);
    }

    /**
     * Whether {@code r} is not stored yet, given {@code next} (partition to next offset and topic id, what is
     * stored): beyond the stored offset, or the stored offset is one of another topic id (the topic was deleted
     * and created again, its offsets start at 0 again). An offset stored without an id (rows written before ids
     * were kept) is trusted as before.
     */
    static boolean isNew(DecodedRecord r, String topicId, Map<Integer, OffsetStore.Stored> next) {
        OffsetStore.Stored stored = next.get(r.partition());
        return stored == null || !stored.sameTopic(topicId) || r.offset() >= stored.next();
    }
}
