package dev.logquery.node.ingest;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.storage.OffsetStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Kafka partitions this node consumes, and where it starts reading each. The node assigns itself the
 * partitions {@code p % shardCount == shard} (no group rebalancing, so no other node's view matters) and
 * starts each at the offset stored in PostgreSQL beside the rows. A partition with nothing stored is read from
 * its beginning, and so is one whose stored offset belongs to another topic id: the topic was deleted and
 * created again under the same name, its offsets start at 0 again, and seeking to the stored offset would
 * skip the new topic's first records ({@link TopicIdentity}). A stored offset outside its partition's log is
 * resolved by {@link #outOfRange}.
 *
 * <p>{@link #mine}, {@link #plan} and {@link #storedLag} decide; {@link #assign} and {@link #outOfRange} apply
 * the decisions to the consumer, on the consumer thread.
 */
final class PartitionAssignment {

    private static final Logger log = LoggerFactory.getLogger(PartitionAssignment.class);

    /**
     * Where to start reading one partition: at {@code offset}, or from the beginning when it is empty.
     * The consumer seeks partition by partition: {@code seekToBeginning} of no partition means all of them.
     */
    record Start(TopicPartition partition, OptionalLong offset) {
    }

    /**
     * The starts of the partitions assigned, in partition order, and the partitions whose stored offsets
     * belong to another topic id (partition to stored offset, in partition order): they are among those read
     * from the beginning.
     */
    record Plan(List<Start> starts, Map<Integer, OffsetStore.Stored> ofOtherTopic) {
    }

    /** Ingestion of the topic cannot go on safely: the node stays up, reports DOWN and retries slowly. */
    static final class OffsetBeyondLogEndException extends RuntimeException {
        OffsetBeyondLogEndException(String message) {
            super(message);
        }
    }

    private final String topicName;
    private final String bootstrapServers;
    private final int shard;
    private final int shardCount;
    private final Map<Integer, OffsetStore.Stored> next;
    private final TopicIdentity topic;
    private final LoopStatus status;
    private final BooleanSupplier running;
    private final Running.Pause pause;
    private final java.util.function.Consumer<List<Integer>> onAssigned;
    private volatile List<Integer> assigned = List.of();

    /**
     * @param next       what is stored (partition to next offset and topic id), the loop's live view
     * @param onAssigned told the partitions assigned, each time they are
     */
    PartitionAssignment(String topicName, String bootstrapServers, int shard, int shardCount,
                        Map<Integer, OffsetStore.Stored> next, TopicIdentity topic, LoopStatus status,
                        BooleanSupplier running, Running.Pause pause,
                        java.util.function.Consumer<List<Integer>> onAssigned) {
        this.topicName = topicName;
        this.bootstrapServers = bootstrapServers;
        this.shard = shard;
        this.shardCount = shardCount;
        this.next = next;
        this.topic = topic;
        this.status = status;
        this.running = running;
        this.pause = pause;
        this.onAssigned = onAssigned;
    }

    /** This node's partitions among {@code infos} (all of the topic's), in partition order. */
    List<TopicPartition> mine(List<PartitionInfo> infos) {
        List<TopicPartition> mine = new ArrayList<>();
        for (PartitionInfo info : infos) {
            if (info.partition() % shardCount == shard) {
                mine.add(new TopicPartition(info.topic(), info.partition()));
            }
        }
        mine.sort(Comparator.comparingInt(TopicPartition::partition));
        return mine;
    }

    /** Where to start each of {@code mine}, given what is stored ({@code stored}) and the topic's id now. */
    static Plan plan(List<TopicPartition> mine, Map<Integer, OffsetStore.Stored> stored, String topicId) {
        List<Start> starts = new ArrayList<>();
        Map<Integer, OffsetStore.Stored> ofOtherTopic = new TreeMap<>();
        for (TopicPartition tp : mine) {
            OffsetStore.Stored s = stored.get(tp.partition());
            if (s == null) {
                starts.add(new Start(tp, OptionalLong.empty()));
            } else if (!s.sameTopic(topicId)) {
                starts.add(new Start(tp, OptionalLong.empty())); // its offsets start again: the stored one would skip lines
                ofOtherTopic.put(tp.partition(), s);
            } else {
                starts.add(new Start(tp, OptionalLong.of(s.next())));
            }
        }
        return new Plan(starts, ofOtherTopic);
    }

    /**
     * The lag of a partition counted from what is stored, not from what the consumer has fetched into the
     * current batch: {@code end} (the log end) minus the stored offset. When nothing is stored for this topic
     * id, the consumer's own {@code consumerLag} is all there is.
     */
    static long storedLag(long end, long consumerLag, OffsetStore.Stored stored, String topicId) {
        return stored == null || !stored.sameTopic(topicId) ? consumerLag : Math.max(0, end - stored.next());
    }

    /**
     * This node's partitions now, when they are not {@code mine} any more (partitions were added to the topic);
     * null when they are, or when Kafka does not answer in time (they are asked again next time).
     */
    List<TopicPartition> changed(Consumer<byte[], byte[]> c, List<TopicPartition> mine) {
        List<TopicPartition> now;
        try {
            now = mine(c.partitionsFor(topicName, Duration.ofSeconds(5)));
        } catch (TimeoutException e) {
            return null; // Kafka away: keep what we have
        }
        return now.equals(mine) ? null : now;
    }

    /** Records the lag of each of {@code mine}, counted from what is stored ({@link #storedLag}). */
    void recordLag(Consumer<byte[], byte[]> c, List<TopicPartition> mine, IngestMetrics metrics) {
        for (TopicPartition tp : mine) {
            OptionalLong lag = c.currentLag(tp);
            if (lag.isPresent()) {
                long end = c.position(tp) + lag.getAsLong();
                metrics.lag(tp.partition(), storedLag(end, lag.getAsLong(), next.get(tp.partition()), topic.consumed()));
            }
        }
    }

    /** The partitions assigned last (their numbers), for health. */
    List<Integer> assigned() {
        return assigned;
    }

    /**
     * Assigns this node's partitions once the topic and its id are known (reporting
     * {@link State#WAITING_FOR_TOPIC} until then), each started where {@link #plan} says, the partitions paused
     * before resumed; returns them (none once the node stops).
     */
    List<TopicPartition> assign(Consumer<byte[], byte[]> c) {
        while (running.getAsBoolean()) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topicName, Duration.ofSeconds(5));
            } catch (TimeoutException e) {
                infos = List.of();
            }
            String id = null;
            boolean idKnown = false;
            if (infos != null && !infos.isEmpty()) {
                try {
                    id = topic.describe();
                    idKnown = true;
                } catch (Exception e) {
                    log.info("cannot tell the id of topic {} yet: {}", topicName, e.toString());
                }
            }
            if (idKnown) {
                return assign(c, infos, id);
            }
            status.set(State.WAITING_FOR_TOPIC);
            log.info("waiting for topic {} at {}", topicName, bootstrapServers);
            pause.pause(1_000);
        }
        return List.of();
    }

    private List<TopicPartition> assign(Consumer<byte[], byte[]> c,
                                        List<PartitionInfo> infos, String id) {
        List<TopicPartition> mine = mine(infos);
        c.resume(c.paused());
        c.assign(mine);
        topic.consuming(id);
        Plan plan = plan(mine, next, id);
        for (Start start : plan.starts()) {
            if (start.offset().isPresent()) {
                c.seek(start.partition(), start.offset().getAsLong());
            } else {
                c.seekToBeginning(List.of(start.partition()));
            }
        }
        topic.reportRecreation(id, plan.ofOtherTopic());
        assigned = mine.stream().map(TopicPartition::partition).toList();
        onAssigned.accept(assigned);
        if (mine.isEmpty()) {
            log.warn("topic {} has {} partitions: none is p % {} == {}; this node stays idle",
                    topicName, infos.size(), shardCount, shard);
        } else {
            log.info("consuming {} partitions {} from stored offsets {}", topicName, assigned, next);
        }
        if (status.state() != State.OFFSET_PROBLEM) {
            status.set(State.RUNNING); // an offset problem stays reported until a poll succeeds
        }
        return mine;
    }

    /**
     * Resolves stored offsets outside their partition's log (the consumer runs with
     * {@code auto.offset.reset=none}, so a poll tells). Below the log start, retention removed those records
     * before they were stored, so reading goes on from the start, with a warning. Beyond the log end, the topic
     * was recreated or truncated: continuing would silently skip new lines whose offsets are below the stored
     * ones. When the topic's id changed (deleted and created again), returns true: the loop reads it from its
     * beginning. Otherwise (truncated, or the id cannot be told) throws {@link OffsetBeyondLogEndException}:
     * the node stops ingesting that topic, reports DOWN and says why, until an operator acts.
     */
    boolean outOfRange(Consumer<byte[], byte[]> c, OffsetOutOfRangeException e) {
        Map<TopicPartition, Long> begin = c.beginningOffsets(e.offsetOutOfRangePartitions().keySet(), Duration.ofSeconds(10));
        Map<TopicPartition, Long> end = c.endOffsets(e.offsetOutOfRangePartitions().keySet(), Duration.ofSeconds(10));
        for (Map.Entry<TopicPartition, Long> out : e.offsetOutOfRangePartitions().entrySet()) {
            TopicPartition tp = out.getKey();
            if (out.getValue() > end.get(tp)) {
                if (topic.check() == TopicIdentity.Check.CHANGED) {
                    return true;
                }
                throw new OffsetBeyondLogEndException("stored offset " + out.getValue() + " of " + tp
                        + " is beyond its log end " + end.get(tp) + ": the topic was recreated or truncated;"
                        + " not ingesting it, to avoid skipping lines (clear kafka_offsets for it to start over)");
            }
            log.warn("stored offset {} of {} is below its log start {}: retention removed those records before"
                    + " they were stored; going on from the log start", out.getValue(), tp, begin.get(tp));
            c.seek(tp, begin.get(tp));
        }
        return false;
    }
}
