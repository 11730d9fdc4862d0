package dev.logquery.common.pruning;

import dev.logquery.common.query.LogQuery;

/** Excludes when none of the query's levels is among the stored ones. */
public final class LevelPruner implements Pruner {

    @Override
    public String name() {
        return "level";
    }

    @Override
    public boolean applicable(LogQuery query) {
        return query.levels() != null;
    }

    @Override
    public boolean excludes(LogQuery query, Summary s) {
        // An empty stored set with rows behind it would be inconsistent metadata: it proves nothing.
        if (s.levels() == null || s.levels().isEmpty()) {
            return false;
        }
        return !s.levels().intersects(query.levels());
    }
}
