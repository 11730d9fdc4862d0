package dev.logquery.node.query;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.pruning.Summary;
import dev.logquery.common.query.LogQuery;
import dev.logquery.node.chunk.ChunkBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which rows of this node can answer a query, as SQL time ranges, newest first.
 *
 * <p>The node's hour chunks are walked newest first. Chunks outside the query's time window, and those a
 * {@link PruningService pruner} proves cannot match, are skipped; each maximal run of consecutive kept
 * chunks (consecutive in the node's chunk list: an hour without a chunk holds no row and does not break
 * a run) becomes one range, bounded by its hours and by the query's window. The ranges are disjoint and
 * descending, so reading them one after the other, each in {@code NEWEST_FIRST} order, yields the whole
 * answer in that order, and reading can stop as soon as the limit is reached.
 *
 * <p>A cursor ({@link LogQuery#after()}) narrows the window: rows after a position in the order are at
 * or before its timestamp, so the window ends there and chunks beyond it are skipped by time as well.
 *
 * @param ranges  the SQL time ranges to read, newest first
 * @param skipped chunks skipped per pruner name ({@code time} counts the chunks outside the window too,
 *                so scanned plus skipped is every chunk of the node, unless reading stops early)
 */
public record ScanPlan(List<Range> ranges, Map<String, Integer> skipped) {

    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration MICRO = Duration.of(1, ChronoUnit.MICROS);

    public ScanPlan {
        ranges = List.copyOf(ranges);
        skipped = Collections.unmodifiableMap(new TreeMap<>(skipped));
    }

    /**
     * Timestamps {@code from <= ts <= to}, both on the microsecond grid (PostgreSQL's precision), that
     * cover {@code chunks} consecutive kept hour chunks.
     */
    public record Range(Instant from, Instant to, int chunks) {
    }

    public static ScanPlan of(LogQuery query, NavigableMap<Instant, ChunkMetadata> chunks, PruningService pruning) {
        Map<String, Integer> skipped = new TreeMap<>();
        Instant start = ceilMicros(query.startTime());
        Instant end = readableEnd(query);
        if (end.isBefore(start)) {
            if (!chunks.isEmpty()) {
                skipped.put("time", chunks.size());
            }
            return new ScanPlan(List.of(), skipped);
        }
        // What pruning must judge: the filters over the (possibly narrowed) window.
        LogQuery window = new LogQuery(start, end, query.service(), query.levels(), query.namespace(), query.pod(),
                query.contains(), query.limit(), null, query.attributes());

        List<Range> ranges = new ArrayList<>();
        int outside = chunks.size();
        Instant runNewest = null;
        Instant runOldest = null;
        int runChunks = 0;
        for (ChunkMetadata chunk : chunks.subMap(ChunkBuilder.hourOf(start), true, ChunkBuilder.hourOf(end), true)
                .descendingMap().values()) {
            outside--;
            Optional<String> excludedBy = pruning.excludedBy(window, Summary.of(chunk));
            if (excludedBy.isPresent()) {
                skipped.merge(excludedBy.get(), 1, Integer::sum);
                if (runNewest != null) {
                    ranges.add(range(runOldest, runNewest, runChunks, start, end));
                    runNewest = null;
                }
                continue;
            }
            if (runNewest == null) {
                runNewest = chunk.hour();
                runChunks = 0;
            }
            runOldest = chunk.hour();
            runChunks++;
        }
        if (runNewest != null) {
            ranges.add(range(runOldest, runNewest, runChunks, start, end));
        }
        if (outside > 0) {
            skipped.merge("time", outside, Integer::sum);
        }
        return new ScanPlan(ranges, skipped);
    }

    /** The hours {@code [oldest, newest + 1h)} cut to the window {@code [start, end]}. */
    private static Range range(Instant oldestHour, Instant newestHour, int chunks, Instant start, Instant end) {
        Instant lastMicroOfRun = newestHour.plus(HOUR).minus(MICRO);
        Instant from = oldestHour.isAfter(start) ? oldestHour : start;
        Instant to = lastMicroOfRun.isBefore(end) ? lastMicroOfRun : end;
        return new Range(from, to, chunks);
    }

    /**
     * The plan with pruning switched off: the query's whole window as one range, whatever the chunks say.
     * It reads exactly what a single database without metadata would read; answers must not differ from
     * the pruned plan's, which makes it the reference when pruning is in doubt. Every chunk inside the
     * window counts as scanned, the others as skipped by {@code time} (they hold no row of the window).
     */
    public static ScanPlan unpruned(LogQuery query, NavigableMap<Instant, ChunkMetadata> chunks) {
        Instant start = ceilMicros(query.startTime());
        Instant end = readableEnd(query);
        if (end.isBefore(start)) {
            return new ScanPlan(List.of(), chunks.isEmpty() ? Map.of() : Map.of("time", chunks.size()));
        }
        int inside = chunks.subMap(ChunkBuilder.hourOf(start), true, ChunkBuilder.hourOf(end), true).size();
        int outside = chunks.size() - inside;
        return new ScanPlan(List.of(new Range(start, end, inside)), outside == 0 ? Map.of() : Map.of("time", outside));
    }

    /** The chunks this plan skips, all pruners together. */
    public int chunksSkipped() {
        int n = 0;
        for (int k : skipped.values()) {
            n += k;
        }
        return n;
    }

    /** The chunks this plan reads. */
    public int chunksToScan() {
        int n = 0;
        for (Range r : ranges) {
            n += r.chunks();
        }
        return n;
    }

    static Instant floorMicros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    static Instant ceilMicros(Instant t) {
        Instant floor = t.truncatedTo(ChronoUnit.MICROS);
        return floor.equals(t) ? t : floor.plus(MICRO);
    }

    /**
     * The last instant a query can find a row at: its end, or its cursor's position when that comes first (rows
     * after the cursor are older), on a whole microsecond as rows are stored.
     */
    private static Instant readableEnd(LogQuery query) {
        Instant end = query.endTime();
        if (query.after() != null && query.after().timestamp().isBefore(end)) {
            end = query.after().timestamp();
        }
        return floorMicros(end);
    }
}
