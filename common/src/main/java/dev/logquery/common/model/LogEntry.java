package dev.logquery.common.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One pod log line, as carried in a Kafka record value and stored by a partition node.
 * Timestamps carry microsecond precision (what PostgreSQL keeps); {@code namespace}, {@code pod}
 * and {@code container} are optional Kubernetes identity and may be null. {@code attributes} holds every
 * other label or attribute its sender gave, sorted by key and within {@link Attributes}' bounds (a map out of
 * them is bounded here); it is never null (empty when there are none).
 */
public record LogEntry(
        Instant timestamp,
        String service,
        LogLevel level,
        String namespace,
        String pod,
        String container,
        String message,
        Map<String, String> attributes) {

    public LogEntry {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        if (attributes == null || attributes.isEmpty()) {
            attributes = Map.of();
        } else if (!Attributes.isBounded(attributes)) {
            attributes = Attributes.bound(attributes).attributes();
        }
    }

    /** A line without attributes. */
    public LogEntry(Instant timestamp, String service, LogLevel level, String namespace, String pod, String container,
                    String message) {
        this(timestamp, service, level, namespace, pod, container, message, Map.of());
    }
}
