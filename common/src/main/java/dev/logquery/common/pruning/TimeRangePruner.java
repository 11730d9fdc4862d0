package dev.logquery.common.pruning;

import dev.logquery.common.query.LogQuery;

/** Excludes when the stored time range and the query's (both inclusive) do not overlap. */
public final class TimeRangePruner implements Pruner {

    @Override
    public String name() {
        return "time";
    }

    @Override
    public boolean applicable(LogQuery query) {
        return true;
    }

    @Override
    public boolean excludes(LogQuery query, Summary s) {
        if (s.minTime() == null || s.maxTime() == null) {
            return false;
        }
        return s.maxTime().isBefore(query.startTime()) || s.minTime().isAfter(query.endTime());
    }
}
