package dev.logquery.common.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkMetadataTest {

    static final Instant HOUR = Instant.parse("2024-12-01T10:00:00Z");

    static StringBloom bloom(String... services) {
        StringBloom b = StringBloom.create(1000, 0.01);
        for (String s : services) {
            b.put(s);
        }
        return b;
    }

    static ChunkMetadata chunk(Instant hour, String min, String max, long rows, LevelSet levels, StringBloom services) {
        return new ChunkMetadata(hour, Instant.parse(min), Instant.parse(max), rows, levels, services);
    }

    @ParameterizedTest(name = "[{index}] [{0}..{1}] + [{2}..{3}] -> [{4}..{5}]")
    @CsvSource({
            // disjoint, this one first
            "2024-12-01T10:00:00Z, 2024-12-01T10:10:00Z, 2024-12-01T10:20:00Z, 2024-12-01T10:59:59Z,"
                    + " 2024-12-01T10:00:00Z, 2024-12-01T10:59:59Z",
            // disjoint, other one first
            "2024-12-01T10:20:00Z, 2024-12-01T10:59:59Z, 2024-12-01T10:00:00Z, 2024-12-01T10:10:00Z,"
                    + " 2024-12-01T10:00:00Z, 2024-12-01T10:59:59Z",
            // nested
            "2024-12-01T10:00:00Z, 2024-12-01T10:59:00Z, 2024-12-01T10:20:00Z, 2024-12-01T10:30:00Z,"
                    + " 2024-12-01T10:00:00Z, 2024-12-01T10:59:00Z",
            "2024-12-01T10:20:00Z, 2024-12-01T10:30:00Z, 2024-12-01T10:00:00Z, 2024-12-01T10:59:00Z,"
                    + " 2024-12-01T10:00:00Z, 2024-12-01T10:59:00Z",
            // overlapping
            "2024-12-01T10:05:00Z, 2024-12-01T10:40:00Z, 2024-12-01T10:30:00Z, 2024-12-01T10:50:00Z,"
                    + " 2024-12-01T10:05:00Z, 2024-12-01T10:50:00Z",
            // one microsecond apart
            "2024-12-01T10:30:00.000001Z, 2024-12-01T10:30:00.000001Z, 2024-12-01T10:30:00Z, 2024-12-01T10:30:00Z,"
                    + " 2024-12-01T10:30:00Z, 2024-12-01T10:30:00.000001Z",
            // identical
            "2024-12-01T10:30:00Z, 2024-12-01T10:31:00Z, 2024-12-01T10:30:00Z, 2024-12-01T10:31:00Z,"
                    + " 2024-12-01T10:30:00Z, 2024-12-01T10:31:00Z"})
    void mergeTakesTheOuterTimeRange(String minA, String maxA, String minB, String maxB, String min, String max) {
        ChunkMetadata a = chunk(HOUR, minA, maxA, 3, LevelSet.EMPTY.with(LogLevel.INFO), bloom("a"));
        ChunkMetadata b = chunk(HOUR, minB, maxB, 4, LevelSet.EMPTY.with(LogLevel.INFO), bloom("b"));

        for (ChunkMetadata merged : List.of(a.merge(b), b.merge(a))) {
            assertThat(merged.hour()).isEqualTo(HOUR);
            assertThat(merged.minTime()).isEqualTo(Instant.parse(min));
            assertThat(merged.maxTime()).isEqualTo(Instant.parse(max));
            assertThat(merged.rowCount()).isEqualTo(7);
        }
    }

    @ParameterizedTest(name = "[{index}] {0} + {1} rows")
    @CsvSource({"0, 0, 0", "1, 0, 1", "0, 1, 1", "3, 4, 7", "1000000, 2500000, 3500000",
            "4294967296, 4294967296, 8589934592"})
    void mergeAddsRowCounts(long a, long b, long sum) {
        ChunkMetadata ca = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:00:00Z", a, LevelSet.EMPTY, null);
        ChunkMetadata cb = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:00:00Z", b, LevelSet.EMPTY, null);

        assertThat(ca.merge(cb).rowCount()).isEqualTo(sum);
    }

    @Test
    void mergeUnitesLevelsAndBlooms() {
        ChunkMetadata a = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 2,
                LevelSet.ofNames(List.of("INFO", "WARN")), bloom("payment-service", "auth-service"));
        ChunkMetadata b = chunk(HOUR, "2024-12-01T10:20:00Z", "2024-12-01T10:30:00Z", 2,
                LevelSet.ofNames(List.of("ERROR")), bloom("search-service"));

        ChunkMetadata merged = a.merge(b);

        assertThat(merged.levels().names()).containsExactly("INFO", "WARN", "ERROR");
        assertThat(merged.services()).isNotNull();
        assertThat(merged.services().mightContain("payment-service")).isTrue();
        assertThat(merged.services().mightContain("auth-service")).isTrue();
        assertThat(merged.services().mightContain("search-service")).isTrue();
        assertThat(merged.services().mightContain("never-seen-service")).isFalse();
        // the operands are untouched
        assertThat(a.services().mightContain("search-service")).isFalse();
        assertThat(b.services().mightContain("payment-service")).isFalse();
        assertThat(a.levels().names()).containsExactly("INFO", "WARN");
    }

    @Test
    void incompatibleBloomsMakeServicesUnknown() {
        StringBloom small = StringBloom.create(100, 0.01);
        small.put("a");
        ChunkMetadata a = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 1, LevelSet.ALL, small);
        ChunkMetadata b = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 1, LevelSet.ALL, bloom("b"));

        assertThat(a.merge(b).services()).isNull();
        assertThat(b.merge(a).services()).isNull();
    }

    @Test
    void unknownBloomOnEitherSideStaysUnknown() {
        ChunkMetadata known = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 1, LevelSet.ALL,
                bloom("a"));
        ChunkMetadata unknown = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 1, LevelSet.ALL, null);

        assertThat(known.merge(unknown).services()).isNull();
        assertThat(unknown.merge(known).services()).isNull();
        assertThat(unknown.merge(unknown).services()).isNull();
    }

    @Test
    void mergeWithAnEqualButSeparateChunkKeepsTheFilter() {
        ChunkMetadata a = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 5, LevelSet.ALL, bloom("a"));
        ChunkMetadata twin = new ChunkMetadata(a.hour(), a.minTime(), a.maxTime(), a.rowCount(), a.levels(),
                a.services().copy());

        ChunkMetadata merged = a.merge(twin);

        assertThat(merged.rowCount()).isEqualTo(10);
        assertThat(merged.services()).isNotNull();
        assertThat(merged.services().mightContain("a")).isTrue();
    }

    /** The same StringBloom instance on both sides is compatible (Guava alone would say it is not). */
    @Test
    void mergeWithItselfKeepsTheFilter() {
        ChunkMetadata a = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 5, LevelSet.ALL, bloom("a"));

        ChunkMetadata merged = a.merge(a);

        assertThat(merged.rowCount()).isEqualTo(10);
        assertThat(merged.services()).isNotNull();
        assertThat(merged.services().mightContain("a")).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"2024-12-01T11:00:00Z", "2024-12-01T09:00:00Z", "2024-12-02T10:00:00Z", "2024-12-01T10:00:00.000001Z"})
    void mergingDifferentHoursThrows(String otherHour) {
        ChunkMetadata a = chunk(HOUR, "2024-12-01T10:00:00Z", "2024-12-01T10:10:00Z", 1, LevelSet.ALL, bloom("a"));
        ChunkMetadata b = new ChunkMetadata(Instant.parse(otherHour), Instant.parse("2024-12-01T10:00:00Z"),
                Instant.parse("2024-12-01T10:10:00Z"), 1, LevelSet.ALL, bloom("b"));

        assertThatThrownBy(() -> a.merge(b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different hours");
        assertThatThrownBy(() -> b.merge(a)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requiredFieldsAreRequired() {
        Instant t = HOUR;
        assertThatThrownBy(() -> new ChunkMetadata(null, t, t, 0, LevelSet.EMPTY, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("hour");
        assertThatThrownBy(() -> new ChunkMetadata(t, null, t, 0, LevelSet.EMPTY, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("minTime");
        assertThatThrownBy(() -> new ChunkMetadata(t, t, null, 0, LevelSet.EMPTY, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("maxTime");
        assertThatThrownBy(() -> new ChunkMetadata(t, t, t, 0, null, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("levels");
    }
}
