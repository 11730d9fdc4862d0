package dev.logquery.coordinator.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchSummary;
import dev.logquery.coordinator.topology.Shard;
import dev.logquery.testkit.LogQueryBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The results cache as a decorator of the search: when it answers, when it asks the search, what it keeps. */
class CachedSearchTest {

    static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    static final LogQuery QUERY = LogQueryBuilder.between(T0, T0.plusSeconds(3600)).limit(2).build();
    static final SearchSummary COMPLETE = new SearchSummary(2, 2, 0, false, List.of(), 9, "cursor");

    final ResultCache cache = mock(ResultCache.class);
    final ShardCatalog catalog = mock(ShardCatalog.class);
    final LogSearch search = mock(LogSearch.class);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final CachedSearch cached = new CachedSearch(search, cache, catalog, new QueryMetrics(registry));

    static StoredLogEntry row(long offset) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(offset), "svc", LogLevel.INFO, null, null, null,
                "m" + offset), 0, 0, offset);
    }

    /** A shard whose metadata is known: one hour chunk at the start of the window. */
    static ShardState known(int id) {
        StringBloom bloom = StringBloom.create(64, 0.01);
        bloom.put("svc");
        ChunkMetadata chunk = new ChunkMetadata(T0.truncatedTo(ChronoUnit.HOURS), T0, T0.plusSeconds(10), 10,
                LevelSet.of(List.of(LogLevel.INFO)), bloom);
        PartitionMetadata m = new PartitionMetadata(id, 3, List.of(id), 10, T0, T0.plusSeconds(10),
                LevelSet.of(List.of(LogLevel.INFO)), bloom, List.of(chunk), T0);
        return new ShardState(new Shard(id, "http://s" + id), m, Instant.now());
    }

    SearchExecution run(LogQuery query) {
        return cached.search(query).block(Duration.ofSeconds(5));
    }

    @Test
    void aQueryThatMayNotBeCachedIsTheSearchs() {
        when(cache.cacheable(QUERY)).thenReturn(false);
        SearchExecution searched = SearchExecution.of(List.of(row(1)), COMPLETE);
        when(search.search(QUERY)).thenReturn(Mono.just(searched));
        assertThat(run(QUERY)).isSameAs(searched);
        verify(cache, never()).get(any(), anyString());
    }

    @Test
    void aCachedAnswerIsServedWithoutASearch() {
        when(cache.cacheable(QUERY)).thenReturn(true);
        when(catalog.current()).thenReturn(Mono.just(List.of(known(0), known(1))));
        when(cache.get(eq(QUERY), anyString()))
                .thenReturn(Mono.just(new ResultCache.Cached(List.of(row(2), row(1)), 2, 1, 1, "next")));
        SearchExecution e = run(QUERY);
        assertThat(e.rows().collectList().block()).containsExactly(row(2), row(1));
        SearchSummary summary = e.summary().block();
        assertThat(summary.partial()).isFalse();
        assertThat(summary.partitionsTotal()).isEqualTo(2);
        assertThat(summary.partitionsPruned()).isEqualTo(1);
        assertThat(summary.nextCursor()).isEqualTo("next");
        assertThat(e.failedByFirstRow().block()).isEmpty();
        verify(search, never()).search(any());
        assertThat(registry.get(QueryMetrics.EXECUTION_TIME).timer().count()).as("a cached answer is an answer")
                .isEqualTo(1);
    }

    @Test
    void aMissIsSearchedAndKeptOnceItsRowsCameWhole() {
        when(cache.cacheable(QUERY)).thenReturn(true);
        when(catalog.current()).thenReturn(Mono.just(List.of(known(0))));
        when(cache.get(eq(QUERY), anyString())).thenReturn(Mono.empty());
        when(search.search(QUERY)).thenAnswer(call -> Mono.just(SearchExecution.of(List.of(row(2), row(1)), COMPLETE)));

        SearchExecution cut = run(QUERY);
        assertThat(cut.rows().take(1).collectList().block()).containsExactly(row(2));
        verify(cache, never()).put(any(), anyString(), any(), any());

        SearchExecution whole = run(QUERY);
        assertThat(whole.rows().collectList().block()).containsExactly(row(2), row(1));
        assertThat(whole.summary().block()).isEqualTo(COMPLETE);
        String fingerprint = ResultCache.dataFingerprint(QUERY, List.of(known(0))).orElseThrow();
        verify(cache).put(QUERY, fingerprint, List.of(row(2), row(1)), COMPLETE);
    }

    @Test
    void withoutEveryShardsMetadataTheAnswerCannotBeTiedToItsDataAndIsSearched() {
        when(cache.cacheable(QUERY)).thenReturn(true);
        when(catalog.current()).thenReturn(Mono.just(List.of(known(0),
                new ShardState(new Shard(1, "http://s1"), null, Instant.now()))));
        SearchSummary partial = new SearchSummary(2, 2, 0, true, List.of(new ShardFailure(1, "timeout")), 9, null);
        when(search.search(QUERY)).thenReturn(Mono.just(SearchExecution.of(List.of(row(1)), partial)));
        assertThat(run(QUERY).summary().block()).isEqualTo(partial);
        verify(cache, never()).get(any(), anyString());

        when(catalog.current()).thenReturn(Mono.error(new IllegalStateException("catalog unreadable")));
        assertThat(run(QUERY).summary().block()).as("a catalog it cannot read costs the cache, not the answer")
                .isEqualTo(partial);
        verify(cache, never()).get(any(), anyString());
    }
}
