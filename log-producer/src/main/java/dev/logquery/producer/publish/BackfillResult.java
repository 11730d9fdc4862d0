package dev.logquery.producer.publish;

import java.time.Duration;
import java.time.Instant;

/**
 * What a backfill did.
 *
 * @param requested   lines asked for
 * @param submitted   lines handed to the producer (less than requested only when cancelled)
 * @param sent        lines the broker acknowledged
 * @param errors      lines that failed for good
 * @param windowStart earliest timestamp a line could get (inclusive)
 * @param windowEnd   latest timestamp a line could get (inclusive)
 * @param elapsed     wall time from the first send to the last acknowledgement
 * @param cancelled   whether the run was stopped early
 */
public record BackfillResult(
        long requested,
        long submitted,
        long sent,
        long errors,
        Instant windowStart,
        Instant windowEnd,
        Duration elapsed,
        boolean cancelled) {

    /** Acknowledged lines per second of wall time. */
    public double linesPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : sent / seconds;
    }
}
