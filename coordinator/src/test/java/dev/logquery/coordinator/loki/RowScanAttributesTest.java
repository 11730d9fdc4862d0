package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Every page of a Loki scan asks the nodes for the same attribute filter (so that they filter and blooms prune). */
class RowScanAttributesTest {

    static final Instant T = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void everyPageCarriesTheAttributeFilter() {
        List<LogQuery> asked = new CopyOnWriteArrayList<>();
        LogQuery first = Pushdown.of((LogQlAst.LogExpr) LogQl.parse("{service_name=\"api\", cluster=\"eu-1\"}"))
                .query(T.minusSeconds(3600), T, 2);
        List<StoredLogEntry> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(new StoredLogEntry(new LogEntry(T.minusSeconds(i), "api", LogLevel.INFO, null, null, null, "m" + i,
                    Map.of("cluster", "eu-1")), 0, 0, 100 - i));
        }
        List<StoredLogEntry> read = RowScan.rows(query -> {
            asked.add(query);
            int from = asked.size() * 2 - 2;
            List<StoredLogEntry> page = rows.subList(Math.min(from, rows.size()), Math.min(from + query.limit(), rows.size()));
            return Mono.just(SearchExecution.of(page, new SearchSummary(1, 1, 0, false, List.of(), 1, null)));
        }, first, 2, 100, new RowScan.Stats()).collectList().block();
        assertThat(read).hasSize(5);
        assertThat(asked).hasSizeGreaterThan(1).allSatisfy(q -> assertThat(q.attributes()).containsEntry("cluster", "eu-1"));
    }
}
