package dev.logquery.coordinator.tail;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.query.LogQuery;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * What one viewer wants to see; every part is optional (null: no filter). The same filters as the query API,
 * with the same meaning: exact service, namespace and pod, a level set, {@code contains} as a
 * case-insensitive substring of the message, and attribute equalities (every given key with exactly its value).
 */
public record TailFilter(String service, LevelSet levels, String namespace, String pod, String contains,
                         SortedMap<String, String> attributes) {

    public static final TailFilter ALL = new TailFilter(null, null, null, null, null);

    public TailFilter {
        if (levels != null && levels.isEmpty()) {
            throw new IllegalArgumentException("levels must not be empty (null means any level)");
        }
        if (attributes != null && attributes.isEmpty()) {
            attributes = null;
        }
    }

    /** A filter without attribute equalities. */
    public TailFilter(String service, LevelSet levels, String namespace, String pod, String contains) {
        this(service, levels, namespace, pod, contains, null);
    }

    /** Whether the entry passes every filter; {@code lowerMessage} is its message in lower case (computed once per line). */
    public boolean matches(LogEntry e, Supplier<String> lowerMessage) {
        return (service == null || service.equals(e.service()))
                && (levels == null || levels.contains(e.level()))
                && (namespace == null || namespace.equals(e.namespace()))
                && (pod == null || pod.equals(e.pod()))
                && (contains == null || lowerMessage.get().contains(lower(contains)))
                && (attributes == null || hasAttributes(e.attributes()));
    }

    private boolean hasAttributes(Map<String, String> of) {
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            if (!a.getValue().equals(of.get(a.getKey()))) {
                return false;
            }
        }
        return true;
    }

    public boolean matches(LogEntry e) {
        return matches(e, () -> lower(e.message()));
    }

    /** The stored-lines query of the same filters over {@code [start, end]}, newest first, at most {@code limit}. */
    public LogQuery query(Instant start, Instant end, int limit) {
        return new LogQuery(start, end, service, levels, namespace, pod, contains, limit, null, attributes);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
