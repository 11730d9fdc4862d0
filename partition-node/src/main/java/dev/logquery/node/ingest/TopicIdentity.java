package dev.logquery.node.ingest;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.storage.OffsetStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The id of the Kafka topic consumed, and whether the topic behind the name is still the same.
 *
 * <p>The offsets are stored with the id of the topic they belong to (an {@link org.apache.kafka.clients.admin.Admin}
 * client asks for it; the consumer does not tell). A topic deleted and created again under the same name has
 * a new id and starts its offsets at 0 again, so at assignment, when Kafka answers again after an outage,
 * every 30 s, when a stored offset lies beyond the log end, and before each batch is written, the loop
 * compares the topic's id with the one it consumes ({@link #check}): when it changed, it drops the batch it
 * gathered, reads the partitions whose stored offsets belong to another id from their beginning (instead of
 * seeking to offsets that would skip the new topic's first records, see {@link PartitionAssignment}), says so
 * in one warning ({@link #reportRecreation}), and stores the new id with the next batch's offsets. Rows stored
 * from the old topic stay. A batch is written only once the id it was read under is confirmed, so no record
 * of the new topic is ever stored as one of the old (which would store it twice).
 *
 * <p>Used by the consumer thread; {@link #consumed} is read by health too.
 */
final class TopicIdentity {

    private static final Logger log = LoggerFactory.getLogger(TopicIdentity.class);

    /** What {@link #check} found. */
    enum Check { SAME, CHANGED, UNKNOWN }

    /** What the loop may do at this pass, says {@link #beforeWriting}. */
    enum Gate {
        /** Nothing to compare: go on. */
        GO,
        /** The id was compared and is the same: the batch may be written. */
        CONFIRMED,
        /** The id cannot be told now: the batch is held (nothing more fetched into it), asked again in a second. */
        UNKNOWN,
        /** A batch is due, but the id could not be told less than a second ago: it waits. */
        WAIT,
        /** The topic was created again: the batch is dropped, and the partitions assigned again. */
        CHANGED
    }

    /** After an UNKNOWN, the id is not asked again before this long. */
    static final long UNKNOWN_RETRY_NANOS = 1_000_000_000L;

    /** Where the topic's id comes from: the cluster, through an admin client. */
    @FunctionalInterface
    interface IdSource {
        /**
         * The topic's id as the cluster tells it now; null when it has none (a broker without topic ids).
         * Throws when the cluster does not answer within {@code timeout} or the topic is missing
         * ({@link UnknownTopicOrPartitionException} somewhere along the causes).
         */
        String topicId(Duration timeout) throws Exception;
    }

    private final String topic;
    private final IdSource source;
    private final LoopStatus status;
    private final KafkaReachability kafka;
    private final LongSupplier nanos;
    private volatile String consumed; // null: the broker gives none
    private String recreationReported; // the new topic id the warning was given for
    private boolean recheck; // compare the id before going on (Kafka answered again, or 30 s passed)
    private long nextCheck = Long.MIN_VALUE; // after an UNKNOWN: when the id may be asked again

    /** @param nanos elapsed time, as {@link System#nanoTime} */
    TopicIdentity(String topic, IdSource source, LoopStatus status, KafkaReachability kafka, LongSupplier nanos) {
        this.topic = topic;
        this.source = source;
        this.status = status;
        this.kafka = kafka;
        this.nanos = nanos;
    }

    /** The id as the cluster tells it now, for an assignment; see {@link IdSource#topicId}. */
    String describe() throws Exception {
        return source.topicId(KafkaReachability.CHECK_TIMEOUT);
    }

    /** The partitions were assigned under id {@code id}: batches read from now on belong to it. */
    void consuming(String id) {
        consumed = id;
    }

    /** The id of the topic consumed; null when the broker gives none. */
    String consumed() {
        return consumed;
    }

    /** The id is to be compared before anything more is written, whether a batch is due or not. */
    void recheck() {
        recheck = true;
    }

    boolean recheckPending() {
        return recheck;
    }

    /** The id was compared (and found the same), or the partitions are assigned again: no re-check pending. */
    void rechecked() {
        recheck = false;
    }

    /** A consumer starts: the id may be asked at once. */
    void consumerStarted() {
        nextCheck = Long.MIN_VALUE;
    }

    /**
     * Before a batch is written ({@code due}), and at the next pass after {@link #recheck}: compares the id
     * ({@link #check}), at most once a second while it cannot be told. Records fetched after a re-creation come
     * from the new topic, at the old position; stored as the old topic's, they would be read again.
     */
    Gate beforeWriting(boolean due) {
        if (!due && !recheck) {
            return Gate.GO;
        }
        if (nanos.getAsLong() < nextCheck) {
            return due ? Gate.WAIT : Gate.GO;
        }
        return switch (check()) {
            case CHANGED -> Gate.CHANGED;
            case UNKNOWN -> {
                nextCheck = nanos.getAsLong() + UNKNOWN_RETRY_NANOS;
                yield Gate.UNKNOWN;
            }
            case SAME -> {
                recheck = false;
                yield Gate.CONFIRMED;
            }
        };
    }

    /**
     * Compares the topic's id now with the one consumed. UNKNOWN when Kafka does not answer in time (reported as
     * unreachable) or the topic is missing (deleted, maybe to be created again: reported as
     * {@link State#WAITING_FOR_TOPIC}): nothing may be written until it is known. An answer is an answer of
     * Kafka: an outage reported before is over. A broker that starts telling ids is believed from then on.
     */
    Check check() {
        String now;
        try {
            now = source.topicId(KafkaReachability.CHECK_TIMEOUT);
        } catch (Exception e) {
            if (causedBy(e, UnknownTopicOrPartitionException.class)) {
                if (status.state() != State.WAITING_FOR_TOPIC) {
                    log.info("topic {} is missing (deleted?): waiting for it before writing anything more", topic);
                }
                status.set(State.WAITING_FOR_TOPIC);
            } else {
                log.debug("cannot tell the id of topic {}: {}", topic, e.toString());
                kafka.unreachable("does not tell the id of topic " + topic + " (" + e + ")", "it does");
            }
            return Check.UNKNOWN;
        }
        status.replace(State.WAITING_FOR_TOPIC, State.RUNNING);
        kafka.answered();
        String current = consumed;
        if (now == null || current == null) {
            if (current == null && now != null) {
                consumed = now; // the broker tells ids now: keep them from here on
            }
            return Check.SAME;
        }
        return now.equals(current) ? Check.SAME : Check.CHANGED;
    }

    /**
     * Says, in one warning per new id, that the partitions {@code ofOtherTopic} (partition to stored offset)
     * are read from their beginning since their stored offsets belong to another id. Returns whether it warned.
     */
    boolean reportRecreation(String id, Map<Integer, OffsetStore.Stored> ofOtherTopic) {
        if (ofOtherTopic.isEmpty() || id.equals(recreationReported)) {
            return false;
        }
        recreationReported = id;
        log.warn("topic {} was deleted and created again: its id is now {}, the stored offsets {} are of"
                + " another topic; reading partitions {} from the beginning instead of from those offsets"
                + " (which would skip the new topic's first records). The rows stored from the old topic"
                + " stay; the new id is stored with the next batch", topic, id, ofOtherTopic,
                new ArrayList<>(ofOtherTopic.keySet()));
        return true;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
