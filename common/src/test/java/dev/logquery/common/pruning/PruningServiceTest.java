package dev.logquery.common.pruning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Boundary tables for each pruner: only a proof excludes, and missing metadata never does. */
class PruningServiceTest {

    static final Instant MIN = Instant.parse("2026-11-20T10:00:00Z");
    static final Instant MAX = Instant.parse("2026-11-20T10:59:59.999999Z");
    static final PruningService PRUNING = PruningService.standard();

    static StringBloom bloom(String... services) {
        StringBloom b = StringBloom.create(256, 0.01);
        for (String s : services) {
            b.put(s);
        }
        return b;
    }

    static LogQuery query(String start, String end, String service, Set<LogLevel> levels) {
        return new LogQuery(Instant.parse(start), Instant.parse(end), service, levels == null ? null : LevelSet.of(levels),
                null, null, null, 100, null);
    }

    static final Summary CHUNK = new Summary(MIN, MAX, LevelSet.of(List.of(LogLevel.INFO, LogLevel.WARN)),
            bloom("payment-service", "auth-service"));

    @ParameterizedTest(name = "[{index}] {0} .. {1} -> excluded: {2}")
    @CsvSource({
            // query range (inclusive)                                   excluded
            "2026-11-20T10:00:00Z,        2026-11-20T10:00:00Z,        false", // end equal to min
            "2026-11-20T09:00:00Z,        2026-11-20T09:59:59.999999Z, true",  // ends 1 us before min
            "2026-11-20T10:59:59.999999Z, 2026-11-20T12:00:00Z,        false", // start equal to max
            "2026-11-20T11:00:00Z,        2026-11-20T12:00:00Z,        true",  // starts 1 us after max
            "2026-11-20T10:30:00Z,        2026-11-20T10:30:00Z,        false", // a point inside
            "2026-11-19T00:00:00Z,        2026-11-21T00:00:00Z,        false", // covers it all
            "2026-11-21T00:00:00Z,        2026-11-22T00:00:00Z,        true",  // a later day
    })
    void timeRange(String start, String end, boolean excluded) {
        LogQuery q = query(start, end, null, null);
        assertThat(PRUNING.excludedBy(q, CHUNK)).isEqualTo(excluded ? Optional.of("time") : Optional.empty());
    }

    @ParameterizedTest(name = "[{index}] levels {0} -> excluded: {1}")
    @CsvSource({
            "INFO,         false",
            "WARN,         false",
            "ERROR,        true",
            "ERROR|FATAL,  true",
            "ERROR|WARN,   false",
            "TRACE|DEBUG,  true",
    })
    void levels(String levels, boolean excluded) {
        Set<LogLevel> set = java.util.Arrays.stream(levels.split("\\|")).map(LogLevel::valueOf)
                .collect(java.util.stream.Collectors.toSet());
        LogQuery q = query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", null, set);
        assertThat(PRUNING.excludedBy(q, CHUNK)).isEqualTo(excluded ? Optional.of("level") : Optional.empty());
    }

    @Test
    void anEmptyStoredLevelSetProvesNothing() {
        Summary empty = new Summary(MIN, MAX, LevelSet.EMPTY, null);
        assertThat(PRUNING.excludedBy(query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", null,
                Set.of(LogLevel.ERROR)), empty)).isEmpty();
    }

    @Test
    void serviceAbsentFromTheBloomFilterIsExcludedAndPresentOnesAreKept() {
        LogQuery present = query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "payment-service", null);
        LogQuery absent = query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "no-such-service", null);
        assertThat(PRUNING.excludedBy(present, CHUNK)).isEmpty();
        assertThat(PRUNING.excludedBy(absent, CHUNK)).contains("service");
    }

    @Test
    void aBloomFalsePositiveIsKeptNeverWronglyExcluded() {
        StringBloom tiny = StringBloom.create(1, 0.5); // a small filter: false positives are easy to find
        tiny.put("only-service");
        String falsePositive = null;
        for (int i = 0; i < 100_000 && falsePositive == null; i++) {
            if (tiny.mightContain("other-" + i)) {
                falsePositive = "other-" + i;
            }
        }
        assertThat(falsePositive).as("a name the filter wrongly says may be present").isNotNull();
        Summary s = new Summary(MIN, MAX, LevelSet.ALL, tiny);
        assertThat(PRUNING.excludedBy(query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", falsePositive, null), s))
                .isEmpty();
    }

    @Test
    void aChunkWhoseAttributeBloomLacksAQueriedPairIsExcludedAndAnUnknownOneIsKept() {
        dev.logquery.common.metadata.StringBloom pairs = dev.logquery.common.metadata.StringBloom.create(100, 0.01);
        pairs.put(dev.logquery.common.model.Attributes.pair("cluster", "eu-1"));
        Summary known = new Summary(MIN, MAX, CHUNK.levels(), null, pairs);
        Summary unknown = new Summary(MIN, MAX, CHUNK.levels(), null, null);
        LogQuery eu = new LogQuery(MIN, MAX, null, null, null, null, null, 10, null, java.util.Map.of("cluster", "eu-1"));
        LogQuery us = eu.withAttributes(java.util.Map.of("cluster", "us-2"));
        assertThat(PruningService.standard().excludedBy(eu, known)).isEmpty();
        assertThat(PruningService.standard().excludedBy(us, known)).contains("attributes");
        assertThat(PruningService.standard().excludedBy(us, unknown)).isEmpty();
    }

    @Test
    void unknownMetadataIsAlwaysQueried() {
        Summary unknown = new Summary(null, null, null, null);
        LogQuery q = query("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", "x", Set.of(LogLevel.FATAL));
        assertThat(PRUNING.excludedBy(q, unknown)).isEmpty();
    }

    @Test
    void cheapestPrunerIsNamedFirst() {
        LogQuery q = query("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", "no-such-service", Set.of(LogLevel.ERROR));
        assertThat(PRUNING.excludedBy(q, CHUNK)).contains("time");
    }

    @Test
    void shardThatReportsNoRowsIsQueriedAndChunksSummarizeTheirMetadata() {
        PartitionMetadata empty = new PartitionMetadata(0, 3, List.of(0, 3), 0, null, null, LevelSet.EMPTY,
                StringBloom.create(256, 0.01), List.of(), Instant.now());
        assertThat(PRUNING.excludedBy(query("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "x", null),
                Summary.of(empty))).isEmpty();

        ChunkMetadata chunk = new ChunkMetadata(MIN, MIN, MAX, 10, LevelSet.of(List.of(LogLevel.INFO)), bloom("a"));
        assertThat(Summary.of(chunk)).isEqualTo(new Summary(MIN, MAX, chunk.levels(), chunk.services()));
    }
}
