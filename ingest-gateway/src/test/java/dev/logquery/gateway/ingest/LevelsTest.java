package dev.logquery.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogLevel;
import org.junit.jupiter.api.Test;

class LevelsTest {

    @Test
    void namesMapAsLokiAndSyslogUseThem() {
        assertThat(Levels.named("WARNING")).contains(LogLevel.WARN);
        assertThat(Levels.named("wrn")).contains(LogLevel.WARN);
        assertThat(Levels.named("err")).contains(LogLevel.ERROR);
        assertThat(Levels.named("Critical")).contains(LogLevel.FATAL);
        assertThat(Levels.named("panic")).contains(LogLevel.FATAL);
        assertThat(Levels.named("dbg")).contains(LogLevel.DEBUG);
        assertThat(Levels.named("INFO2")).contains(LogLevel.INFO);
        assertThat(Levels.named("unknown")).contains(LogLevel.UNKNOWN);
        assertThat(Levels.named("verbose")).isEmpty();
        assertThat(Levels.named(null)).isEmpty();
    }

    @Test
    void severityNumbersFollowOpenTelemetryRanges() {
        assertThat(Levels.fromSeverityNumber(1)).contains(LogLevel.TRACE);
        assertThat(Levels.fromSeverityNumber(8)).contains(LogLevel.DEBUG);
        assertThat(Levels.fromSeverityNumber(9)).contains(LogLevel.INFO);
        assertThat(Levels.fromSeverityNumber(13)).contains(LogLevel.WARN);
        assertThat(Levels.fromSeverityNumber(20)).contains(LogLevel.ERROR);
        assertThat(Levels.fromSeverityNumber(24)).contains(LogLevel.FATAL);
        assertThat(Levels.fromSeverityNumber(0)).isEmpty();
        assertThat(Levels.fromSeverityNumber(25)).isEmpty();
    }

    @Test
    void detectsLogfmtJsonAndKeywords() {
        assertThat(Levels.detect("ts=2024-01-01 level=error msg=\"disk full\"")).isEqualTo(LogLevel.ERROR);
        assertThat(Levels.detect("ts=1 lvl=\"warn\" msg=x")).isEqualTo(LogLevel.WARN);
        assertThat(Levels.detect("{\"msg\":\"info about it\",\"level\":\"warn\"}")).isEqualTo(LogLevel.WARN);
        assertThat(Levels.detect("{\"severity\": \"DEBUG\", \"msg\": \"x\"}")).isEqualTo(LogLevel.DEBUG);
        assertThat(Levels.detect("ERROR failed to read info from disk")).isEqualTo(LogLevel.ERROR);
        assertThat(Levels.detect("2024-05-01 12:00:00 [WARN] low memory")).isEqualTo(LogLevel.WARN);
        assertThat(Levels.detect("panic: runtime error")).isEqualTo(LogLevel.FATAL);
        assertThat(Levels.detect("TRACE entering")).isEqualTo(LogLevel.TRACE);
    }

    @Test
    void wordsInsideOtherWordsOrMixedCaseAreNoLevel() {
        assertThat(Levels.detect("information superhighway, terror, Debugger")).isEqualTo(LogLevel.UNKNOWN);
        assertThat(Levels.detect("GET /index.html 200")).isEqualTo(LogLevel.UNKNOWN);
        assertThat(Levels.detect("")).isEqualTo(LogLevel.UNKNOWN);
    }
}
