package dev.logquery.node.query;

import dev.logquery.common.scan.ScanPlan;
import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ScanPlanTest {

    private static final Instant H0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final PruningService PRUNING = PruningService.standard();

    /** Hour {@code n} after H0. */
    private static Instant hour(int n) {
        return H0.plus(Duration.ofHours(n));
    }

    private static Instant at(int hour, int minute) {
        return hour(hour).plus(Duration.ofMinutes(minute));
    }

    private static Instant lastMicroOf(int hour) {
        return hour(hour + 1).minusNanos(1000);
    }

    /** A chunk of hour {@code n} with rows from minute 5 to 55, of {@code levels} and {@code services}. */
    private static ChunkMetadata chunk(int n, LevelSet levels, String... services) {
        StringBloom bloom = StringBloom.create(256, 0.01);
        for (String s : services) {
            bloom.put(s);
        }
        return new ChunkMetadata(hour(n), at(n, 5), at(n, 55), 100, levels, bloom);
    }

    private static NavigableMap<Instant, ChunkMetadata> chunks(ChunkMetadata... chunks) {
        NavigableMap<Instant, ChunkMetadata> map = new TreeMap<>();
        for (ChunkMetadata c : chunks) {
            map.put(c.hour(), c);
        }
        return map;
    }

    private static NavigableMap<Instant, ChunkMetadata> sixHours() {
        NavigableMap<Instant, ChunkMetadata> map = new TreeMap<>();
        for (int h = 0; h < 6; h++) {
            map.put(hour(h), chunk(h, LevelSet.ALL, "a", "b"));
        }
        return map;
    }

    private static LogQuery query(Instant start, Instant end) {
        return LogQueryBuilder.between(start, end).limit(100).build();
    }

    @Test
    void noChunksNoRanges() {
        ScanPlan plan = ScanPlan.of(query(hour(0), hour(5)), new TreeMap<>(), PRUNING);
        assertThat(plan.ranges()).isEmpty();
        assertThat(plan.skipped()).isEmpty();
    }

    @Test
    void adjacentKeptHoursAreOneRangeCutToTheWindow() {
        ScanPlan plan = ScanPlan.of(query(at(1, 30), at(4, 10)), sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(at(1, 30), at(4, 10), 4));
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 2));
        assertThat(plan.chunksToScan()).isEqualTo(4);
    }

    @Test
    void aRangeEndsAtTheLastMicrosecondOfItsNewestHour() {
        ScanPlan plan = ScanPlan.of(query(hour(0).minusSeconds(3600), hour(9)), sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(hour(0), lastMicroOf(5), 6));
        assertThat(plan.skipped()).isEmpty();
    }

    @Test
    void aPrunedChunkSplitsTheRunAndRangesComeNewestFirst() {
        NavigableMap<Instant, ChunkMetadata> chunks = chunks(chunk(0, LevelSet.ALL, "a"), chunk(1, LevelSet.ALL, "a"),
                chunk(2, LevelSet.ALL, "b"), chunk(3, LevelSet.ALL, "a"), chunk(4, LevelSet.ALL, "a", "b"));
        LogQuery q = LogQueryBuilder.between(hour(0), lastMicroOf(4)).service("a").limit(10).build();
        ScanPlan plan = ScanPlan.of(q, chunks, PRUNING);
        assertThat(plan.ranges()).containsExactly(
                new ScanPlan.Range(hour(3), lastMicroOf(4), 2),
                new ScanPlan.Range(hour(0), lastMicroOf(1), 2));
        assertThat(plan.skipped()).isEqualTo(Map.of("service", 1));
    }

    @Test
    void levelsPruneToo() {
        LevelSet errors = LevelSet.of(List.of(LogLevel.ERROR));
        LevelSet infos = LevelSet.of(List.of(LogLevel.INFO, LogLevel.DEBUG));
        NavigableMap<Instant, ChunkMetadata> chunks = chunks(chunk(0, errors, "a"), chunk(1, infos, "a"),
                chunk(2, errors, "a"));
        LogQuery q = LogQueryBuilder.between(hour(0), hour(3))
                .levels(LevelSet.of(List.of(LogLevel.ERROR, LogLevel.FATAL))).limit(10).build();
        ScanPlan plan = ScanPlan.of(q, chunks, PRUNING);
        assertThat(plan.ranges()).extracting(ScanPlan.Range::from).containsExactly(hour(2), hour(0));
        assertThat(plan.skipped()).isEqualTo(Map.of("level", 1));
    }

    @Test
    void hoursWithoutAChunkDoNotBreakARun() {
        NavigableMap<Instant, ChunkMetadata> chunks = chunks(chunk(0, LevelSet.ALL, "a"), chunk(5, LevelSet.ALL, "a"));
        ScanPlan plan = ScanPlan.of(query(hour(0), hour(8)), chunks, PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(hour(0), lastMicroOf(5), 2));
    }

    @Test
    void aChunkWhoseRowsLieOutsideTheWindowIsSkippedByTime() {
        // Rows of hour 2 are at minutes 5..55: a window ending at minute 3 of hour 2 excludes the chunk.
        ScanPlan plan = ScanPlan.of(query(hour(1), at(2, 3)), sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(hour(1), lastMicroOf(1), 1));
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 5));
    }

    @Test
    void theEndIsInclusiveAtTheMinuteARowHas() {
        ScanPlan plan = ScanPlan.of(query(at(2, 55), at(2, 55)), sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(at(2, 55), at(2, 55), 1));
    }

    @Test
    void aCursorNarrowsTheWindowToItsTimestamp() {
        LogQuery q = LogQueryBuilder.between(hour(0), hour(6)).limit(10).after(new LogQuery.Position(at(3, 20), 1, 7))
                .build();
        ScanPlan plan = ScanPlan.of(q, sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(hour(0), at(3, 20), 4));
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 2));
    }

    @Test
    void aCursorBeforeTheWindowLeavesNothing() {
        LogQuery q = LogQueryBuilder.between(hour(2), hour(6)).limit(10).after(new LogQuery.Position(at(1, 20), 1, 7))
                .build();
        ScanPlan plan = ScanPlan.of(q, sixHours(), PRUNING);
        assertThat(plan.ranges()).isEmpty();
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 6));
    }

    @Test
    void boundsAreRoundedInwardToTheMicrosecond() {
        Instant start = at(1, 30).plusNanos(1);
        Instant end = at(1, 40).plusNanos(999);
        ScanPlan plan = ScanPlan.of(query(start, end), sixHours(), PRUNING);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(at(1, 30).plusNanos(1000), at(1, 40), 1));
        // Inside one microsecond there is no stored timestamp at all.
        assertThat(ScanPlan.of(query(at(1, 30).plusNanos(1), at(1, 30).plusNanos(2)), sixHours(), PRUNING).ranges())
                .isEmpty();
    }

    @Test
    void unprunedReadsTheWholeWindowEvenWhereMetadataWouldSkip() {
        NavigableMap<Instant, ChunkMetadata> chunks = chunks(chunk(0, LevelSet.ALL, "a"),
                chunk(2, LevelSet.of(List.of(LogLevel.INFO)), "b"), chunk(5, LevelSet.ALL, "a"));
        LogQuery errorsOfB = LogQueryBuilder.between(at(0, 30), at(4, 0)).service("b")
                .levels(LevelSet.of(List.of(LogLevel.ERROR))).limit(100).build();
        assertThat(ScanPlan.of(errorsOfB, chunks, PRUNING).ranges()).isEmpty();

        ScanPlan plan = ScanPlan.unpruned(errorsOfB, chunks);
        assertThat(plan.ranges()).containsExactly(new ScanPlan.Range(at(0, 30), at(4, 0), 2));
        assertThat(plan.skipped()).isEqualTo(Map.of("time", 1));
        assertThat(plan.chunksToScan()).isEqualTo(2);
        assertThat(plan.chunksSkipped()).isEqualTo(1);
    }

    @Test
    void unprunedStopsAtTheCursorAndIsEmptyPastIt() {
        LogQuery q = query(hour(0), hour(6)).withAfter(new LogQuery.Position(at(3, 20), 1, 7));
        assertThat(ScanPlan.unpruned(q, sixHours()).ranges()).containsExactly(new ScanPlan.Range(hour(0), at(3, 20), 4));

        LogQuery past = query(at(3, 30), hour(6)).withAfter(new LogQuery.Position(at(3, 20), 1, 7));
        ScanPlan empty = ScanPlan.unpruned(past, sixHours());
        assertThat(empty.ranges()).isEmpty();
        assertThat(empty.chunksSkipped()).isEqualTo(6);
    }
}
