package dev.logquery.common.query;

import dev.logquery.common.metadata.LevelSet;
import java.time.Instant;
import java.util.Objects;

/**
 * A validated log query, the same on the public API, between coordinator and nodes, and in pruning.
 * The time range is inclusive at both ends ({@code startTime <= ts <= endTime}). Optional filters are
 * null when absent; {@code levels} is null for "any level" (never an empty set). {@code contains} is a
 * case-insensitive substring of the message. {@code after} (a cursor position) restricts the result to
 * rows strictly after that position in {@link dev.logquery.common.order.LogOrder#NEWEST_FIRST}.
 * {@code attributes} (null or empty: no filter) keeps rows whose attributes hold every given key with exactly
 * the given value.
 */
public record LogQuery(
        Instant startTime,
        Instant endTime,
        String service,
        LevelSet levels,
        String namespace,
        String pod,
        String contains,
        int limit,
        Position after,
        java.util.Map<String, String> attributes) {

    public static final int DEFAULT_LIMIT = 100;
    /** The public API's largest {@code limit} unless the coordinator is configured otherwise. */
    public static final int MAX_LIMIT = 10_000;
    /**
     * The largest {@code limit} any query may carry (between coordinator and nodes, and for a coordinator
     * configured for large exports): answers stream, so memory does not grow with it.
     */
    public static final int HARD_MAX_LIMIT = 1_000_000;

    public LogQuery {
        Objects.requireNonNull(startTime, "startTime");
        Objects.requireNonNull(endTime, "endTime");
        if (endTime.isBefore(startTime)) {
            throw new IllegalArgumentException("endTime is before startTime");
        }
        if (limit < 1 || limit > HARD_MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + HARD_MAX_LIMIT + ", is " + limit);
        }
        if (levels != null && levels.isEmpty()) {
            throw new IllegalArgumentException("levels must not be empty (null means any level)");
        }
        attributes = attributes == null || attributes.isEmpty() ? null
                : java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(attributes));
    }

    /** A query without an attribute filter. */
    public LogQuery(Instant startTime, Instant endTime, String service, LevelSet levels, String namespace, String pod,
                    String contains, int limit, Position after) {
        this(startTime, endTime, service, levels, namespace, pod, contains, limit, after, null);
    }

    /** The same filters with this attribute filter (null or empty: none). */
    public LogQuery withAttributes(java.util.Map<String, String> filter) {
        return new LogQuery(startTime, endTime, service, levels, namespace, pod, contains, limit, after, filter);
    }

    /** The same filters with another page position. */
    public LogQuery withAfter(Position position) {
        return new LogQuery(startTime, endTime, service, levels, namespace, pod, contains, limit, position, attributes);
    }

    /**
     * Where a row sits in the global order: {@code (timestamp, kafkaPartition, offset)}, unique per line.
     * A cursor carries the position of the last row of a page.
     */
    public record Position(Instant timestamp, int kafkaPartition, long offset) {
        public Position {
            Objects.requireNonNull(timestamp, "timestamp");
        }
    }
}
