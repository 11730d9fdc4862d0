package dev.logquery.node.query;

import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The SQL that counts the lines and message bytes of one {@link ScanPlan.Range} per time bucket and per the asked
 * stream columns, for {@code POST /internal/volume}: {@code SELECT <bucket>, <columns>, count(*),
 * sum(octet_length(message)) FROM logs WHERE <window and filters> GROUP BY <bucket>, <columns>}. Every value is a
 * bind parameter. A bucket is Loki's step: bucket {@code k} holds the lines with
 * {@code origin + (k - 1) * step < ts <= origin + k * step} (the point at {@code origin + k * step} of a range
 * aggregation whose range equals the step), computed on whole microseconds (PostgreSQL's precision) as
 * {@code (ts_us - origin_us + step_us - 1) / step_us}, which is the ceiling because the window never starts
 * before {@code origin - step} (checked by {@link Volume#of}). A step of zero puts every line in bucket 0.
 */
public final class VolumeSql {

    /** A stream column the counts can be grouped by. */
    public enum Column {
        SERVICE, LEVEL, NAMESPACE, POD, CONTAINER;

        public String sqlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Column parse(String name) {
            for (Column c : values()) {
                if (c.sqlName().equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("not a groupable column: " + name);
        }
    }

    /**
     * What to count: the query's window and filters ({@code limit} and {@code after} are not used), the buckets,
     * and the columns to group by.
     *
     * @param originMicros epoch microseconds of bucket 0's upper bound
     * @param stepMicros   bucket width in microseconds; 0: a single bucket
     */
    public record Volume(LogQuery query, long originMicros, long stepMicros, List<Column> groupBy) {
        public Volume {
            groupBy = List.copyOf(groupBy);
            if (stepMicros < 0) {
                throw new IllegalArgumentException("step must not be negative");
            }
            if (query.after() != null) {
                throw new IllegalArgumentException("a volume has no cursor");
            }
            if (stepMicros > 0 && micros(query.startTime()) <= originMicros - stepMicros) {
                throw new IllegalArgumentException("startTime must be after origin - step");
            }
            if (groupBy.size() != groupBy.stream().distinct().count()) {
                throw new IllegalArgumentException("a column is named twice in groupBy");
            }
        }

        public static Volume of(LogQuery query, long originMicros, long stepMicros, List<Column> groupBy) {
            return new Volume(query, originMicros, stepMicros, groupBy);
        }
    }

    private VolumeSql() {
    }

    public static String sql(Volume v) {
        LogQuery q = v.query();
        StringBuilder sql = new StringBuilder(400).append("SELECT ");
        if (v.stepMicros() == 0) {
            sql.append("0::bigint");
        } else {
            sql.append("(((extract(epoch from ts) * 1000000)::bigint - ? + ?) / ?)");
        }
        for (Column c : v.groupBy()) {
            sql.append(", ").append(c.sqlName());
        }
        sql.append(", count(*), coalesce(sum(octet_length(message)), 0) FROM logs WHERE ");
        RangeSql.appendFilters(sql, q);
        sql.append(" GROUP BY 1");
        for (int i = 0; i < v.groupBy().size(); i++) {
            sql.append(", ").append(i + 2);
        }
        return sql.toString();
    }

    /** Binds the values of {@link #sql} for one range of the plan. */
    public static void bind(PreparedStatement ps, Volume v, ScanPlan.Range range) throws SQLException {
        LogQuery q = v.query();
        int i = 1;
        if (v.stepMicros() != 0) {
            ps.setLong(i++, v.originMicros());
            ps.setLong(i++, v.stepMicros() - 1);
            ps.setLong(i++, v.stepMicros());
        }
        RangeSql.bindFilters(ps, q, range, i);
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }
}
