package dev.logquery.producer.generate;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Synthetic pod log lines of a {@link ClusterTopology}: the same seed and service count give the same
 * sequence of lines for the same timestamps.
 *
 * <p>Services are picked by weight (the gateway logs most), pods uniformly among the service's pods.
 * Levels follow a typical production mix: INFO 70 %, DEBUG 15 %, WARN 10 %, ERROR 4 %, TRACE and FATAL
 * 0.5 % each. Timestamps are cut to microseconds, the precision the system stores, so every line
 * survives an encode/decode round trip unchanged.
 *
 * <p>Plain Java, no Spring, not thread-safe: use one generator per thread.
 */
public final class SyntheticLogGenerator {

    /** Cumulative level thresholds out of 10,000: TRACE, DEBUG, INFO, WARN, ERROR, FATAL. */
    private static final int[] LEVEL_THRESHOLDS = {50, 1550, 8550, 9550, 9950, 10_000};
    private static final LogLevel[] LEVELS = LogLevel.values();

    private final ClusterTopology topology;
    private final Dice dice;
    private final MessageFactory messages;

    /** A generator over a freshly derived cluster of {@code serviceCount} services. */
    public SyntheticLogGenerator(int serviceCount, long seed) {
        this(ClusterTopology.generate(serviceCount, seed), seed);
    }

    /** A generator over an existing topology; {@code seed} drives the line sequence. */
    public SyntheticLogGenerator(ClusterTopology topology, long seed) {
        this.topology = topology;
        this.dice = new Dice(ClusterTopology.mix(seed, "lines"));
        this.messages = new MessageFactory(dice);
    }

    public ClusterTopology topology() {
        return topology;
    }

    /** The next line, stamped with {@code timestamp} (cut to microseconds). */
    public LogEntry next(Instant timestamp) {
        ServiceSpec service = topology.pick(dice.nextDouble());
        String pod = dice.pick(service.pods());
        LogLevel level = level(dice.nextInt(10_000));
        return new LogEntry(timestamp.truncatedTo(ChronoUnit.MICROS), service.name(), level, service.namespace(),
                pod, service.container(), messages.message(service, level));
    }

    private static LogLevel level(int roll) {
        for (int i = 0; i < LEVEL_THRESHOLDS.length; i++) {
            if (roll < LEVEL_THRESHOLDS[i]) {
                return LEVELS[i];
            }
        }
        throw new IllegalStateException("roll out of range: " + roll);
    }
}
