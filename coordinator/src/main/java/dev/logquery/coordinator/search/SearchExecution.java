package dev.logquery.coordinator.search;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.scatter.ShardFailure;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One running search: its merged rows (subscribe once) and, as values that come when they are known, what the
 * answer needs besides them.
 *
 * @param rows                 the merged rows, newest first, at most the limit
 * @param failedByFirstRow     the shard failures known when the merge gave its first row (or, without one, when the
 *                             rows ended). The merge gives it once every shard sent its own first row or failed, so a
 *                             shard failing by then makes the whole answer partial: what an NDJSON answer that refuses
 *                             partial answers checks before writing its first line
 * @param summary              the summary, once the rows ended
 */
public record SearchExecution(Flux<StoredLogEntry> rows, Mono<List<ShardFailure>> failedByFirstRow,
                              Mono<SearchSummary> summary) {

    /** An execution whose rows and summary are known already (an answer kept from an earlier search). */
    public static SearchExecution of(List<StoredLogEntry> rows, SearchSummary summary) {
        return new SearchExecution(Flux.fromIterable(rows), Mono.just(summary.failedPartitions()), Mono.just(summary));
    }
}
