package dev.logquery.coordinator.tail;

import java.util.Objects;

/** A valid {@code GET /api/tail}: what to show, and what to replay first ({@code since}, null for nothing). */
public record TailRequest(TailFilter filter, Since since) {

    public TailRequest {
        Objects.requireNonNull(filter, "filter");
    }
}
