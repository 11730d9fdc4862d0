package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.ingest.TopicIdentity.Check;
import dev.logquery.node.ingest.TopicIdentity.Gate;
import dev.logquery.node.storage.OffsetStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TopicIdentity}: telling a topic created again under the same name by its id, waiting for a missing
 * topic, an unanswered question as a Kafka outage, and when the id is asked before a batch is written.
 */
class TopicIdentityTest {

    static final String OLD = "Hh3X8kdlQWCUt8dxvT7rCw";
    static final String NEW = "4Gk9bZ1MRmWb3bZr8qVx2A";

    final FakeTime time = new FakeTime();
    final LoopStatus status = new LoopStatus(time);
    final AtomicInteger kafkaBack = new AtomicInteger();
    final KafkaReachability kafka = new KafkaReachability("kafka-0:9092", status, () -> "{0=42}", time::nanos, time,
            kafkaBack::incrementAndGet);
    /** What the cluster answers, in turn: an id or an exception to throw; {@link #OLD} once none is left. */
    final Deque<Object> answers = new ArrayDeque<>();
    final AtomicInteger asked = new AtomicInteger();
    final TopicIdentity topic = new TopicIdentity("pod-logs", this::answer, status, kafka, time::nanos);

    String answer(Duration timeout) throws Exception {
        assertThat(timeout).isEqualTo(KafkaReachability.CHECK_TIMEOUT);
        asked.incrementAndGet();
        Object next = answers.isEmpty() ? OLD : answers.poll();
        if (next instanceof Exception e) {
            throw e;
        }
        return (String) next;
    }

    void answers(Object... next) {
        answers.addAll(List.of(next));
    }

    @BeforeEach
    void consumingOld() {
        status.set(State.RUNNING);
        topic.consuming(OLD);
    }

    @Test
    void theSameIdIsTheSameTopicAndAnotherIdIsATopicCreatedAgain() {
        answers(OLD, NEW);
        assertThat(topic.check()).isEqualTo(Check.SAME);
        assertThat(topic.check()).isEqualTo(Check.CHANGED);
        assertThat(topic.consumed()).as("the loop assigns again before it takes the new id").isEqualTo(OLD);
    }

    @Test
    void aBrokerWithoutIdsIsTrustedAndOneThatStartsTellingThemIsBelieved() {
        TopicIdentity noIds = new TopicIdentity("pod-logs", timeout -> null, status, kafka, time::nanos);
        noIds.consuming(null);
        assertThat(noIds.check()).isEqualTo(Check.SAME);
        assertThat(noIds.consumed()).isNull();

        TopicIdentity later = new TopicIdentity("pod-logs", this::answer, status, kafka, time::nanos);
        later.consuming(null);
        answers(OLD, NEW);
        assertThat(later.check()).isEqualTo(Check.SAME);
        assertThat(later.consumed()).isEqualTo(OLD);
        assertThat(later.check()).isEqualTo(Check.CHANGED);

        TopicIdentity forgetting = new TopicIdentity("pod-logs", timeout -> null, status, kafka, time::nanos);
        forgetting.consuming(OLD);
        assertThat(forgetting.check()).as("an id the broker no longer tells").isEqualTo(Check.SAME);
        assertThat(forgetting.consumed()).isEqualTo(OLD);
    }

    @Test
    void aMissingTopicIsWaitedFor() {
        answers(new ExecutionException(new UnknownTopicOrPartitionException("This server does not host this topic")));
        assertThat(topic.check()).isEqualTo(Check.UNKNOWN);
        assertThat(status.state()).isEqualTo(State.WAITING_FOR_TOPIC);
        assertThat(kafka.unreachableSince()).as("Kafka answered: the topic is missing").isNull();

        answers(OLD);
        assertThat(topic.check()).isEqualTo(Check.SAME);
        assertThat(status.state()).isEqualTo(State.RUNNING);
    }

