package dev.logquery.common.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One pod log line, as carried in a Kafka record value and stored by a partition node.
 * Timestamps carry microsecond precision (what PostgreSQL keeps); {@code namespace}, {@code pod}
 * and {@code container} are optional Kubernetes identity and may be null.
 */
public record LogEntry(
        Instant timestamp,
        String service,
        LogLevel level,
        String namespace,
        String pod,
        String container,
        String message) {

    public LogEntry {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
    }
}
