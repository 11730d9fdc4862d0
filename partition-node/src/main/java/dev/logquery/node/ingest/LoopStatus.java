package dev.logquery.node.ingest;

import dev.logquery.node.ingest.IngestLoop.State;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ingest loop is doing and the last thing that went wrong, for the {@code ingest} health component
 * and {@link IngestLoop#status()}. The consumer thread and the writer thread both report here, and health
 * reads at any moment, so every field is volatile and written whole. A transition that depends on the
 * current state ({@link #replace}) is a plain check and set, not atomic: a report overtaken by the other
 * thread is set right at the loop's next pass, which reports again from what it sees.
 */
final class LoopStatus {

    private static final Logger log = LoggerFactory.getLogger(LoopStatus.class);

    private final Clock clock;
    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    LoopStatus(Clock clock) {
        this.clock = clock;
    }

    State state() {
        return state;
    }

    void set(State state) {
        this.state = state;
    }

    /** Moves to {@code to} only from {@code from}: a state that says more (an offset problem, say) stays. */
    void replace(State from, State to) {
        if (state == from) {
            state = to;
        }
    }

    /**
     * A poll succeeded: RUNNING, unless a state that says more is reported (a write being retried, Kafka
     * unreachable, the topic missing). An offset problem stays reported until a poll succeeds.
     */
    void pollSucceeded() {
        State now = state;
        if (now != State.RETRYING && now != State.KAFKA_UNREACHABLE && now != State.WAITING_FOR_TOPIC) {
            state = State.RUNNING;
        }
    }

    /** Logs {@code message} as a warning (with {@code e}'s stack trace, if any) and keeps it as the last error. */
    void failed(String message, Exception e) {
        lastErrorAt = clock.instant();
        lastError = message;
        if (e != null) {
            log.warn(message, e);
        } else {
            log.warn(message);
        }
    }

    String lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }
}