    @Test
    void noAnswerInTimeIsAKafkaOutageUntilAnAnswerComes() {
        answers(new ExecutionException(new TimeoutException("Timed out waiting for a node assignment")));
        assertThat(topic.check()).isEqualTo(Check.UNKNOWN);
        assertThat(status.state()).isEqualTo(State.KAFKA_UNREACHABLE);
        assertThat(kafka.unreachableSince()).isEqualTo(time.instant());
        assertThat(status.lastError()).startsWith("Kafka at kafka-0:9092 does not tell the id of topic pod-logs (")
                .contains("Timed out waiting for a node assignment")
                .endsWith("; waiting, and going on from offsets {0=42} when it does");

        answers(OLD);
        assertThat(topic.check()).isEqualTo(Check.SAME);
        assertThat(status.state()).isEqualTo(State.RUNNING);
        assertThat(kafka.unreachableSince()).isNull();
        assertThat(kafkaBack).hasValue(1);
    }

    @Test
    void nothingIsAskedWhenNothingIsDueAndNoRecheckPending() {
        assertThat(topic.beforeWriting(false)).isEqualTo(Gate.GO);
        assertThat(asked).hasValue(0);
    }

    @Test
    void aDueBatchIsWrittenOnlyOnceTheIdIsConfirmed() {
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.CONFIRMED);
        assertThat(asked).hasValue(1);
        answers(NEW);
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.CHANGED);
    }

    @Test
    void aPendingRecheckIsAskedWithoutABatchAndEndsOnceConfirmed() {
        topic.recheck();
        assertThat(topic.recheckPending()).isTrue();
        assertThat(topic.beforeWriting(false)).isEqualTo(Gate.CONFIRMED);
        assertThat(topic.recheckPending()).isFalse();
        assertThat(topic.beforeWriting(false)).isEqualTo(Gate.GO);
        assertThat(asked).hasValue(1);
    }

    @Test
    void anUnknownIdIsAskedAgainASecondLaterNotAtEveryPass() {
        answers(new ExecutionException(new TimeoutException("no answer")));
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.UNKNOWN);
        topic.recheck();

        time.advanceMillis(999);
        assertThat(topic.beforeWriting(true)).as("the batch waits").isEqualTo(Gate.WAIT);
        assertThat(topic.beforeWriting(false)).as("nothing to write: go on").isEqualTo(Gate.GO);
        assertThat(asked).hasValue(1);
        assertThat(topic.recheckPending()).isTrue();

        time.advanceMillis(1);
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.CONFIRMED);
        assertThat(asked).hasValue(2);
        assertThat(topic.recheckPending()).isFalse();
    }

    @Test
    void aNewConsumerMayAskAtOnce() {
        answers(new ExecutionException(new TimeoutException("no answer")));
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.UNKNOWN);
        topic.consumerStarted();
        assertThat(topic.beforeWriting(true)).isEqualTo(Gate.CONFIRMED);
    }

    @Test
    void aChangedIdLeavesTheRecheckPendingUntilThePartitionsAreAssignedAgain() {
        topic.recheck();
        answers(NEW);
        assertThat(topic.beforeWriting(false)).isEqualTo(Gate.CHANGED);
        assertThat(topic.recheckPending()).isTrue();
        topic.rechecked();
        assertThat(topic.recheckPending()).isFalse();
    }

    @Test
    void aRecreationIsReportedOncePerNewId() {
        Map<Integer, OffsetStore.Stored> stale = Map.of(1, new OffsetStore.Stored(500, OLD));
        assertThat(topic.reportRecreation(NEW, Map.of())).as("nothing stored of another id").isFalse();
        assertThat(topic.reportRecreation(NEW, stale)).isTrue();
        assertThat(topic.reportRecreation(NEW, stale)).isFalse();
        assertThat(topic.reportRecreation("third", Map.of(1, new OffsetStore.Stored(20, NEW)))).isTrue();
    }
}
