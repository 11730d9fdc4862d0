package dev.logquery.gateway.ingest;

import org.springframework.http.HttpStatus;

/**
 * Why a push as a whole is answered with an error: the status and a message that names the problem (the field,
 * the limit, the setting). {@code retryAfter} is true for answers a client should retry later (429, 503).
 */
public final class PushFailure extends RuntimeException {

    private final HttpStatus status;
    private final boolean retryAfter;

    private PushFailure(HttpStatus status, String message, boolean retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public static PushFailure badRequest(String message) {
        return new PushFailure(HttpStatus.BAD_REQUEST, message, false, null);
    }

    public static PushFailure tooLarge(String message) {
        return new PushFailure(HttpStatus.CONTENT_TOO_LARGE, message, false, null);
    }

    public static PushFailure unsupported(String message) {
        return new PushFailure(HttpStatus.UNSUPPORTED_MEDIA_TYPE, message, false, null);
    }

    public static PushFailure overloaded(String message) {
        return new PushFailure(HttpStatus.TOO_MANY_REQUESTS, message, true, null);
    }

    public static PushFailure unavailable(String message, Throwable cause) {
        return new PushFailure(HttpStatus.SERVICE_UNAVAILABLE, message, true, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public boolean retryAfter() {
        return retryAfter;
    }
}
