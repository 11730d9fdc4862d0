package dev.logquery.common.pruning;

import dev.logquery.common.query.LogQuery;

/** Excludes when the bloom filter of stored services says the queried service is absent. */
public final class ServiceBloomPruner implements Pruner {

    @Override
    public String name() {
        return "service";
    }

    @Override
    public boolean applicable(LogQuery query) {
        return query.service() != null;
    }

    @Override
    public boolean excludes(LogQuery query, Summary s) {
        return s.services() != null && !s.services().mightContain(query.service());
    }
}
