package dev.logquery.coordinator.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.api.FieldProblem;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TailRequestParserTest {

    static ParsedTail parse(String... nameValues) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            params.computeIfAbsent(nameValues[i], k -> new java.util.ArrayList<>()).add(nameValues[i + 1]);
        }
        return TailRequestParser.parse(params, 10_000, Duration.ofHours(24));
    }

    static TailRequest valid(String... nameValues) {
        ParsedTail parsed = parse(nameValues);
        assertThat(parsed).isInstanceOf(ParsedTail.Valid.class);
        return ((ParsedTail.Valid) parsed).request();
    }

    static List<FieldProblem> problems(String... nameValues) {
        ParsedTail parsed = parse(nameValues);
        assertThat(parsed).isInstanceOf(ParsedTail.Invalid.class);
        return ((ParsedTail.Invalid) parsed).problems();
    }

    @Test
    void noParametersIsEverythingLiveWithoutReplay() {
        assertThat(valid()).isEqualTo(new TailRequest(TailFilter.ALL, null));
    }

    @Test
    void everyFilterIsRead() {
        TailRequest r = valid("service", " payment-service ", "level", "error", "namespace", "payments",
                "pod", "payment-7d9", "contains", " Timed Out");
        assertThat(r.filter()).isEqualTo(new TailFilter("payment-service", LevelSet.of(List.of(LogLevel.ERROR)),
                "payments", "payment-7d9", " Timed Out"));
    }

    @Test
    void levelsAreACommaListInEitherParameter() {
        LevelSet errorsAndWarnings = LevelSet.of(List.of(LogLevel.ERROR, LogLevel.WARN));
        assertThat(valid("levels", "ERROR,warn").filter().levels()).isEqualTo(errorsAndWarnings);
        assertThat(valid("level", "warn,ERROR").filter().levels()).isEqualTo(errorsAndWarnings);
    }

    @ParameterizedTest
    @CsvSource({"30s,PT30S", "5m,PT5M", "2h,PT2H", "1d,PT24H", "500ms,PT0.5S", "24h,PT24H"})
    void sinceAsADuration(String since, Duration expected) {
        assertThat(valid("since", since).since()).isEqualTo(new Since.Window(expected));
    }

    @ParameterizedTest
    @CsvSource({"1,1", "100,100", "10000,10000"})
    void sinceAsALineCount(String since, int expected) {
        assertThat(valid("since", since).since()).isEqualTo(new Since.Lines(expected));
    }

    @ParameterizedTest
    @CsvSource({"0", "10001", "25h", "2d", "0s", "5 m", "-5m", "5M", "PT5M", "abc", "''", "1.5h", "9999999999"})
    void unparsableOrOutOfBoundsSinceIsRefusedNamingTheParameter(String since) {
        List<FieldProblem> problems = problems("since", since);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).field()).isEqualTo("since");
        assertThat(problems.get(0).message()).startsWith("since must be a duration such as 30s, 5m or 2h (at most 24h)"
                + " or a number of lines from 1 to 10000, is \"" + since + "\"");
    }

    @Test
    void unknownLevelsAreRefused() {
        assertThat(problems("level", "LOUD")).containsExactly(new FieldProblem("level",
                "level is not a comma list of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN: \"LOUD\""));
        assertThat(problems("levels", "ERROR,,WARN")).extracting(FieldProblem::field).containsExactly("levels");
    }

    @Test
    void levelAndLevelsTogetherAreRefused() {
        assertThat(problems("level", "ERROR", "levels", "WARN")).containsExactly(
                new FieldProblem("levels", "levels and level are both given: send one of them"));
    }

    @Test
    void tooLongOrEmptyStringsAreRefusedWithTheirLength() {
        assertThat(problems("service", "s".repeat(129))).containsExactly(new FieldProblem("service",
                "service must have 1 to 128 characters, has 129 (omit it for no filter)"));
        assertThat(problems("pod", "   ")).containsExactly(new FieldProblem("pod",
                "pod must have 1 to 253 characters, has 0 (omit it for no filter)"));
        assertThat(problems("contains", "x".repeat(257))).extracting(FieldProblem::field).containsExactly("contains");
        assertThat(valid("namespace", "n".repeat(253)).filter().namespace()).hasSize(253);
    }

    @Test
    void unknownAndRepeatedParametersAreRefused() {
        assertThat(problems("services", "a")).containsExactly(new FieldProblem("services",
                "unknown parameter services; known parameters are service, level, levels, namespace, pod, contains, since,"
                        + " attribute.<key>"));
        assertThat(problems("service", "a", "service", "b")).containsExactly(
                new FieldProblem("service", "service is given more than once"));
    }

    @Test
    void attributeFiltersAreOneParameterPerKeyComparedExactly() {
        TailFilter f = valid("service", "checkout", "attribute.cluster", "eu-1", "attribute.k8s_node_name", " n 1")
                .filter();
        assertThat(f.attributes()).containsExactly(Map.entry("cluster", "eu-1"), Map.entry("k8s_node_name", " n 1"));
        java.time.Instant t = java.time.Instant.parse("2026-12-03T10:00:00Z");
        assertThat(f.matches(new dev.logquery.common.model.LogEntry(t, "checkout", LogLevel.INFO, null, null, null, "m",
                Map.of("cluster", "eu-1", "k8s_node_name", " n 1", "zone", "b")))).isTrue();
        assertThat(f.matches(new dev.logquery.common.model.LogEntry(t, "checkout", LogLevel.INFO, null, null, null, "m",
                Map.of("cluster", "eu-1", "k8s_node_name", "n 1")))).isFalse(); // values are not trimmed
        assertThat(f.matches(new dev.logquery.common.model.LogEntry(t, "checkout", LogLevel.INFO, null, null, null, "m",
                Map.of("cluster", "eu-1")))).isFalse();
        // the replay asks the stored lines with the same equalities
        assertThat(f.query(t, t.plusSeconds(60), 10).attributes()).isEqualTo(f.attributes());
        assertThat(valid().filter().attributes()).isNull();
    }

    @Test
    void badAttributeFiltersAreNamedByTheirParameter() {
        assertThat(problems("attribute.", "x")).containsExactly(new FieldProblem("attribute.",
                "an attribute filter is attribute.<key>=<value> with a key of 1 to 128 characters, has 0"));
        assertThat(problems("attribute.cluster", "")).containsExactly(new FieldProblem("attribute.cluster",
                "attribute.cluster must have 1 to 2048 characters, has 0 (omit it for no filter on the key)"));
        assertThat(problems("attribute.cluster", "a", "attribute.cluster", "b")).containsExactly(
                new FieldProblem("attribute.cluster", "attribute.cluster is given more than once"));
        assertThat(problems("attribute.cluster", "x".repeat(2049))).extracting(FieldProblem::field)
                .containsExactly("attribute.cluster");
    }

    @Test
    void everyProblemIsReportedInParameterOrderThenUnknownOnes() {
        assertThat(problems("bogus", "1", "since", "x", "level", "LOUD", "service", ""))
                .extracting(FieldProblem::field).containsExactly("service", "level", "since", "bogus");
    }

    @Test
    void theMaximumAgeIsShownAsAUserWouldWriteIt() {
        assertThat(TailRequestParser.format(Duration.ofHours(24))).isEqualTo("24h");
        assertThat(TailRequestParser.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(TailRequestParser.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(TailRequestParser.format(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(TailRequestParser.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}
