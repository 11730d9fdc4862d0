package dev.logquery.common.scan;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The SQL that reads one {@link ScanPlan.Range} of a query (public for the query benchmark's single-database
 * baseline, which runs exactly this SQL), in {@code NEWEST_FIRST} order: filters only
 * for what the query asks, every value a bind parameter, and the order of the {@code (ts, kafka_partition,
 * kafka_offset)} index so that PostgreSQL can walk that index backwards and stop at the limit. One
 * statement text serves every range of a query; only the bound values change.
 */
public final class RangeSql {

    static final String COLUMNS = "ts, service, level, namespace, pod, container, message, kafka_partition, kafka_offset,"
            + " attributes";

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private RangeSql() {
    }

    public static String sql(LogQuery q) {
        StringBuilder sql = new StringBuilder(360).append("SELECT ").append(COLUMNS)
                .append(" FROM logs WHERE ");
        appendFilters(sql, q);
        if (q.after() != null) {
            sql.append(" AND (ts, kafka_partition, kafka_offset) < (?, ?, ?)");
        }
        return sql.append(" ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT ?").toString();
    }

    /**
     * Appends the time bounds and the query's filters, as {@link #bindFilters} binds them:
     * {@code ts >= ? AND ts <= ?} then {@code AND} one clause per filter the query has.
     */
    public static void appendFilters(StringBuilder sql, LogQuery q) {
        sql.append("ts >= ? AND ts <= ?");
        if (q.service() != null) {
            sql.append(" AND service = ?");
        }
        if (filtersLevels(q)) {
            sql.append(" AND level = ANY(?)");
        }
        if (q.namespace() != null) {
            sql.append(" AND namespace = ?");
        }
        if (q.pod() != null) {
            sql.append(" AND pod = ?");
        }
        if (q.contains() != null) {
            sql.append(" AND message ILIKE ? ESCAPE '\\'");
        }
        if (q.attributes() != null) {
            sql.append(" AND attributes @> ?::jsonb");
        }
    }

    /**
     * The values of the time bounds and the query's filters (service, levels, namespace, pod, contains, attributes) in
     * the order the WHERE clauses of {@link #appendFilters} (and the node's volume SQL) name them: timestamps as
     * {@link OffsetDateTime} in UTC, the levels as a {@code Short[]} of their codes (an {@code int2[]}), the attribute
     * filter as a {@code Map} (a {@code jsonb} object), everything else as {@code String}. Each driver binds them its
     * own way ({@link #bindAll} for JDBC).
     */
    public static List<Object> filterValues(LogQuery q, ScanPlan.Range range) {
        List<Object> values = new ArrayList<>(8);
        values.add(utc(range.from()));
        values.add(utc(range.to()));
        if (q.service() != null) {
            values.add(q.service());
        }
        if (filtersLevels(q)) {
            List<LogLevel> levels = q.levels().levels();
            Short[] codes = new Short[levels.size()];
            for (int k = 0; k < codes.length; k++) {
                codes[k] = levels.get(k).code();
            }
            values.add(codes);
        }
        if (q.namespace() != null) {
            values.add(q.namespace());
        }
        if (q.pod() != null) {
            values.add(q.pod());
        }
        if (q.contains() != null) {
            values.add(likePattern(q.contains()));
        }
        if (q.attributes() != null) {
            values.add(q.attributes());
        }
        return values;
    }

    /** The values of {@link #sql} for one range, reading at most {@code limit} rows ({@link #filterValues}' types). */
    public static List<Object> values(LogQuery q, ScanPlan.Range range, int limit) {
        List<Object> values = filterValues(q, range);
        if (q.after() != null) {
            values.add(utc(q.after().timestamp()));
            values.add(q.after().kafkaPartition());
            values.add(q.after().offset());
        }
        values.add(limit);
        return values;
    }

    /** Binds {@link #filterValues} from parameter {@code first} on; returns the next parameter's index. */
    public static int bindFilters(PreparedStatement ps, LogQuery q, ScanPlan.Range range, int first)
            throws SQLException {
        return bindAll(ps, filterValues(q, range), first);
    }

    /** Binds the values of {@link #sql} for one range, reading at most {@code limit} rows. */
    public static void bind(PreparedStatement ps, LogQuery q, ScanPlan.Range range, int limit) throws SQLException {
        bindAll(ps, values(q, range, limit), 1);
    }

    /** Binds {@code values} (as {@link #filterValues} makes them) through JDBC from {@code first} on. */
    static int bindAll(PreparedStatement ps, List<Object> values, int first) throws SQLException {
        int i = first;
        for (Object v : values) {
            if (v instanceof Short[] codes) {
                Array array = ps.getConnection().createArrayOf("int2", codes);
                ps.setArray(i++, array);
            } else if (v instanceof Map<?, ?> attributes) {
                @SuppressWarnings("unchecked")
                Map<String, String> strings = (Map<String, String>) attributes;
                ps.setString(i++, attributesJson(strings));
            } else {
                ps.setObject(i++, v);
            }
        }
        return i;
    }

    /** A filter on every level filters nothing; leave it to PostgreSQL only when it removes rows. */
    static boolean filtersLevels(LogQuery q) {
        return q.levels() != null && !q.levels().equals(LevelSet.ALL);
    }

    /** {@code %text%} with the {@code LIKE} wildcards and the escape character of {@code text} escaped. */
    public static String likePattern(String text) {
        StringBuilder p = new StringBuilder(text.length() + 8).append('%');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' || c == '%' || c == '_') {
                p.append('\\');
            }
            p.append(c);
        }
        return p.append('%').toString();
    }

    /**
     * The attribute filter as a {@code jsonb} object of strings: a row's attributes contain it ({@code @>}) exactly
     * when they hold every key with exactly that value (a string inside an object contains only an equal string).
     */
    public static String attributesJson(Map<String, String> attributes) {
        ObjectNode o = JSON.createObjectNode();
        attributes.forEach(o::put);
        return JSON.writeValueAsString(o);
    }

    /** The row at the result set's cursor, as stored on shard {@code shard}. */
    public static StoredLogEntry row(ResultSet rs, int shard) throws SQLException {
        Instant ts = rs.getObject(1, OffsetDateTime.class).toInstant();
        LogEntry entry = new LogEntry(ts, rs.getString(2), LogLevel.fromCode(rs.getShort(3)), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7), attributes(rs.getString(10)));
        return new StoredLogEntry(entry, shard, rs.getInt(8), rs.getLong(9));
    }

    /** A stored {@code attributes} value (a JSON object of strings, or null) as a map. */
    public static Map<String, String> attributes(String json) throws SQLException {
        if (json == null) {
            return Map.of();
        }
        try {
            JsonNode node = JSON.readTree(json);
            Map<String, String> out = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.put(e.getKey(), e.getValue().isString() ? e.getValue().stringValue() : e.getValue().toString());
            }
            return out;
        } catch (JacksonException e) {
            throw new SQLException("stored attributes are not a JSON object: " + e.getOriginalMessage(), "XX000", e);
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
