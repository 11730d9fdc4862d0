package dev.logquery.node.query;

import dev.logquery.common.scan.RangeSql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RangeSqlTest {

    private static final Instant T = Instant.parse("2026-03-01T00:00:00Z");

    @Test
    void onlyTheTimeRangeWhenNothingElseIsAsked() {
        assertThat(RangeSql.sql(LogQueryBuilder.between(T, T).limit(10).build())).isEqualTo(
                "SELECT ts, service, level, namespace, pod, container, message, kafka_partition, kafka_offset, attributes"
                        + " FROM logs"
                        + " WHERE ts >= ? AND ts <= ? ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT ?");
    }

    @Test
    void everyFilterIsABindParameter() {
        LogQuery q = LogQueryBuilder.between(T, T).service("svc'; DROP TABLE logs; --")
                .levels(LevelSet.of(List.of(LogLevel.WARN))).namespace("ns").pod("pod").contains("50%").limit(10)
                .after(new LogQuery.Position(T, 1, 2)).build();
        assertThat(RangeSql.sql(q)).isEqualTo(
                "SELECT ts, service, level, namespace, pod, container, message, kafka_partition, kafka_offset, attributes"
                        + " FROM logs"
                        + " WHERE ts >= ? AND ts <= ? AND service = ? AND level = ANY(?) AND namespace = ? AND pod = ?"
                        + " AND message ILIKE ? ESCAPE '\\' AND (ts, kafka_partition, kafka_offset) < (?, ?, ?)"
                        + " ORDER BY ts DESC, kafka_partition DESC, kafka_offset DESC LIMIT ?");
    }

    @Test
    void theAttributeFilterIsAJsonbContainmentWithItsPairsAsAJsonObject() {
        LogQuery q = LogQueryBuilder.between(T, T).attributes(Map.of("cluster", "eu-1", "k\"ey", "a\\b"))
                .limit(10).build();
        assertThat(RangeSql.sql(q)).contains(" AND attributes @> ?::jsonb ORDER BY");
        assertThat(RangeSql.attributesJson(q.attributes())).isEqualTo("{\"cluster\":\"eu-1\",\"k\\\"ey\":\"a\\\\b\"}");
    }

    @Test
    void storedAttributesReadBackAsAMap() throws Exception {
        assertThat(RangeSql.attributes(null)).isEmpty();
        assertThat(RangeSql.attributes("{\"zone\": \"a\", \"cluster\": \"eu \\\"1\\\"\"}"))
                .containsExactly(Map.entry("cluster", "eu \"1\""), Map.entry("zone", "a"));
    }

    @Test
    void allLevelsIsNoLevelFilter() {
        assertThat(RangeSql.sql(LogQueryBuilder.between(T, T).levels(LevelSet.ALL).limit(10).build()))
                .doesNotContain("level = ");
    }

    @Test
    void containsIsALiteralSubstring() {
        assertThat(RangeSql.likePattern("timeout")).isEqualTo("%timeout%");
        assertThat(RangeSql.likePattern("50%_done\\x")).isEqualTo("%50\\%\\_done\\\\x%");
    }
}
