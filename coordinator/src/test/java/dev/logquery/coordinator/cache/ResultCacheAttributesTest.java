package dev.logquery.coordinator.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.search.SearchSummary;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cached answers keep their lines' attributes, and queries that differ only in attributes are cached apart. */
class ResultCacheAttributesTest {

    static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void cachedRowsKeepTheirAttributes() {
        StoredLogEntry with = new StoredLogEntry(new LogEntry(T, "svc", LogLevel.INFO, "ns", "pod", null, "m",
                Map.of("cluster", "eu-1", "zone", "a")), 1, 3, 42);
        StoredLogEntry without = new StoredLogEntry(new LogEntry(T, "svc", LogLevel.UNKNOWN, null, null, null, "n"), 0, 2, 7);
        byte[] value = ResultCache.encode(List.of(with, without), new SearchSummary(3, 2, 1, false, List.of(), 5, null));
        ResultCache.Cached cached = ResultCache.decode(value);
        assertThat(cached.rows()).containsExactly(with, without);
        assertThat(cached.rows().get(0).entry().attributes()).containsExactly(Map.entry("cluster", "eu-1"),
                Map.entry("zone", "a"));
        assertThat(cached.partitionsPruned()).isEqualTo(1);
    }

    @Test
    void theKeyHoldsTheAttributeFilter() {
        LogQuery plain = new LogQuery(T, T.plusSeconds(60), "svc", null, null, null, null, 10, null);
        // the key is a hash of the query's JSON between coordinator and nodes: attributes must be in it
        assertThat(QueryJson.toJson(plain.withAttributes(Map.of("cluster", "eu-1"))))
                .isNotEqualTo(QueryJson.toJson(plain))
                .isNotEqualTo(QueryJson.toJson(plain.withAttributes(Map.of("cluster", "eu-2"))));
    }
}
