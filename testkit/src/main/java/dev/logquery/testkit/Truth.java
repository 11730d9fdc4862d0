package dev.logquery.testkit;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.LogQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The one truth oracle: what a query must answer, computed in Java from the lines that were written (filter,
 * sort {@link LogOrder#NEWEST_FIRST}, cut at the limit), to compare with what a node or the coordinator
 * answers line for line. Its semantics are the public API's: the time range inclusive at both ends, exact
 * service, namespace and pod, levels as a set, {@code contains} a case-insensitive substring of the message,
 * {@code after} strictly after a position in the order, {@code attributes} every given pair present with exactly
 * that value.
 */
public final class Truth {

    private final List<StoredLogEntry> rows;

    public Truth(List<StoredLogEntry> rows) {
        this.rows = List.copyOf(rows);
    }

    public List<StoredLogEntry> rows() {
        return rows;
    }

    /** These lines and {@code more}: the truth of a test that writes more lines after the first ones. */
    public Truth plus(Truth more) {
        List<StoredLogEntry> all = new ArrayList<>(rows);
        all.addAll(more.rows);
        return new Truth(all);
    }

    public int size() {
        return rows.size();
    }

    /** How many lines shard {@code shard} holds. */
    public long onShard(int shard) {
        return rows.stream().filter(r -> r.shard() == shard).count();
    }

    public Instant oldest() {
        return rows.stream().map(r -> r.entry().timestamp()).min(Comparator.naturalOrder()).orElseThrow();
    }

    public Instant newest() {
        return rows.stream().map(r -> r.entry().timestamp()).max(Comparator.naturalOrder()).orElseThrow();
    }

    public static boolean matches(LogQuery q, StoredLogEntry row) {
        LogEntry e = row.entry();
        if (e.timestamp().isBefore(q.startTime()) || e.timestamp().isAfter(q.endTime())) {
            return false;
        }
        if (q.service() != null && !q.service().equals(e.service())
                || q.levels() != null && !q.levels().contains(e.level())
                || q.namespace() != null && !q.namespace().equals(e.namespace())
                || q.pod() != null && !q.pod().equals(e.pod())) {
            return false;
        }
        if (q.attributes() != null) {
            for (Map.Entry<String, String> a : q.attributes().entrySet()) {
                if (!a.getValue().equals(e.attributes().get(a.getKey()))) {
                    return false;
                }
            }
        }
        if (q.contains() != null
                && !e.message().toLowerCase(Locale.ROOT).contains(q.contains().toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (q.after() != null) {
            LogQuery.Position p = q.after();
            StoredLogEntry at = new StoredLogEntry(new LogEntry(p.timestamp(), "-", LogLevel.INFO, null, null, null, "-"),
                    0, p.kafkaPartition(), p.offset());
            return LogOrder.NEWEST_FIRST.compare(row, at) > 0;
        }
        return true;
    }

    /** Every matching line, newest first, no limit. */
    public List<StoredLogEntry> everything(LogQuery q) {
        return rows.stream().filter(row -> matches(q, row)).sorted(LogOrder.NEWEST_FIRST).toList();
    }

    /** The answer: the matching lines, newest first, cut at the query's limit. */
    public List<StoredLogEntry> expected(LogQuery q) {
        return rows.stream().filter(row -> matches(q, row)).sorted(LogOrder.NEWEST_FIRST).limit(q.limit()).toList();
    }

    /**
     * A row as the public API shows it, one string per row for exact comparison; its attributes (when it has any)
     * at the end, sorted by key.
     */
    public static String key(StoredLogEntry row) {
        LogEntry e = row.entry();
        return String.join("|", Rfc3339.format(e.timestamp()), e.service(), e.level().name(), String.valueOf(e.namespace()),
                String.valueOf(e.pod()), String.valueOf(e.container()), e.message(), Integer.toString(row.shard()))
                + attributes(e.attributes());
    }

    /** A row of the public API's JSON answer, in the form of {@link #key(StoredLogEntry)}. */
    public static String key(JsonNode log) {
        Map<String, String> attributes = new TreeMap<>();
        JsonNode a = log.get("attributes");
        if (a != null && a.isObject()) {
            a.properties().forEach(p -> attributes.put(p.getKey(), p.getValue().asString()));
        }
        return String.join("|", text(log, "timestamp"), text(log, "service"), text(log, "level"),
                text(log, "namespace"), text(log, "pod"), text(log, "container"), text(log, "message"),
                Integer.toString(log.get("partition").asInt())) + attributes(attributes);
    }

    private static String attributes(Map<String, String> attributes) {
        if (attributes.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("|");
        new TreeMap<>(attributes).forEach((k, v) -> b.append(k).append('=').append(v).append(';'));
        return b.toString();
    }

    public static List<String> keys(List<StoredLogEntry> rows) {
        return rows.stream().map(Truth::key).toList();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "null" : v.asString();
    }
}
