package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.node.ingest.IngestLoop.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link LoopStatus}: which state a successful poll may replace, and the last error kept. */
class LoopStatusTest {

    final FakeTime time = new FakeTime();
    final LoopStatus status = new LoopStatus(time);

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"RETRYING", "KAFKA_UNREACHABLE", "WAITING_FOR_TOPIC"})
    void aPollDoesNotHideWhatSaysMore(State state) {
        status.set(state);
        status.pollSucceeded();
        assertThat(status.state()).isEqualTo(state);
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"STARTING", "RUNNING", "OFFSET_PROBLEM"})
    void aPollEndsAnOffsetProblemAndTheStart(State state) {
        status.set(state);
        status.pollSucceeded();
        assertThat(status.state()).isEqualTo(State.RUNNING);
    }

    @Test
    void replaceMovesOnlyFromTheStateGiven() {
        status.set(State.RETRYING);
        status.replace(State.RUNNING, State.KAFKA_UNREACHABLE);
        assertThat(status.state()).isEqualTo(State.RETRYING);
        status.set(State.RUNNING);
        status.replace(State.RUNNING, State.KAFKA_UNREACHABLE);
        assertThat(status.state()).isEqualTo(State.KAFKA_UNREACHABLE);
    }

    @Test
    void theLastErrorIsKeptWithItsTime() {
        assertThat(status.lastError()).isNull();
        status.failed("first", new IllegalStateException("x"));
        time.advanceMillis(1_500);
        status.failed("second", null);
        assertThat(status.lastError()).isEqualTo("second");
        assertThat(status.lastErrorAt()).isEqualTo(time.instant());
    }
}
