package dev.logquery.node.query;

import dev.logquery.common.model.LogLevel;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Counts lines and bytes per bucket and group ({@link VolumeSql}) over the ranges of a {@link ScanPlan}, on the
 * JDBC scheduler (never the caller's thread), in one read-only transaction with the queries'
 * {@code statement_timeout}. The groups are summed in memory, at most {@code maxGroups} of them (more fail the
 * volume with {@link TooManyGroupsException}), so the answer's size is bounded whatever the lines.
 */
public final class VolumeExecutor {

    /** One bucket of one group: its column values (in the order asked; levels by name), lines and bytes. */
    public record Group(long bucket, List<String> values, long count, long bytes) {
    }

    /** More groups than the caller allows. */
    public static final class TooManyGroupsException extends RuntimeException {
        public TooManyGroupsException(int max) {
            super("more than " + max + " groups (buckets times label values) in a volume");
        }
    }

    private final DataSource dataSource;
    private final Scheduler jdbc;
    private final NodeProperties.Query settings;

    public VolumeExecutor(DataSource dataSource, Scheduler jdbc, NodeProperties.Query settings) {
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.settings = settings;
    }

    public Mono<List<Group>> execute(VolumeSql.Volume volume, ScanPlan plan, int maxGroups) {
        if (plan.ranges().isEmpty()) {
            return Mono.just(List.of());
        }
        return Mono.fromCallable(() -> run(volume, plan, maxGroups)).subscribeOn(jdbc)
                .onErrorMap(e -> !(e instanceof TooManyGroupsException), QueryFailedException::of);
    }

    private record Key(long bucket, List<String> values) {
    }

    private List<Group> run(VolumeSql.Volume volume, ScanPlan plan, int maxGroups) throws SQLException {
        Map<Key, long[]> sums = new LinkedHashMap<>();
        int columns = volume.groupBy().size();
        int levelIndex = volume.groupBy().indexOf(VolumeSql.Column.LEVEL);
        Transactions.readOnly(dataSource, settings.statementTimeout(), c -> {
            try (PreparedStatement ps = c.prepareStatement(VolumeSql.sql(volume))) {
                for (ScanPlan.Range range : plan.ranges()) {
                    VolumeSql.bind(ps, volume, range);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long bucket = rs.getLong(1);
                            String[] values = new String[columns];
                            for (int i = 0; i < columns; i++) {
                                values[i] = i == levelIndex ? LogLevel.fromCode(rs.getShort(i + 2)).name()
                                        : rs.getString(i + 2);
                            }
                            long[] sum = sums.computeIfAbsent(new Key(bucket, Arrays.asList(values)),
                                    k -> new long[2]);
                            sum[0] += rs.getLong(columns + 2);
                            sum[1] += rs.getLong(columns + 3);
                            if (sums.size() > maxGroups) {
                                throw new TooManyGroupsException(maxGroups);
                            }
                        }
                    }
                }
            }
            return sums;
        });
        List<Group> out = new ArrayList<>(sums.size());
        sums.forEach((k, v) -> out.add(new Group(k.bucket(), k.values(), v[0], v[1])));
        return out;
    }
}
