package dev.logquery.common.pruning;

import dev.logquery.common.model.Attributes;
import dev.logquery.common.query.LogQuery;
import java.util.Map;

/** Excludes when the bloom filter of stored attribute pairs says one of the queried {@code key=value} pairs is absent. */
public final class AttributeBloomPruner implements Pruner {

    @Override
    public String name() {
        return "attributes";
    }

    @Override
    public boolean applicable(LogQuery query) {
        return query.attributes() != null;
    }

    @Override
    public boolean excludes(LogQuery query, Summary s) {
        if (s.attributes() == null) {
            return false;
        }
        for (Map.Entry<String, String> a : query.attributes().entrySet()) {
            if (!s.attributes().mightContain(Attributes.pair(a.getKey(), a.getValue()))) {
                return true;
            }
        }
        return false;
    }
}
