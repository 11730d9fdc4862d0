package dev.logquery.node.chunk;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.node.config.NodeProperties;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Collects the chunk metadata of one batch: one {@link ChunkMetadata} per UTC hour its rows fall in, with a
 * bloom filter of its services and one of its attribute pairs ({@link Attributes#pair}; never null, empty
 * when no row of the hour has attributes).
 */
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
        Instant[] range = acc.services.get(entry.service());
        if (range == null) {
            acc.services.put(entry.service(), new Instant[] {ts, ts});
        } else if (ts.isBefore(range[0])) {
            range[0] = ts;
        } else if (ts.isAfter(range[1])) {
            range[1] = ts;
        }
        for (Map.Entry<String, String> a : entry.attributes().entrySet()) {
            acc.pairs.add(Attributes.pair(a.getKey(), a.getValue()));
        }
    }

    public Map<Instant, ChunkMetadata> build() {
        Map<Instant, ChunkMetadata> out = new HashMap<>(hours.size() * 2);
        hours.forEach((hour, acc) -> {
            StringBloom filter = StringBloom.create(bloom.expectedServices(), bloom.fpp());
            acc.services.keySet().forEach(filter::put);
            StringBloom pairs = StringBloom.create(bloom.expectedAttributePairs(), bloom.fpp());
            acc.pairs.forEach(pairs::put);
            out.put(hour, new ChunkMetadata(hour, acc.min, acc.max, acc.rows, new LevelSet(acc.levels), filter, pairs));
        });
        return out;
    }

    /**
     * Per hour, per service, the oldest and newest timestamp of the rows added ({@link ChunkStore#committed(Map, Map)}
     * keeps them to tell which new lines cannot have a stored copy).
     */
    public Map<Instant, Map<String, Instant[]>> serviceRanges() {
        Map<Instant, Map<String, Instant[]>> out = new HashMap<>(hours.size() * 2);
        hours.forEach((hour, acc) -> out.put(hour, acc.services));
        return out;
    }

    private static final class Acc {
        Instant min;
        Instant max;
        long rows;
        int levels;
        /** Per service, its oldest and newest timestamp in the hour. */
        final Map<String, Instant[]> services = new HashMap<>();
        final Set<String> pairs = new HashSet<>();

        Acc(Instant first) {
            min = first;
            max = first;
        }
    }
}
