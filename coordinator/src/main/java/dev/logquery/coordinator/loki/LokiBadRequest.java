package dev.logquery.coordinator.loki;

/** A request that Loki would answer 400: the message is the plain-text body. */
public class LokiBadRequest extends RuntimeException {

    public LokiBadRequest(String message) {
        super(message, null, false, false);
    }
}
