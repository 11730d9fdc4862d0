package dev.logquery.coordinator.search;

import dev.logquery.common.query.LogQuery;
import reactor.core.publisher.Mono;

/**
 * Searches a {@link LogQuery}: what every answer of the coordinator is made from. {@link SearchService} asks the
 * shards; a decorator may answer some queries otherwise (the results cache) and delegate the rest, without its
 * callers knowing which.
 */
public interface LogSearch {

    /** Starts a search; nothing is sent to a shard until the returned rows are subscribed. */
    Mono<SearchExecution> search(LogQuery query);
}
