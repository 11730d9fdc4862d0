package dev.logquery.node.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Time that moves only when a test says so: the wall clock ({@link Clock}) and elapsed nanoseconds (as
 * {@link System#nanoTime}) together. The nanosecond origin is negative, as {@code nanoTime}'s may be, so code
 * that assumes it starts at 0 fails here.
 */
final class FakeTime extends Clock {

    private Instant now = Instant.parse("2026-03-10T12:00:00Z");
    private long nanos = -7_000_000_000_000L;

    void advance(Duration d) {
        now = now.plus(d);
        nanos += d.toNanos();
    }

    void advanceMillis(long millis) {
        advance(Duration.ofMillis(millis));
    }

    long nanos() {
        return nanos;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a fake clock stays in UTC");
    }
}
