package dev.logquery.node.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeSqlTest {

    private static final Instant T = Instant.parse("2026-03-01T00:00:00Z");
    private static final long T_US = VolumeSql.micros(T);

    @Test
    void bucketsByStepAndGroupsByTheAskedColumns() {
        LogQuery q = LogQueryBuilder.between(T.minusSeconds(299), T.plusSeconds(600)).limit(1).build();
        VolumeSql.Volume v = VolumeSql.Volume.of(q, T_US, 300_000_000L,
                List.of(VolumeSql.Column.LEVEL, VolumeSql.Column.SERVICE));
        assertThat(VolumeSql.sql(v)).isEqualTo("SELECT (((extract(epoch from ts) * 1000000)::bigint - ? + ?) / ?),"
                + " level, service, count(*), coalesce(sum(octet_length(message)), 0) FROM logs"
                + " WHERE ts >= ? AND ts <= ? GROUP BY 1, 2, 3");
    }

    @Test
    void oneBucketWithoutAStepAndEveryFilterABindParameter() {
        LogQuery q = LogQueryBuilder.between(T, T.plusSeconds(60)).service("svc'; DROP TABLE logs; --")
                .levels(LevelSet.of(List.of(LogLevel.ERROR))).namespace("ns").pod("pod").limit(1).build();
        VolumeSql.Volume v = VolumeSql.Volume.of(q, 0, 0, List.of());
        assertThat(VolumeSql.sql(v)).isEqualTo("SELECT 0::bigint, count(*), coalesce(sum(octet_length(message)), 0)"
                + " FROM logs WHERE ts >= ? AND ts <= ? AND service = ? AND level = ANY(?) AND namespace = ?"
                + " AND pod = ? GROUP BY 1");
    }

    @Test
    void allLevelsIsNoLevelFilter() {
        LogQuery q = LogQueryBuilder.between(T, T).levels(LevelSet.ALL).limit(1).build();
        assertThat(VolumeSql.sql(VolumeSql.Volume.of(q, 0, 0, List.of()))).doesNotContain("level");
    }

    @Test
    void theAttributeFilterCountsOnlyMatchingLines() {
        LogQuery q = LogQueryBuilder.between(T, T).attributes(java.util.Map.of("cluster", "eu-1")).limit(1).build();
        assertThat(VolumeSql.sql(VolumeSql.Volume.of(q, 0, 0, List.of())))
                .endsWith(" FROM logs WHERE ts >= ? AND ts <= ? AND attributes @> ?::jsonb GROUP BY 1");
    }

    @Test
    void theWindowMustNotStartBeforeTheFirstBucket() {
        // bucket k holds origin + (k-1) step < ts <= origin + k step; the ceiling needs ts > origin - step
        LogQuery early = LogQueryBuilder.between(T.minusSeconds(300), T).limit(1).build();
        assertThatThrownBy(() -> VolumeSql.Volume.of(early, T_US, 300_000_000L, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        LogQuery ok = LogQueryBuilder.between(T.minusSeconds(300).plusNanos(1_000), T).limit(1).build();
        assertThat(VolumeSql.Volume.of(ok, T_US, 300_000_000L, List.of()).stepMicros()).isEqualTo(300_000_000L);
    }

    @Test
    void columnsAreOnlyTheStreamColumns() {
        assertThat(VolumeSql.Column.parse("namespace")).isEqualTo(VolumeSql.Column.NAMESPACE);
        assertThatThrownBy(() -> VolumeSql.Column.parse("message; DROP TABLE logs"))
                .isInstanceOf(IllegalArgumentException.class);
        LogQuery q = LogQueryBuilder.between(T, T).limit(1).build();
        assertThatThrownBy(() -> VolumeSql.Volume.of(q, 0, 0, List.of(VolumeSql.Column.POD, VolumeSql.Column.POD)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
