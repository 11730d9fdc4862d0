package dev.logquery.common.pruning;

import dev.logquery.common.query.LogQuery;

/** One pruning concern. It may exclude a shard or chunk only when its summary proves no row can match. */
public interface Pruner {

    /** Name used in counters ("time", "level", "service"). */
    String name();

    /** Whether the query has the filter this pruner looks at. */
    boolean applicable(LogQuery query);

    /** True only on proof that no row described by {@code summary} can match {@code query}. */
    boolean excludes(LogQuery query, Summary summary);
}
