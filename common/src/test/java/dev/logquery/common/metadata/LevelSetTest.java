package dev.logquery.common.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogLevel;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LevelSetTest {

    private static List<String> split(String names) {
        return names == null || names.isBlank() ? List.of() : Arrays.asList(names.split(" "));
    }

    @ParameterizedTest(name = "[{index}] {0} -> bits {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                | 0  | ''
            TRACE                             | 1  | TRACE
            DEBUG                             | 2  | DEBUG
            INFO                              | 4  | INFO
            WARN                              | 8  | WARN
            ERROR                             | 16 | ERROR
            FATAL                             | 32 | FATAL
            warn                              | 8  | WARN
            Error                             | 16 | ERROR
            ERROR WARN                        | 24 | WARN ERROR
            FATAL TRACE                       | 33 | TRACE FATAL
            info INFO Info                    | 4  | INFO
            TRACE DEBUG INFO WARN ERROR FATAL | 63 | TRACE DEBUG INFO WARN ERROR FATAL
            fatal error warn info debug trace | 63 | TRACE DEBUG INFO WARN ERROR FATAL
            """)
    void ofNamesIsCaseInsensitiveAndNamesComeInSeverityOrder(String names, int bits, String expectedNames) {
        LevelSet set = LevelSet.ofNames(split(names));

        assertThat(set.bits()).isEqualTo(bits);
        assertThat(set.names()).containsExactlyElementsOf(split(expectedNames));
        assertThat(set.isEmpty()).isEqualTo(bits == 0);
        assertThat(LevelSet.of(set.levels())).isEqualTo(set);
    }

    @ParameterizedTest
    @ValueSource(strings = {"VERBOSE", "WARNING", "", "ERR", "INFO,WARN", "0"})
    void ofNamesRejectsUnknownNames(String name) {
        assertThatThrownBy(() -> LevelSet.ofNames(List.of("INFO", name)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown level");
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 129, 255, 256, 192, 1 << 30, -1, -64, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void outOfRangeBitsThrow(int bits) {
        assertThatThrownBy(() -> new LevelSet(bits))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void everyInRangeMaskIsASetAndRoundTripsThroughItsLevels() {
        for (int bits = 0; bits < 128; bits++) {
            LevelSet set = new LevelSet(bits);
            assertThat(LevelSet.of(set.levels()).bits()).isEqualTo(bits);
            assertThat(LevelSet.ofNames(set.names()).bits()).isEqualTo(bits);
            assertThat(set.levels()).hasSize(Integer.bitCount(bits));
            for (LogLevel level : LogLevel.values()) {
                assertThat(set.contains(level)).isEqualTo((bits & (1 << level.ordinal())) != 0);
            }
        }
    }

    @Test
    void constantsAndOf() {
        assertThat(LevelSet.EMPTY.isEmpty()).isTrue();
        assertThat(LevelSet.EMPTY.levels()).isEmpty();
        assertThat(LevelSet.EMPTY.names()).isEmpty();
        assertThat(LevelSet.ALL.bits()).isEqualTo(127);
        assertThat(LevelSet.ALL.levels()).containsExactly(LogLevel.values());
        assertThat(LevelSet.of(List.of())).isEqualTo(LevelSet.EMPTY);
        assertThat(LevelSet.of(EnumSet.allOf(LogLevel.class))).isEqualTo(LevelSet.ALL);
        assertThat(LevelSet.of(List.of(LogLevel.ERROR, LogLevel.ERROR))).isEqualTo(new LevelSet(16));
        assertThat(LevelSet.EMPTY.with(LogLevel.WARN).with(LogLevel.WARN)).isEqualTo(new LevelSet(8));
    }

    @ParameterizedTest(name = "[{index}] {0} vs {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                 | ''              | ''                   | false
            ''                 | INFO            | INFO                 | false
            INFO               | INFO            | INFO                 | true
            INFO               | WARN            | INFO WARN            | false
            ERROR FATAL        | FATAL           | ERROR FATAL          | true
            TRACE DEBUG        | ERROR FATAL     | TRACE DEBUG ERROR FATAL | false
            TRACE DEBUG INFO WARN ERROR FATAL | '' | TRACE DEBUG INFO WARN ERROR FATAL | false
            TRACE DEBUG INFO WARN ERROR FATAL | TRACE | TRACE DEBUG INFO WARN ERROR FATAL | true
            WARN ERROR         | INFO WARN       | INFO WARN ERROR      | true
            """)
    void unionAndIntersects(String a, String b, String union, boolean intersects) {
        LevelSet sa = LevelSet.ofNames(split(a));
        LevelSet sb = LevelSet.ofNames(split(b));

        assertThat(sa.union(sb).names()).containsExactlyElementsOf(split(union));
        assertThat(sb.union(sa)).isEqualTo(sa.union(sb));
        assertThat(sa.intersects(sb)).isEqualTo(intersects);
        assertThat(sb.intersects(sa)).isEqualTo(intersects);
        // union does not change its operands
        assertThat(sa).isEqualTo(LevelSet.ofNames(split(a)));
        assertThat(sb).isEqualTo(LevelSet.ofNames(split(b)));
    }

    @Test
    void containsEachLevel() {
        LevelSet set = LevelSet.of(List.of(LogLevel.WARN, LogLevel.FATAL));

        assertThat(set.contains(LogLevel.WARN)).isTrue();
        assertThat(set.contains(LogLevel.FATAL)).isTrue();
        assertThat(set.contains(LogLevel.TRACE)).isFalse();
        assertThat(set.contains(LogLevel.DEBUG)).isFalse();
        assertThat(set.contains(LogLevel.INFO)).isFalse();
        assertThat(set.contains(LogLevel.ERROR)).isFalse();
    }
}
