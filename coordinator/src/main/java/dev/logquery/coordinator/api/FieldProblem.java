package dev.logquery.coordinator.api;

import java.util.Objects;

/**
 * One thing wrong with a request: the JSON field it concerns ({@code limit}, {@code startTime}, or
 * {@code body} when the document as a whole is unreadable) and a message for a human, which starts
 * with the field's name.
 */
public record FieldProblem(String field, String message) {

    public FieldProblem {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }
}
