package dev.logquery.node.ingest;

import dev.logquery.node.ingest.IngestLoop.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka answers. While Kafka is unreachable the consumer keeps its position and reconnects by itself,
 * and an idle poll cannot tell: it returns nothing whether Kafka is there or not. So after
 * {@value #CHECK_AFTER_MS} ms without a record (and with no batch gathered) the loop asks for the log end
 * offsets of its partitions ({@link #check}); when that times out, it reports
 * {@link State#KAFKA_UNREACHABLE} and, once, the error with the time since when, and goes on where it stopped
 * once Kafka answers again. Any answer ends an outage: records, log end offsets, a topic's description. Then
 * the topic's id is compared again ({@code onBack}): it may have been deleted and created again meanwhile.
 *
 * <p>Used by the consumer thread; {@link #unreachableSince} is read by health too. Time comes from an injected
 * nanosecond clock (elapsed time, as {@link System#nanoTime}) and a {@link Clock} (the instant reported).
 */
final class KafkaReachability {

    private static final Logger log = LoggerFactory.getLogger(KafkaReachability.class);
    static final long CHECK_AFTER_MS = 5_000;
    /** How long Kafka has to answer a check (log end offsets, a topic's id). */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);

    /** Asks Kafka for the log end offsets of the partitions consumed, within {@link #CHECK_TIMEOUT}. */
    @FunctionalInterface
    interface LogEndRequest {
        void ask(Duration timeout);
    }

    private final String bootstrapServers;
    private final LoopStatus status;
    private final Supplier<String> position;
    private final LongSupplier nanos;
    private final Clock clock;
    private final Runnable onBack;
    private long lastHeard; // consumer thread only
    private volatile Instant unreachableSince;

    /**
     * @param position where ingestion goes on from once Kafka is back (the stored offsets), for the error
     * @param onBack   runs when Kafka answers after an outage was reported
     */
    KafkaReachability(String bootstrapServers, LoopStatus status, Supplier<String> position, LongSupplier nanos,
                      Clock clock, Runnable onBack) {
        this.bootstrapServers = bootstrapServers;
        this.status = status;
        this.position = position;
        this.nanos = nanos;
        this.clock = clock;
        this.onBack = onBack;
        this.lastHeard = nanos.getAsLong();
    }

    /** A consumer starts: its silence counts from now. */
    void consumerStarted() {
        lastHeard = nanos.getAsLong();
    }

    /** Records came: they are an answer too (the end of an outage may show first as records). */
    void recordsArrived() {
        lastHeard = nanos.getAsLong();
        answered();
    }

    /** No record for {@value #CHECK_AFTER_MS} ms since Kafka last answered: time to {@link #check}. */
    boolean quietTooLong() {
        return nanos.getAsLong() - lastHeard >= CHECK_AFTER_MS * 1_000_000;
    }

    /**
     * Whether Kafka answers {@code request} in time. A timeout reports an unreachable Kafka (once, until it
     * answers again); the consumer reconnects by itself and keeps its position. Other failures propagate.
     */
    boolean check(LogEndRequest request) {
        try {
            request.ask(CHECK_TIMEOUT);
        } catch (TimeoutException e) {
            unreachable("does not answer (no log end offsets within " + CHECK_TIMEOUT.toSeconds() + " s)", "it is back");
            return false;
        }
        answered();
        lastHeard = nanos.getAsLong();
        return true;
    }

    /**
     * Kafka did not answer: the first time since it last did, {@code problem} is reported as the last error
     * (with where ingestion goes on from {@code when} it answers); a running loop reports
     * {@link State#KAFKA_UNREACHABLE}, another state (retrying a write, waiting for the topic) stays.
     */
    void unreachable(String problem, String when) {
        if (unreachableSince == null) {
            unreachableSince = clock.instant();
            status.failed("Kafka at " + bootstrapServers + " " + problem + "; waiting, and going on from offsets "
                    + position.get() + " when " + when, null);
        }
        status.replace(State.RUNNING, State.KAFKA_UNREACHABLE);
    }

    /** Kafka answered: an outage reported before is over. */
    void answered() {
        Instant since = unreachableSince;
        if (since != null) {
            log.info("Kafka at {} answers again after {}", bootstrapServers, Duration.between(since, clock.instant()));
            unreachableSince = null;
            onBack.run();
        }
        status.replace(State.KAFKA_UNREACHABLE, State.RUNNING);
    }

    /** Since when Kafka does not answer; null while it does. */
    Instant unreachableSince() {
        return unreachableSince;
    }
}
