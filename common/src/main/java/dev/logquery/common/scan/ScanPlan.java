package dev.logquery.common.scan;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.pruning.Summary;
import dev.logquery.common.query.LogQuery;
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
 * <p>A query with a {@code contains} text that has {@link Trigrams} goes down to the blocks of each kept chunk
 * ({@link BlockFilters}, the node's text index): the blocks inside the window are walked newest first, those whose
 * filter lacks a trigram of the text are skipped (and cut the run), the others extend it; a chunk with no kept
 * block counts as skipped by {@value #TEXT}. So the ranges stay disjoint and descending, runs of kept blocks merge,
 * and a chunk is counted once as scanned (in the newest range holding one of its blocks) or once as skipped: scanned
 * plus skipped is still every chunk of the node. Texts without a trigram read whole chunks, as before.
 *
 * <p>A cursor ({@link LogQuery#after()}) narrows the window: rows after a position in the order are at
 * or before its timestamp, so the window ends there and chunks beyond it are skipped by time as well.
 *
 * @param ranges  the SQL time ranges to read, newest first
 * @param skipped chunks skipped per pruner name ({@code time} counts the chunks outside the window too,
 *                so scanned plus skipped is every chunk of the node, unless reading stops early)
 * @param blocksSkipped text-index blocks skipped, in chunks read and in chunks skipped by {@value #TEXT}
 */
public record ScanPlan(List<Range> ranges, Map<String, Integer> skipped, int blocksSkipped) {

    /** The pruner name of chunks whose every block the text index skipped. */
    public static final String TEXT = "text";

    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration MICRO = Duration.of(1, ChronoUnit.MICROS);

    public ScanPlan {
        ranges = List.copyOf(ranges);
        skipped = Collections.unmodifiableMap(new TreeMap<>(skipped));
    }

    public ScanPlan(List<Range> ranges, Map<String, Integer> skipped) {
        this(ranges, skipped, 0);
    }

    /**
     * Timestamps {@code from <= ts <= to}, both on the microsecond grid (PostgreSQL's precision), that
     * cover {@code chunks} consecutive kept hour chunks (each chunk counted in one range only).
     */
    public record Range(Instant from, Instant to, int chunks) {
    }

    /** {@link #of(LogQuery, NavigableMap, PruningService, BlockFilters)} without a text index. */
    public static ScanPlan of(LogQuery query, NavigableMap<Instant, ChunkMetadata> chunks, PruningService pruning) {
        return of(query, chunks, pruning, BlockFilters.NONE);
    }

    public static ScanPlan of(LogQuery query, NavigableMap<Instant, ChunkMetadata> chunks, PruningService pruning,
                              BlockFilters blocks) {
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
        int[] trigrams = blocks == BlockFilters.NONE ? new int[0] : Trigrams.ofText(query.contains());
        int[][] keys = textKeys(trigrams, query);
        Duration block = blocks.block();

        Runs runs = new Runs(start, end);
        int outside = chunks.size();
        int blocksSkipped = 0;
        for (ChunkMetadata chunk : chunks.subMap(hourOf(start), true, hourOf(end), true)
                .descendingMap().values()) {
            outside--;
            Optional<String> excludedBy = pruning.excludedBy(window, Summary.of(chunk));
            if (excludedBy.isPresent()) {
                skipped.merge(excludedBy.get(), 1, Integer::sum);
                runs.cut();
                continue;
            }
            Instant hour = chunk.hour();
            if (trigrams.length == 0) {
                runs.keep(hour, hour.plus(HOUR), true);
                continue;
            }
            // The chunk's blocks that overlap the window, newest first.
            Instant hourEnd = hour.plus(HOUR);
            Instant newest = blockStart(end.isBefore(hourEnd) ? end : hourEnd.minus(MICRO), block);
            Instant oldest = start.isAfter(hour) ? blockStart(start, block) : hour;
            boolean counted = false;
            for (Instant b = newest; !b.isBefore(oldest); b = b.minus(block)) {
                if (mayContainAny(blocks, b, keys)) {
                    runs.keep(b, b.plus(block), !counted);
                    counted = true;
                } else {
                    blocksSkipped++;
                    runs.cut();
                }
            }
            if (!counted) {
                skipped.merge(TEXT, 1, Integer::sum);
            }
        }
        runs.cut();
        if (outside > 0) {
            skipped.merge("time", outside, Integer::sum);
        }
        return new ScanPlan(runs.ranges, skipped, blocksSkipped);
    }

    /**
     * What a block's filter must hold for a row of it to match: the text's trigrams, or when the query keeps some
     * levels only (as its SQL filters them: {@link RangeSql#filtersLevels}), the text's trigrams at one of those
     * levels (one key set per level; {@link Trigrams}).
     */
    static int[][] textKeys(int[] trigrams, LogQuery query) {
        if (trigrams.length == 0 || !RangeSql.filtersLevels(query)) {
            return new int[][] {trigrams};
        }
        List<LogLevel> kept = query.levels().levels();
        int[][] keys = new int[kept.size()][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Trigrams.atLevel(trigrams, kept.get(i));
        }
        return keys;
    }

    private static boolean mayContainAny(BlockFilters blocks, Instant block, int[][] keys) {
        for (int[] k : keys) {
            if (blocks.mayContainAll(block, k)) {
                return true;
            }
        }
        return false;
    }

    /** The start of the block (of length {@code block}, which divides an hour) holding {@code t}. */
    static Instant blockStart(Instant t, Duration block) {
        long s = t.getEpochSecond();
        return Instant.ofEpochSecond(s - Math.floorMod(s, block.getSeconds()));
    }

    /** Kept spans, newest first, merged into ranges until a skipped one cuts the run. */
    private static final class Runs {
        final Instant start;
        final Instant end;
        final List<Range> ranges = new ArrayList<>();
        Instant runEnd; // exclusive; null: no run open
        Instant runFrom;
        int runChunks;

        Runs(Instant start, Instant end) {
            this.start = start;
            this.end = end;
        }

        /** Keeps {@code [from, to)}, older than everything kept so far; {@code newChunk}: the first of a chunk. */
        void keep(Instant from, Instant to, boolean newChunk) {
            if (runEnd == null) {
                runEnd = to;
                runChunks = 0;
            }
            runFrom = from;
            runChunks += newChunk ? 1 : 0;
        }

        /** Ends the open run (if any) as a range cut to the window {@code [start, end]}. */
        void cut() {
            if (runEnd == null) {
                return;
            }
            Instant lastMicro = runEnd.minus(MICRO);
            ranges.add(new Range(runFrom.isAfter(start) ? runFrom : start, lastMicro.isBefore(end) ? lastMicro : end,
                    runChunks));
            runEnd = null;
        }
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
        int inside = chunks.subMap(hourOf(start), true, hourOf(end), true).size();
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

    private static Instant hourOf(Instant t) {
        return t.truncatedTo(ChronoUnit.HOURS);
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
