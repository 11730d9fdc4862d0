package dev.logquery.node.chunk;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.ServiceBloom;
import dev.logquery.common.model.LogEntry;
import dev.logquery.node.config.NodeProperties;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Collects the chunk metadata of one batch: one {@link ChunkMetadata} per UTC hour its rows fall in. */
public final class ChunkBuilder {

    private final NodeProperties.Bloom bloom;
    private final Map<Instant, Acc> hours = new HashMap<>();

    public ChunkBuilder(NodeProperties.Bloom bloom) {
        this.bloom = bloom;
    }

    public static Instant hourOf(Instant timestamp) {
        return timestamp.truncatedTo(ChronoUnit.HOURS);
    }

    public void add(LogEntry entry) {
        Instant ts = entry.timestamp();
        Acc acc = hours.computeIfAbsent(hourOf(ts), h -> new Acc(ts));
        if (ts.isBefore(acc.min)) {
            acc.min = ts;
        }
        if (ts.isAfter(acc.max)) {
            acc.max = ts;
        }
        acc.rows++;
        acc.levels |= entry.level().bit();
        acc.services.add(entry.service());
    }

    public Map<Instant, ChunkMetadata> build() {
        Map<Instant, ChunkMetadata> out = new HashMap<>(hours.size() * 2);
        hours.forEach((hour, acc) -> {
            ServiceBloom filter = ServiceBloom.create(bloom.expectedServices(), bloom.fpp());
            acc.services.forEach(filter::put);
            out.put(hour, new ChunkMetadata(hour, acc.min, acc.max, acc.rows, new LevelSet(acc.levels), filter));
        });
        return out;
    }

    private static final class Acc {
        Instant min;
        Instant max;
        long rows;
        int levels;
        final Set<String> services = new HashSet<>();

        Acc(Instant first) {
            min = first;
            max = first;
        }
    }
}
