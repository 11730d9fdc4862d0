package dev.logquery.node.query;

import dev.logquery.common.scan.ScanPlan;
import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.BlockFilters;
import dev.logquery.common.scan.IntSet;
import dev.logquery.common.scan.Trigrams;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link ScanPlan} with the text index's blocks (10-minute blocks here, six per hour chunk). */
class ScanPlanTextTest {

    private static final Instant H0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final PruningService PRUNING = PruningService.standard();
    private static final Duration MICRO = Duration.ofNanos(1000);

    private static Instant at(int hour, int minute) {
        return H0.plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(minute));
    }

    private static ChunkMetadata chunk(int n, String... services) {
        StringBloom bloom = StringBloom.create(256, 0.01);
        for (String s : services) {
            bloom.put(s);
        }
        return new ChunkMetadata(at(n, 0), at(n, 1), at(n, 59), 100, LevelSet.ALL, bloom);
    }

    private static NavigableMap<Instant, ChunkMetadata> sixHours() {
        NavigableMap<Instant, ChunkMetadata> map = new TreeMap<>();
        for (int h = 0; h < 6; h++) {
            map.put(at(h, 0), chunk(h, "a"));
        }
        return map;
    }

    /** Exact filters (sets of trigrams) per 10-minute block; a block without an entry has no known filter. */
    static final class Filters implements BlockFilters {
        final Map<Instant, IntSet> blocks = new HashMap<>();

        /** Every block of hours {@code 0..5} holding {@code message}. */
        Filters everywhere(String message) {
            for (int h = 0; h < 6; h++) {
                for (int m = 0; m < 60; m += 10) {
                    put(at(h, m), message);
                }
            }
            return this;
        }

        Filters put(Instant block, String message) {
            return put(block, LogLevel.INFO, message);
        }

        /** The block holds one row, {@code message} at {@code level}. */
        Filters put(Instant block, LogLevel level, String message) {
            IntSet set = new IntSet(16);
            Trigrams.addMessage(message, level, set);
            blocks.put(block, set);
            return this;
        }

        Filters unknown(Instant block) {
            blocks.remove(block);
            return this;
        }

        @Override
        public Duration block() {
            return Duration.ofMinutes(10);
        }

        @Override
        public boolean mayContainAll(Instant blockStart, int[] trigrams) {
            IntSet set = blocks.get(blockStart);
            if (set == null) {
                return true;
            }
            for (int t : trigrams) {
                if (!set.contains(t)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static LogQuery contains(Instant start, Instant end, String text) {
        return LogQueryBuilder.between(start, end).contains(text).limit(100).build();
    }

    @Test
    void blocksWithoutTheTextAreSkippedAndKeptBlocksMergeAcrossHours() {
        Filters filters = new Filters().everywhere("nothing here").put(at(1, 50), "a needle").put(at(2, 0), "needles");
        ScanPlan plan = ScanPlan.of(contains(at(0, 0), at(5, 59), "needle"), sixHours(), PRUNING, filters);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(at(1, 50), at(2, 10).minus(MICRO), 2));
        assertThat(plan.skipped()).isEqualTo(Map.of(ScanPlan.TEXT, 4));
        assertThat(plan.blocksSkipped()).isEqualTo(36 - 2);
        assertThat(plan.chunksToScan()).isEqualTo(2);
        assertThat(plan.chunksSkipped()).isEqualTo(4);
        // Case does not matter, as for ILIKE.
        assertThat(ScanPlan.of(contains(at(0, 0), at(5, 59), "NeEdLe"), sixHours(), PRUNING, filters))
                .isEqualTo(plan);
    }

    @Test
    void aSkippedBlockCutsTheRunAndAChunkIsCountedInItsNewestRangeOnly() {
        Filters filters = new Filters().everywhere("nothing here").put(at(3, 40), "needle").put(at(3, 20), "needle")
                .put(at(3, 10), "needle");
        ScanPlan plan = ScanPlan.of(contains(at(0, 0), at(5, 59), "needle"), sixHours(), PRUNING, filters);
        assertThat(plan.ranges()).containsExactly(
                new ScanPlan.Range(at(3, 40), at(3, 50).minus(MICRO), 1),
                new ScanPlan.Range(at(3, 10), at(3, 30).minus(MICRO), 0));
        assertThat(plan.chunksToScan()).isEqualTo(1);
        assertThat(plan.skipped()).isEqualTo(Map.of(ScanPlan.TEXT, 5));
    }

    @Test
    void blocksWithoutAKnownFilterAreAlwaysKept() {
        Filters filters = new Filters().everywhere("nothing here").unknown(at(4, 30)).unknown(at(0, 0));
        ScanPlan plan = ScanPlan.of(contains(at(0, 0), at(5, 59), "needle"), sixHours(), PRUNING, filters);
        assertThat(plan.ranges()).containsExactly(
                new ScanPlan.Range(at(4, 30), at(4, 40).minus(MICRO), 1),
                new ScanPlan.Range(at(0, 0), at(0, 10).minus(MICRO), 1));
        assertThat(plan.skipped()).isEqualTo(Map.of(ScanPlan.TEXT, 4));
    }

    @Test
    void theWindowAndTheCursorCutTheBlocks() {
        Filters filters = new Filters().everywhere("needle").put(at(1, 30), "nothing");
        ScanPlan plan = ScanPlan.of(contains(at(1, 25), at(1, 47), "needle"), sixHours(), PRUNING, filters);
        assertThat(plan.ranges()).containsExactly(
                new ScanPlan.Range(at(1, 40), at(1, 47), 1),
                new ScanPlan.Range(at(1, 25), at(1, 30).minus(MICRO), 0));
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 5));
        assertThat(plan.blocksSkipped()).isEqualTo(1);

        LogQuery paged = contains(at(1, 25), at(5, 0), "needle")
                .withAfter(new LogQuery.Position(at(1, 47), 0, 12));
        assertThat(ScanPlan.of(paged, sixHours(), PRUNING, filters).ranges()).isEqualTo(plan.ranges());

        // A cursor inside a skipped block: nothing newer than it is read.
        LogQuery inSkipped = contains(at(0, 0), at(5, 0), "needle").withAfter(new LogQuery.Position(at(1, 35), 0, 1));
        assertThat(ScanPlan.of(inSkipped, sixHours(), PRUNING, filters).ranges()).containsExactly(
                new ScanPlan.Range(at(0, 0), at(1, 30).minus(MICRO), 2));
    }

    @Test
    void aQueryKeepingSomeLevelsSkipsBlocksThatHoldTheTextOnlyAtOthers() {
        Filters filters = new Filters().everywhere("nothing here")
                .put(at(2, 20), LogLevel.INFO, "cache miss for key 7")
                .put(at(3, 40), LogLevel.ERROR, "cache unreachable")
                .put(at(4, 0), LogLevel.WARN, "Cache slow");
        Instant start = at(0, 0);
        Instant end = at(5, 59);
        // Any level: every block holding the text.
        assertThat(ScanPlan.of(contains(start, end, "cache"), sixHours(), PRUNING, filters).ranges()).containsExactly(
                new ScanPlan.Range(at(4, 0), at(4, 10).minus(MICRO), 1),
                new ScanPlan.Range(at(3, 40), at(3, 50).minus(MICRO), 1),
                new ScanPlan.Range(at(2, 20), at(2, 30).minus(MICRO), 1));
        // ERROR or FATAL: only the block holding it in an ERROR line.
        ScanPlan errors = ScanPlan.of(LogQueryBuilder.between(start, end).contains("CACHE")
                .levels(LogLevel.ERROR, LogLevel.FATAL).limit(100).build(), sixHours(), PRUNING, filters);
        assertThat(errors.ranges()).containsExactly(new ScanPlan.Range(at(3, 40), at(3, 50).minus(MICRO), 1));
        assertThat(errors.blocksSkipped()).isEqualTo(36 - 1);
        // WARN or INFO: the two blocks with those lines.
        assertThat(ScanPlan.of(LogQueryBuilder.between(start, end).contains("cache").levels(LogLevel.WARN,
                LogLevel.INFO).limit(100).build(), sixHours(), PRUNING, filters).ranges()).containsExactly(
                new ScanPlan.Range(at(4, 0), at(4, 10).minus(MICRO), 1),
                new ScanPlan.Range(at(2, 20), at(2, 30).minus(MICRO), 1));
        // A filter on every level filters nothing: as without levels.
        assertThat(ScanPlan.of(LogQueryBuilder.between(start, end).contains("cache").levels(LevelSet.ALL).limit(100)
                .build(), sixHours(), PRUNING, filters)).isEqualTo(
                ScanPlan.of(contains(start, end, "cache"), sixHours(), PRUNING, filters));
        // The text's trigrams must all be at one kept level: "cache" at ERROR and "miss" at INFO is no match.
        Filters split = new Filters().everywhere("nothing here");
        IntSet mixed = new IntSet(16);
        Trigrams.addMessage("cache down", LogLevel.ERROR, mixed);
        Trigrams.addMessage("key miss", LogLevel.INFO, mixed);
        split.blocks.put(at(1, 0), mixed);
        assertThat(ScanPlan.of(LogQueryBuilder.between(start, end).contains("cache miss")
                .levels(LogLevel.ERROR, LogLevel.INFO).limit(100).build(), sixHours(), PRUNING, split).ranges())
                .isEmpty();
    }

    @Test
    void textsWithoutTrigramsReadWholeChunks() {
        Filters filters = new Filters().everywhere("nothing here");
        ScanPlan reference = ScanPlan.of(contains(at(0, 30), at(4, 0), "ne"), sixHours(), PRUNING);
        // Hour 4's rows start at 4:01, after the window: the time pruner skips it.
        assertThat(reference.ranges()).containsExactly(new ScanPlan.Range(at(0, 30), at(4, 0).minus(MICRO), 4));
        for (String text : new String[] {"ne", "n", "né€", "日本語テキスト", "é%é"}) {
            assertThat(ScanPlan.of(contains(at(0, 30), at(4, 0), text), sixHours(), PRUNING, filters))
                    .as(text).isEqualTo(reference);
        }
        assertThat(ScanPlan.of(LogQueryBuilder.between(at(0, 30), at(4, 0)).limit(100).build(), sixHours(), PRUNING,
                filters)).isEqualTo(reference);
    }

    @Test
    void otherPrunersComeFirstAndKeepTheirCount() {
        NavigableMap<Instant, ChunkMetadata> chunks = sixHours();
        chunks.put(at(2, 0), chunk(2, "b"));
        Filters filters = new Filters().everywhere("needle").put(at(1, 0), "no").put(at(1, 10), "no")
                .put(at(1, 20), "no").put(at(1, 30), "no").put(at(1, 40), "no").put(at(1, 50), "no");
        LogQuery q = LogQueryBuilder.between(at(0, 0), at(5, 59)).service("a").contains("needle").limit(100).build();
        ScanPlan plan = ScanPlan.of(q, chunks, PRUNING, filters);
        assertThat(plan.ranges()).containsExactly(
                new ScanPlan.Range(at(3, 0), at(5, 59), 3),
                new ScanPlan.Range(at(0, 0), at(1, 0).minus(MICRO), 1));
        assertThat(plan.skipped()).isEqualTo(Map.of("service", 1, ScanPlan.TEXT, 1));
        assertThat(plan.chunksToScan() + plan.chunksSkipped()).isEqualTo(6);
    }
}
