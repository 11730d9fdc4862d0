package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.ingest.PartitionAssignment.OffsetBeyondLogEndException;
import dev.logquery.node.ingest.PartitionAssignment.Plan;
import dev.logquery.node.ingest.PartitionAssignment.Start;
import dev.logquery.node.storage.OffsetStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PartitionAssignment}: {@code p % shardCount == shard}, where each partition starts (stored offset, or
 * the beginning when nothing, or another topic id's offset, is stored), offsets outside the log, and lag from
 * what is stored. The consumer is Kafka's {@link MockConsumer}, an in-memory consumer: no broker.
 */
class PartitionAssignmentTest {

    static final String TOPIC = "pod-logs";
    static final String OLD = "Hh3X8kdlQWCUt8dxvT7rCw";
    static final String NEW = "4Gk9bZ1MRmWb3bZr8qVx2A";
    static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    static final TopicPartition P4 = new TopicPartition(TOPIC, 4);

    final FakeTime time = new FakeTime();
    final LoopStatus status = new LoopStatus(time);
    final KafkaReachability kafka = new KafkaReachability("kafka-0:9092", status, () -> "{}", time::nanos, time,
            () -> { });
    String clusterId = OLD;
    final TopicIdentity topic = new TopicIdentity(TOPIC, timeout -> clusterId, status, kafka, time::nanos);
    final Map<Integer, OffsetStore.Stored> stored = new HashMap<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Long> pauses = new ArrayList<>();
    final List<List<Integer>> told = new ArrayList<>();
    final PartitionAssignment assignment = new PartitionAssignment(TOPIC, "kafka-0:9092", 1, 3, stored, topic, status,
            running::get, millis -> {
                pauses.add(millis);
                running.set(false); // one wait is enough to see it
            }, told::add);
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");

    static List<PartitionInfo> partitions(int count) {
        return IntStream.range(0, count).mapToObj(p -> new PartitionInfo(TOPIC, p, null, null, null)).toList();
    }

    @BeforeEach
    void sixPartitions() {
        consumer.updatePartitions(TOPIC, partitions(6));
        Map<TopicPartition, Long> beginning = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        for (int p = 0; p < 9; p++) {
            beginning.put(new TopicPartition(TOPIC, p), 3L);
            end.put(new TopicPartition(TOPIC, p), 50L);
        }
        consumer.updateBeginningOffsets(beginning);
        consumer.updateEndOffsets(end);
    }

    @Test
    void aShardTakesThePartitionsOfItsRemainderInOrder() {
        List<PartitionInfo> shuffled = new ArrayList<>(partitions(9));
        java.util.Collections.reverse(shuffled);
        assertThat(assignment.mine(shuffled)).extracting(TopicPartition::partition).containsExactly(1, 4, 7);
        assertThat(assignment.mine(partitions(1))).isEmpty();

        PartitionAssignment alone = new PartitionAssignment(TOPIC, "k", 0, 1, stored, topic, status, () -> true,
                millis -> { }, p -> { });
        assertThat(alone.mine(partitions(4))).extracting(TopicPartition::partition).containsExactly(0, 1, 2, 3);
    }

    @Test
    void eachPartitionStartsAtItsStoredOffsetOrFromTheBeginning() {
        TopicPartition p7 = new TopicPartition(TOPIC, 7);
        TopicPartition p10 = new TopicPartition(TOPIC, 10);
        Map<Integer, OffsetStore.Stored> offsets = Map.of(
                1, new OffsetStore.Stored(40, NEW),
                7, new OffsetStore.Stored(900, OLD), // the topic was created again: its offsets start at 0 again
                10, new OffsetStore.Stored(12, null)); // stored before ids were kept: trusted

        Plan plan = PartitionAssignment.plan(List.of(P1, P4, p7, p10), offsets, NEW);
        assertThat(plan.starts()).containsExactly(
                new Start(P1, OptionalLong.of(40)),
                new Start(P4, OptionalLong.empty()),
                new Start(p7, OptionalLong.empty()),
                new Start(p10, OptionalLong.of(12)));
        assertThat(plan.ofOtherTopic()).containsExactly(Map.entry(7, new OffsetStore.Stored(900, OLD)));

        Plan noIds = PartitionAssignment.plan(List.of(p7), offsets, null);
        assertThat(noIds.starts()).as("a broker without ids: offsets trusted")
                .containsExactly(new Start(p7, OptionalLong.of(900)));
        assertThat(noIds.ofOtherTopic()).isEmpty();
    }

    @Test
    void assignSeeksEachPartitionAndResumesWhatWasPaused() {
        stored.put(1, new OffsetStore.Stored(40, OLD));
        consumer.assign(List.of(P1));
        consumer.pause(List.of(P1)); // a held batch's partitions
        status.set(State.STARTING);

        assertThat(assignment.assign(consumer)).containsExactly(P1, P4);

        assertThat(consumer.assignment()).containsExactlyInAnyOrder(P1, P4);
        assertThat(consumer.paused()).isEmpty();
        assertThat(consumer.position(P1)).isEqualTo(40);
        assertThat(consumer.position(P4)).as("nothing stored: from the log start").isEqualTo(3);
        assertThat(topic.consumed()).isEqualTo(OLD);
        assertThat(assignment.assigned()).containsExactly(1, 4);
        assertThat(told).containsExactly(List.of(1, 4));
        assertThat(status.state()).isEqualTo(State.RUNNING);
    }

    @Test
    void aTopicCreatedAgainIsReadFromItsBeginning() {
        clusterId = NEW;
        stored.put(1, new OffsetStore.Stored(40, OLD));
        stored.put(4, new OffsetStore.Stored(45, OLD));
        assignment.assign(consumer);
        assertThat(consumer.position(P1)).isEqualTo(3);
        assertThat(consumer.position(P4)).isEqualTo(3);
        assertThat(topic.consumed()).isEqualTo(NEW);
        assertThat(topic.reportRecreation(NEW, Map.of(1, stored.get(1)))).as("warned already").isFalse();
    }

    @Test
    void anOffsetProblemStaysReportedAcrossAnAssignment() {
        status.set(State.OFFSET_PROBLEM);
        assignment.assign(consumer);
        assertThat(status.state()).isEqualTo(State.OFFSET_PROBLEM);
    }

    @Test
    void aTopicWithoutPartitionsOfThisShardLeavesItIdle() {
        consumer.updatePartitions(TOPIC, partitions(1));
        assertThat(assignment.assign(consumer)).isEmpty();
        assertThat(told).containsExactly(List.of());
        assertThat(status.state()).isEqualTo(State.RUNNING);
    }

    @Test
    void aMissingTopicIsWaitedFor() {
        consumer.updatePartitions(TOPIC, List.of());
        assertThat(assignment.assign(consumer)).as("the node stopped while waiting").isEmpty();
        assertThat(status.state()).isEqualTo(State.WAITING_FOR_TOPIC);
        assertThat(pauses).containsExactly(1_000L);
        assertThat(told).isEmpty();
    }

    @Test
    void aTopicWhoseIdCannotBeToldIsWaitedFor() {
        PartitionAssignment blind = new PartitionAssignment(TOPIC, "kafka-0:9092", 1, 3, stored,
                new TopicIdentity(TOPIC, timeout -> {
                    throw new TimeoutException("no answer");
                }, status, kafka, time::nanos),
                status, running::get, millis -> running.set(false), told::add);
        assertThat(blind.assign(consumer)).isEmpty();
        assertThat(status.state()).isEqualTo(State.WAITING_FOR_TOPIC);
        assertThat(consumer.assignment()).isEmpty();
    }

    @Test
    void anOffsetBelowTheLogStartGoesOnFromTheStart() {
        assignment.assign(consumer);
        boolean recreated = assignment.outOfRange(consumer, new OffsetOutOfRangeException("out of range",
                Map.of(P4, 1L)));
        assertThat(recreated).isFalse();
        assertThat(consumer.position(P4)).isEqualTo(3);
    }

    @Test
    void anOffsetBeyondTheLogEndOfATopicCreatedAgainReadsItAgain() {
        assignment.assign(consumer);
        clusterId = NEW;
        assertThat(assignment.outOfRange(consumer, new OffsetOutOfRangeException("out of range", Map.of(P1, 400L))))
                .isTrue();
    }

    @Test
    void anOffsetBeyondTheLogEndOfTheSameTopicStopsIngestion() {
        assignment.assign(consumer);
        assertThatThrownBy(() -> assignment.outOfRange(consumer, new OffsetOutOfRangeException("out of range",
                Map.of(P1, 400L))))
                .isInstanceOf(OffsetBeyondLogEndException.class)
                .hasMessageStartingWith("stored offset 400 of pod-logs-1 is beyond its log end 50: the topic was"
                        + " recreated or truncated");
    }

    @Test
    void addedPartitionsAreToldAndAnUnansweredAskIsNotAChange() {
        List<TopicPartition> mine = assignment.assign(consumer);
        assertThat(assignment.changed(consumer, mine)).isNull();
        consumer.updatePartitions(TOPIC, partitions(9));
        assertThat(assignment.changed(consumer, mine)).extracting(TopicPartition::partition).containsExactly(1, 4, 7);

        MockConsumer<byte[], byte[]> away = new MockConsumer<>("none") {
            @Override
            public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
                throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
        };
        assertThat(assignment.changed(away, mine)).isNull();
    }

    @Test
    void lagCountsFromWhatIsStoredNotFromWhatIsFetched() {
        assertThat(PartitionAssignment.storedLag(100, 30, new OffsetStore.Stored(60, OLD), OLD)).isEqualTo(40);
        assertThat(PartitionAssignment.storedLag(100, 30, new OffsetStore.Stored(120, OLD), OLD)).isZero();
        assertThat(PartitionAssignment.storedLag(100, 30, null, OLD)).isEqualTo(30);
        assertThat(PartitionAssignment.storedLag(100, 30, new OffsetStore.Stored(60, NEW), OLD)).isEqualTo(30);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IngestMetrics metrics = new IngestMetrics(registry, () -> 0);
        stored.put(1, new OffsetStore.Stored(20, OLD));
        List<TopicPartition> mine = assignment.assign(consumer);
        consumer.seek(P1, 35); // fetched beyond what is stored
        assignment.recordLag(consumer, mine, metrics);
        assertThat(registry.get("ingest.consumer.lag.records").tag("kafka_partition", "1").gauge().value())
                .isEqualTo(30); // end 50 - stored 20
        assertThat(registry.get("ingest.consumer.lag.records").tag("kafka_partition", "4").gauge().value())
                .isEqualTo(47); // nothing stored: end 50 - position 3
    }
}
