package dev.logquery.producer.config;

/** What the producer does after startup. */
public enum ProducerMode {
    /** Emit lines at {@code logquery.producer.rate} per second with timestamps = now, until stopped. */
    LIVE,
    /** Write {@code logquery.producer.backfill.lines} lines over a past window, then idle (or exit). */
    BACKFILL,
    /** Send nothing; the app only serves its status and metrics. */
    OFF
}
