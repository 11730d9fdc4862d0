package dev.logquery.coordinator.admission;

/** A query refused because the coordinator runs and queues as many as it may: answered {@code 429}. */
public class OverloadedException extends RuntimeException {

    public OverloadedException(String message) {
        super(message, null, false, false);
    }
}
