package dev.logquery.common.pruning;

import dev.logquery.common.query.LogQuery;
import java.util.List;
import java.util.Optional;

/**
 * Applies pruners cheapest first and says which one, if any, proved that a shard or chunk cannot match.
 * Pure: counting what each pruner removed is the caller's business (it gets the pruner's name).
 */
public final class PruningService {

    private final List<Pruner> cheapestFirst;

    public PruningService(List<Pruner> cheapestFirst) {
        this.cheapestFirst = List.copyOf(cheapestFirst);
    }

    /** Time range, then level set, then the bloom filters of services and of attribute pairs (which hash). */
    public static PruningService standard() {
        return new PruningService(List.of(new TimeRangePruner(), new LevelPruner(), new ServiceBloomPruner(),
                new AttributeBloomPruner()));
    }

    /** The name of the pruner that excludes {@code summary} for {@code query}; empty means "query it". */
    public Optional<String> excludedBy(LogQuery query, Summary summary) {
        for (Pruner p : cheapestFirst) {
            if (p.applicable(query) && p.excludes(query, summary)) {
                return Optional.of(p.name());
            }
        }
        return Optional.empty();
    }
}
