package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.ingest.IngestLoop.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaReachability}: no record for 5 s and the log end offsets time out: KAFKA_UNREACHABLE, reported
 * once; any answer ends it and asks for the topic's id again. Time is a {@link FakeTime}: nothing waits.
 */
class KafkaReachabilityTest {

    final FakeTime time = new FakeTime();
    final LoopStatus status = new LoopStatus(time);
    final AtomicInteger back = new AtomicInteger();
    final KafkaReachability kafka = new KafkaReachability("kafka-0:9092", status, () -> "{0=42, 3=7}", time::nanos,
            time, back::incrementAndGet);
    final List<Duration> asked = new ArrayList<>();

    boolean answering() {
        return kafka.check(timeout -> asked.add(timeout));
    }

    boolean timingOut() {
        return kafka.check(timeout -> {
            asked.add(timeout);
            throw new TimeoutException("Timeout of 3000ms expired before the last offsets could be fetched");
        });
    }

    @BeforeEach
    void running() {
        status.set(State.RUNNING);
        kafka.consumerStarted();
    }

    @Test
    void quietTooLongFiveSecondsAfterKafkaLastAnswered() {
        time.advanceMillis(KafkaReachability.CHECK_AFTER_MS - 1);
        assertThat(kafka.quietTooLong()).isFalse();
        time.advanceMillis(1);
        assertThat(kafka.quietTooLong()).isTrue();

        kafka.recordsArrived();
        assertThat(kafka.quietTooLong()).isFalse();
        time.advanceMillis(KafkaReachability.CHECK_AFTER_MS);
        assertThat(answering()).isTrue();
        assertThat(asked).containsExactly(KafkaReachability.CHECK_TIMEOUT);
        assertThat(kafka.quietTooLong()).as("an answered check counts as hearing of Kafka").isFalse();
    }

    @Test
    void logEndOffsetsTimingOutReportKafkaUnreachableOnce() {
        time.advanceMillis(5_000);
        Instant since = time.instant();
        assertThat(timingOut()).isFalse();

        assertThat(status.state()).isEqualTo(State.KAFKA_UNREACHABLE);
        assertThat(kafka.unreachableSince()).isEqualTo(since);
        assertThat(status.lastError()).isEqualTo("Kafka at kafka-0:9092 does not answer (no log end offsets within 3 s);"
                + " waiting, and going on from offsets {0=42, 3=7} when it is back");
        assertThat(status.lastErrorAt()).isEqualTo(since);
        assertThat(kafka.quietTooLong()).as("still quiet: asked again at the next idle pass").isTrue();

        time.advanceMillis(10_000);
        assertThat(timingOut()).isFalse();
        assertThat(kafka.unreachableSince()).as("the outage began at the first timeout").isEqualTo(since);
        assertThat(status.lastErrorAt()).as("reported once").isEqualTo(since);
        assertThat(back).hasValue(0);
    }

    @Test
    void anAnswerEndsTheOutageAndAsksForTheTopicIdAgain() {
        timingOut();
        time.advanceMillis(20_000);

        assertThat(answering()).isTrue();
        assertThat(kafka.unreachableSince()).isNull();
        assertThat(status.state()).isEqualTo(State.RUNNING);
        assertThat(back).as("the topic may have been created again meanwhile").hasValue(1);
        assertThat(kafka.quietTooLong()).isFalse();

        assertThat(answering()).isTrue();
        assertThat(back).as("no outage, nothing to tell").hasValue(1);
    }

    @Test
    void recordsEndAnOutageToo() {
        timingOut();
        kafka.recordsArrived();
        assertThat(kafka.unreachableSince()).isNull();
        assertThat(status.state()).isEqualTo(State.RUNNING);
        assertThat(back).hasValue(1);
    }

    @Test
    void aStateThatSaysMoreStays() {
        status.set(State.RETRYING); // a write is failing: that is what health must say
        timingOut();
        assertThat(status.state()).isEqualTo(State.RETRYING);
        assertThat(kafka.unreachableSince()).isNotNull();

        answering();
        assertThat(status.state()).as("only KAFKA_UNREACHABLE turns back to RUNNING").isEqualTo(State.RETRYING);
        assertThat(kafka.unreachableSince()).isNull();
    }

    @Test
    void anotherProblemIsReportedInItsOwnWords() {
        kafka.unreachable("does not tell the id of topic pod-logs (boom)", "it does");
        assertThat(status.lastError()).isEqualTo("Kafka at kafka-0:9092 does not tell the id of topic pod-logs (boom);"
                + " waiting, and going on from offsets {0=42, 3=7} when it does");
        assertThat(status.state()).isEqualTo(State.KAFKA_UNREACHABLE);
    }

    @Test
    void failuresOtherThanATimeoutPropagate() {
        assertThatThrownBy(() -> kafka.check(timeout -> {
            throw new WakeupException();
        })).isInstanceOf(WakeupException.class);
        assertThat(kafka.unreachableSince()).isNull();
        assertThat(status.state()).isEqualTo(State.RUNNING);
    }
}
