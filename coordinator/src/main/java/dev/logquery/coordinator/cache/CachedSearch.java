package dev.logquery.coordinator.cache;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A search behind the {@link ResultCache}: a query about the past is answered from the cache when it holds an answer
 * for the data the shards hold now (their metadata's fingerprint, taken before the search), else searched by the
 * search it decorates and, once its rows came whole, kept under that fingerprint. Everything else is the decorated
 * search's. A caller cannot tell a cached answer from a searched one but by its {@code tookMs}.
 *
 * <p>Only answers read whole are kept: rows cut short by their reader (a JSON page ended early by its size, a client
 * gone) are not the query's answer.
 *
 * @param searched the search it decorates
 * @param catalog  where the shards' metadata, and so the fingerprint of the data, comes from
 * @param metrics  a cached answer is an answer: its time counts in {@code query.execution.time}
 */
public record CachedSearch(LogSearch searched, ResultCache cache, ShardCatalog catalog, QueryMetrics metrics)
        implements LogSearch {

    @Override
    public Mono<SearchExecution> search(LogQuery query) {
        if (!cache.cacheable(query)) {
            return searched.search(query);
        }
        return catalog.current()
                .map(shards -> ResultCache.dataFingerprint(query, shards).orElse(""))
                .onErrorReturn("")
                .flatMap(fingerprint -> fingerprint.isEmpty() ? searched.search(query)
                        : cachedOrSearched(query, fingerprint));
    }

    private Mono<SearchExecution> cachedOrSearched(LogQuery query, String fingerprint) {
        long started = System.nanoTime();
        return cache.get(query, fingerprint)
                .map(cached -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    metrics.executed(took);
                    return SearchExecution.of(cached.rows(), new SearchSummary(cached.partitionsTotal(),
                            cached.partitionsQueried(), cached.partitionsPruned(), false, List.of(), took.toMillis(),
                            cached.nextCursor()));
                })
                .switchIfEmpty(Mono.defer(() -> searched.search(query).map(e -> keeping(query, fingerprint, e))));
    }

    /**
     * {@code searched} with its rows remembered as they pass (at most the query's limit, which a cacheable query
     * keeps small) and stored with its summary once they completed; the cache keeps only complete answers.
     */
    private SearchExecution keeping(LogQuery query, String fingerprint, SearchExecution searched) {
        List<StoredLogEntry> rows = new ArrayList<>();
        Flux<StoredLogEntry> passing = searched.rows()
                .doOnNext(rows::add)
                .doOnComplete(() -> searched.summary()
                        .subscribe(summary -> cache.put(query, fingerprint, rows, summary)));
        return new SearchExecution(passing, searched.failedByFirstRow(), searched.summary());
    }
}
