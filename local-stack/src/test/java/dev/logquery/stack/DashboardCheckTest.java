package dev.logquery.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class DashboardCheckTest {

    private static final Path DASHBOARDS = Path.of("..", "grafana", "dashboards");

    @Test
    void theLogsDashboardsQueriesGoToTheCoordinatorTheOthersToPrometheus() throws Exception {
        List<DashboardCheck.PanelQuery> queries = DashboardCheck.queries(DASHBOARDS);
        List<DashboardCheck.PanelQuery> loki = queries.stream().filter(DashboardCheck.PanelQuery::loki).toList();
        assertThat(loki).extracting(DashboardCheck.PanelQuery::dashboard).containsOnly("logs");
        assertThat(loki).extracting(DashboardCheck.PanelQuery::panel)
                .containsExactlyInAnyOrder("Log volume by level", "Top services by error rate", "Newest lines");
        assertThat(queries.stream().filter(q -> !q.loki()).map(DashboardCheck.PanelQuery::dashboard))
                .doesNotContain("logs").isNotEmpty();
    }

    @Test
    void lokiQueriesAreSentAsGrafanaSendsThem() throws Exception {
        Instant now = Instant.parse("2026-03-01T12:00:00.500Z");
        String range = URLDecoder.decode(DashboardCheck.lokiUri("http://localhost:8080", new DashboardCheck.PanelQuery("logs",
                "p", "sum by (level) (count_over_time({level=~\".+\"}[$__interval]))", true, false), now).toString(),
                StandardCharsets.UTF_8);
        long end = Instant.parse("2026-03-01T12:00:00Z").getEpochSecond() * 1_000_000_000L;
        assertThat(range).isEqualTo("http://localhost:8080/loki/api/v1/query_range?query=sum by (level) (count_over_time("
                + "{level=~\".+\"}[1m]))&start=" + (end - 900_000_000_000L) + "&end=" + end
                + "&step=60s&limit=100&direction=backward");
        String instant = URLDecoder.decode(DashboardCheck.lokiUri("http://c", new DashboardCheck.PanelQuery("logs", "p",
                "sum(rate({level=\"error\"}[$__range]))", true, true), now).toString(), StandardCharsets.UTF_8);
        assertThat(instant).isEqualTo("http://c/loki/api/v1/query?query=sum(rate({level=\"error\"}[15m]))&time=" + end);
    }

    @Test
    void aLokiAnswerPassesWithLinesOrNumbers() {
        JsonMapper json = JsonMapper.builder().build();
        assertThat(DashboardCheck.lokiVerdict(json.readTree("{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
                + "\"result\":[{\"stream\":{},\"values\":[[\"1\",\"a\"],[\"2\",\"b\"]]}]}}"))).isEqualTo("ok 2 lines");
        assertThat(DashboardCheck.lokiVerdict(json.readTree("{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
                + "\"result\":[]}}"))).isEqualTo("no lines");
        assertThat(DashboardCheck.lokiVerdict(json.readTree("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                + "\"result\":[{\"metric\":{},\"values\":[[1,\"3\"]]}]}}"))).isEqualTo("ok 1 series");
        assertThat(DashboardCheck.lokiVerdict(json.readTree("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                + "\"result\":[]}}"))).startsWith("empty result");
    }
}
