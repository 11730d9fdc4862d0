package dev.logquery.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LogLevelTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource({
            "TRACE, TRACE", "trace, TRACE", "Debug, DEBUG", "info, INFO", "wArN, WARN",
            "ERROR, ERROR", "fatal, FATAL", "' warn ', WARN", "'\tINFO\t', INFO"})
    void parsesCaseInsensitively(String name, LogLevel expected) {
        assertThat(LogLevel.parse(name)).contains(expected);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "WARNING", "ERR", "VERBOSE", "0", "INFO WARN", "CRITICAL"})
    void parseGivesEmptyForAnythingElse(String name) {
        assertThat(LogLevel.parse(name)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"0, TRACE, 1", "1, DEBUG, 2", "2, INFO, 4", "3, WARN, 8", "4, ERROR, 16", "5, FATAL, 32"})
    void codesAndBitsAreStable(int code, LogLevel level, int bit) {
        assertThat(level.code()).isEqualTo((short) code);
        assertThat(level.bit()).isEqualTo(bit);
        assertThat(LogLevel.fromCode(code)).isEqualTo(level);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 7, 8, 100, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void unknownCodesThrow(int code) {
        assertThatThrownBy(() -> LogLevel.fromCode(code)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void severityOrderWithUnknownAppendedSoThatStoredCodesKeepTheirMeaning() {
        assertThat(LogLevel.values()).containsExactly(
                LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR, LogLevel.FATAL,
                LogLevel.UNKNOWN);
        assertThat(LogLevel.UNKNOWN.code()).isEqualTo((short) 6);
        assertThat(LogLevel.parse("unknown")).contains(LogLevel.UNKNOWN);
        assertThat(LogLevel.NAMES).isEqualTo("TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN");
    }
}
