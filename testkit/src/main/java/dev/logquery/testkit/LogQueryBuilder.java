package dev.logquery.testkit;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import java.time.Instant;

/**
 * Builds a {@link LogQuery} by name instead of nine positional arguments:
 * {@code LogQueryBuilder.between(start, end).service("svc-1").contains("timeout").limit(50).build()}.
 * Unset filters stay absent (null), the limit defaults to the API's.
 */
public final class LogQueryBuilder {

    private final Instant start;
    private final Instant end;
    private String service;
    private LevelSet levels;
    private String namespace;
    private String pod;
    private String contains;
    private int limit = LogQuery.DEFAULT_LIMIT;
    private LogQuery.Position after;
    private java.util.Map<String, String> attributes;

    private LogQueryBuilder(Instant start, Instant end) {
        this.start = start;
        this.end = end;
    }

    /** A query over {@code [start, end]}, both inclusive. */
    public static LogQueryBuilder between(Instant start, Instant end) {
        return new LogQueryBuilder(start, end);
    }

    public LogQueryBuilder service(String value) {
        this.service = value;
        return this;
    }

    public LogQueryBuilder levels(LevelSet value) {
        this.levels = value;
        return this;
    }

    public LogQueryBuilder levels(LogLevel... value) {
        this.levels = LevelSet.of(java.util.List.of(value));
        return this;
    }

    public LogQueryBuilder namespace(String value) {
        this.namespace = value;
        return this;
    }

    public LogQueryBuilder pod(String value) {
        this.pod = value;
        return this;
    }

    public LogQueryBuilder contains(String value) {
        this.contains = value;
        return this;
    }

    public LogQueryBuilder limit(int value) {
        this.limit = value;
        return this;
    }

    public LogQueryBuilder after(LogQuery.Position value) {
        this.after = value;
        return this;
    }

    /** Lines whose attributes hold every one of these pairs (null or empty: no filter). */
    public LogQueryBuilder attributes(java.util.Map<String, String> value) {
        this.attributes = value;
        return this;
    }

    public LogQuery build() {
        return new LogQuery(start, end, service, levels, namespace, pod, contains, limit, after, attributes);
    }
}
