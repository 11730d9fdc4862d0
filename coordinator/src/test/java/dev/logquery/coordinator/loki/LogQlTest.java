package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.coordinator.loki.LogQlAst.AggregationOp;
import dev.logquery.coordinator.loki.LogQlAst.And;
import dev.logquery.coordinator.loki.LogQlAst.Binary;
import dev.logquery.coordinator.loki.LogQlAst.BinaryOp;
import dev.logquery.coordinator.loki.LogQlAst.Comparison;
import dev.logquery.coordinator.loki.LogQlAst.Drop;
import dev.logquery.coordinator.loki.LogQlAst.DropLabel;
import dev.logquery.coordinator.loki.LogQlAst.Expr;
import dev.logquery.coordinator.loki.LogQlAst.Grouping;
import dev.logquery.coordinator.loki.LogQlAst.JsonParser;
import dev.logquery.coordinator.loki.LogQlAst.LabelFilterStage;
import dev.logquery.coordinator.loki.LogQlAst.LineFilter;
import dev.logquery.coordinator.loki.LogQlAst.LineFilterType;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.LogfmtParser;
import dev.logquery.coordinator.loki.LogQlAst.MatchType;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.loki.LogQlAst.NumberLiteral;
import dev.logquery.coordinator.loki.LogQlAst.NumericFilter;
import dev.logquery.coordinator.loki.LogQlAst.Or;
import dev.logquery.coordinator.loki.LogQlAst.RangeAggregation;
import dev.logquery.coordinator.loki.LogQlAst.RangeFunction;
import dev.logquery.coordinator.loki.LogQlAst.StringFilter;
import dev.logquery.coordinator.loki.LogQlAst.ValueKind;
import dev.logquery.coordinator.loki.LogQlAst.VectorAggregation;
import dev.logquery.coordinator.loki.LogQlAst.VectorLiteral;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LogQlTest {

    static Matcher m(String label, MatchType type, String value) {
        return Matcher.of(label, type, value, LogQl.LEVEL_LABELS.contains(label));
    }

    static LogExpr log(String q) {
        Expr e = LogQl.parse(q);
        assertThat(e).isInstanceOf(LogExpr.class);
        return (LogExpr) e;
    }

    // ------------------------------------------------------------------ selectors

    @Test
    void selectorWithEveryMatcherType() {
        LogExpr e = log("{service_name=\"api\", namespace!=\"kube\", pod=~\"api-.*\", container!~\"side.*\"}");
        assertThat(e.selector()).containsExactly(
                m("service_name", MatchType.EQ, "api"), m("namespace", MatchType.NEQ, "kube"),
                m("pod", MatchType.RE, "api-.*"), m("container", MatchType.NRE, "side.*"));
        assertThat(e.stages()).isEmpty();
    }

    @Test
    void serviceAndAppAreAliasesOfServiceName() {
        assertThat(log("{service=\"a\"}").selector()).containsExactly(m("service_name", MatchType.EQ, "a"));
        assertThat(log("{app=\"a\"}").selector()).containsExactly(m("service_name", MatchType.EQ, "a"));
    }

    @Test
    void levelMatchersCompareCaseInsensitively() {
        Matcher level = log("{level=\"ERROR\"}").selector().get(0);
        assertThat(level.caseInsensitive()).isTrue();
        assertThat(level.matches("error")).isTrue();
        Matcher re = log("{detected_level=~\"err.*|WARN\"}").selector().get(0);
        assertThat(re.matches("warn")).isTrue();
        assertThat(re.matches("Error")).isTrue();
        assertThat(re.matches("info")).isFalse();
        Matcher pod = log("{pod=\"A\"}").selector().get(0);
        assertThat(pod.matches("a")).isFalse();
    }

    @Test
    void regexMatchersAreFullyAnchored() {
        Matcher re = log("{pod=~\"api\"}").selector().get(0);
        assertThat(re.matches("api")).isTrue();
        assertThat(re.matches("api-1")).isFalse();
        assertThat(re.matches("my-api")).isFalse();
        Matcher alt = log("{pod=~\"a|b\"}").selector().get(0);
        assertThat(alt.matches("a")).isTrue();
        assertThat(alt.matches("ab")).isFalse();
        Matcher nre = log("{service_name=\"x\", pod!~\"a.*\"}").selector().get(1);
        assertThat(nre.matches("abc")).isFalse();
        assertThat(nre.matches("cab")).isTrue();
    }

    @Test
    void regexesRunInLinearTime() {
        // (a+)+$ on a long run of a's followed by a mismatch takes exponential time with a backtracking engine.
        Matcher evil = log("{pod=~\"(a+)+b\"}").selector().get(0);
        long started = System.nanoTime();
        assertThat(evil.matches("a".repeat(5_000) + "c")).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void stringsWithEscapesAndBackticks() {
        assertThat(log("{pod=\"a\\\"b\\\\c\\n\\t\\u00e9\\x41\"}").selector().get(0).value()).isEqualTo("a\"b\\c\n\té" + "A");
        assertThat(log("{pod=`a\\d+\"`}").selector().get(0).value()).isEqualTo("a\\d+\"");
        assertThat(log("{pod=~`\\d+`}").selector().get(0).matches("123")).isTrue();
    }

    @Test
    void trailingCommaAndWhitespaceAndComments() {
        assertThat(log(" { service_name = \"a\" , } # a comment").selector()).hasSize(1);
        assertThat(log("({service_name=\"a\"})").selector()).hasSize(1);
    }

    @Test
    void keywordsAreLabelNames() {
        assertThat(log("{service_name=\"a\"} | json | by=\"x\" | drop=\"y\"").stages()).hasSize(3);
    }

    // ------------------------------------------------------------------ line filters and stages

    @Test
    void chainedLineFilters() {
        LogExpr e = log("{service_name=\"a\"} |= \"timeout\" != `debug` |~ \"err(or)?\" !~ \"(?i)health\"");
        assertThat(e.stages()).containsExactly(
                LineFilter.of(LineFilterType.CONTAINS, "timeout"), LineFilter.of(LineFilterType.NOT_CONTAINS, "debug"),
                LineFilter.of(LineFilterType.MATCHES, "err(or)?"), LineFilter.of(LineFilterType.NOT_MATCHES, "(?i)health"));
        LineFilter contains = (LineFilter) e.stages().get(0);
        assertThat(contains.test("a Timeout")).isFalse(); // case-sensitive, as in Loki
        assertThat(contains.test("a timeout")).isTrue();
        LineFilter re = (LineFilter) e.stages().get(2);
        assertThat(re.test("some error here")).isTrue(); // line regexes are not anchored
        assertThat(((LineFilter) e.stages().get(3)).test("GET /HEALTH")).isFalse();
    }

    @Test
    void jsonAndLogfmtWithLabelFilters() {
        LogExpr e = log("{service_name=\"a\"} | json | status=\"500\" | logfmt | status=~\"5..\" | duration > 1s"
                + " | size >= 10KB | code != 200 | n == 3 | m < 1.5 | o <= 2 | p = 4");
        assertThat(e.stages()).containsExactly(
                new JsonParser(),
                new LabelFilterStage(new StringFilter(m("status", MatchType.EQ, "500"))),
                new LogfmtParser(),
                new LabelFilterStage(new StringFilter(m("status", MatchType.RE, "5.."))),
                new LabelFilterStage(new NumericFilter("duration", Comparison.GT, ValueKind.DURATION, 1)),
                new LabelFilterStage(new NumericFilter("size", Comparison.GTE, ValueKind.BYTES, 10_000)),
                new LabelFilterStage(new NumericFilter("code", Comparison.NEQ, ValueKind.NUMBER, 200)),
                new LabelFilterStage(new NumericFilter("n", Comparison.EQ, ValueKind.NUMBER, 3)),
                new LabelFilterStage(new NumericFilter("m", Comparison.LT, ValueKind.NUMBER, 1.5)),
                new LabelFilterStage(new NumericFilter("o", Comparison.LTE, ValueKind.NUMBER, 2)),
                new LabelFilterStage(new NumericFilter("p", Comparison.EQ, ValueKind.NUMBER, 4)));
    }

    @Test
    void durationLiterals() {
        LogExpr e = log("{service_name=\"a\"} | logfmt | d > 250ms | e < 1h30m | f >= 1.5s");
        assertThat(e.stages().subList(1, 4)).extracting(s -> ((NumericFilter) ((LabelFilterStage) s).filter()).value())
                .containsExactly(0.25, 5400.0, 1.5);
    }

    @Test
    void labelFilterBooleanOperators() {
        LogExpr e = log("{service_name=\"a\"} | logfmt | a=\"1\" and b=\"2\" or c=\"3\", d=\"4\" e=\"5\" | (f=\"6\" or g=\"7\") and h > 1");
        assertThat(e.stages().get(1)).isEqualTo(new LabelFilterStage(new Or(
                new And(new StringFilter(m("a", MatchType.EQ, "1")), new StringFilter(m("b", MatchType.EQ, "2"))),
                new And(new And(new StringFilter(m("c", MatchType.EQ, "3")), new StringFilter(m("d", MatchType.EQ, "4"))),
                        new StringFilter(m("e", MatchType.EQ, "5"))))));
        assertThat(e.stages().get(2)).isEqualTo(new LabelFilterStage(new And(
                new Or(new StringFilter(m("f", MatchType.EQ, "6")), new StringFilter(m("g", MatchType.EQ, "7"))),
                new NumericFilter("h", Comparison.GT, ValueKind.NUMBER, 1))));
    }

    @Test
    void dropIsAccepted() {
        LogExpr e = log("{service_name=\"a\"} | json | drop __error__, __error_details__");
        assertThat(e.stages()).containsExactly(new JsonParser(), new Drop(List.of(
                new DropLabel("__error__", null), new DropLabel("__error_details__", null))));
        LogExpr matched = log("{service_name=\"a\"} | drop level=\"info\"");
        assertThat(((Drop) matched.stages().get(0)).labels().get(0).matcher()).isEqualTo(m("level", MatchType.EQ, "info"));
    }

    // ------------------------------------------------------------------ metric queries

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "count_over_time({service_name=\"x\"}[5m]); COUNT_OVER_TIME; PT5M",
            "rate({service_name=\"x\"} |= \"err\" [1m]); RATE; PT1M",
            "bytes_over_time({service_name=\"x\"}[1h]); BYTES_OVER_TIME; PT1H",
            "bytes_rate({service_name=\"x\"} | json | status=\"500\" [30s]); BYTES_RATE; PT30S",
            "count_over_time({service_name=\"x\"}[5m] |= \"err\"); COUNT_OVER_TIME; PT5M",
            "count_over_time(({service_name=\"x\"} |= \"err\")[1d]); COUNT_OVER_TIME; PT24H"})
    void rangeAggregations(String query, RangeFunction function, Duration range) {
        RangeAggregation r = (RangeAggregation) LogQl.parse(query);
        assertThat(r.function()).isEqualTo(function);
        assertThat(r.range()).isEqualTo(range);
        assertThat(r.log().selector()).containsExactly(m("service_name", MatchType.EQ, "x"));
    }

    @Test
    void rangeFiltersAreKept() {
        RangeAggregation r = (RangeAggregation) LogQl.parse("rate({service_name=\"x\"} |= \"err\" | logfmt | level=\"error\" [1m])");
        assertThat(r.log().stages()).hasSize(3);
    }

    @Test
    void vectorAggregationsWithGroupingBeforeOrAfter() {
        VectorAggregation before = (VectorAggregation) LogQl.parse("sum by (level) (count_over_time({service_name=\"x\"}[5m]))");
        VectorAggregation after = (VectorAggregation) LogQl.parse("sum(count_over_time({service_name=\"x\"}[5m])) by (level)");
        assertThat(before).isEqualTo(after);
        assertThat(before.op()).isEqualTo(AggregationOp.SUM);
        assertThat(before.grouping()).isEqualTo(new Grouping(false, List.of("level")));
        for (String op : List.of("count", "max", "min", "avg")) {
            VectorAggregation v = (VectorAggregation) LogQl.parse(op + " without (pod, container) (rate({service_name=\"x\"}[1m]))");
            assertThat(v.op().logQl()).isEqualTo(op);
            assertThat(v.grouping()).isEqualTo(new Grouping(true, List.of("pod", "container")));
        }
        VectorAggregation none = (VectorAggregation) LogQl.parse("sum(rate({service_name=\"x\"}[1m]))");
        assertThat(none.grouping()).isEqualTo(Grouping.NONE);
        VectorAggregation empty = (VectorAggregation) LogQl.parse("sum by () (rate({service_name=\"x\"}[1m]))");
        assertThat(empty.grouping()).isEqualTo(new Grouping(false, List.of()));
        VectorAggregation nested = (VectorAggregation) LogQl.parse(
                "max(sum by (level, detected_level) (count_over_time({service_name=\"x\"}[5m])))");
        assertThat(nested.inner()).isInstanceOf(VectorAggregation.class);
    }

    @Test
    void grafanasHealthCheck() {
        assertThat(LogQl.parse("vector(1)+vector(1)"))
                .isEqualTo(new Binary(BinaryOp.ADD, new VectorLiteral(1), new VectorLiteral(1)));
        assertThat(LogQl.parse("vector(2) * 3 - 1")).isEqualTo(new Binary(BinaryOp.SUB,
                new Binary(BinaryOp.MUL, new VectorLiteral(2), new NumberLiteral(3)), new NumberLiteral(1)));
        assertThat(LogQl.parse("sum(rate({service_name=\"x\"}[1m])) / 2")).isInstanceOf(Binary.class);
    }

    // ------------------------------------------------------------------ bad and unsupported queries

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "{service_name=\"x\"} | line_format \"{{.a}}\"; parse error at line 1, col 22: line_format is not supported",
            "{service_name=\"x\"} | label_format a=b; label_format is not supported",
            "{service_name=\"x\"} | pattern \"<ip> <_>\"; pattern is not supported",
            "{service_name=\"x\"} | regexp \"(?P<a>.*)\"; regexp is not supported",
            "{service_name=\"x\"} | unpack; unpack is not supported",
            "{service_name=\"x\"} | keep a; keep is not supported",
            "{service_name=\"x\"} | decolorize; decolorize is not supported",
            "sum_over_time({service_name=\"x\"} | logfmt | unwrap latency [1m]); sum_over_time is not supported",
            "quantile_over_time(0.99, {service_name=\"x\"} | logfmt | unwrap latency [1m]); quantile_over_time is not supported",
            "topk(5, sum by (pod) (rate({service_name=\"x\"}[1m]))); parse error at line 1, col 1: topk is not supported",
            "count_over_time({service_name=\"x\"}[5m] offset 1h); offset is not supported",
            "{service_name=\"x\"} | json a=\"b\"; json with parameters or flags is not supported",
            "{service_name=\"x\"} | logfmt --strict; logfmt with parameters or flags is not supported",
            "{service_name=\"x\"} |= ip(\"1.2.3.4\"); ip is not supported"})
    void unsupportedFeaturesAreNamed(String query, String message) {
        assertThatThrownBy(() -> LogQl.parse(query)).isInstanceOf(LogQlException.class).hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "{service_name=\"x\"; parse error at line 1, col 18: syntax error: unexpected $end",
            "{service_name=x}; parse error at line 1, col 15: syntax error: unexpected IDENTIFIER \"x\", expecting STRING",
            "service_name=\"x\"; parse error at line 1, col 13: syntax error: unexpected =",
            "{service_name=\"x\"} |= 5; parse error at line 1, col 23: syntax error: unexpected NUMBER \"5\", expecting STRING",
            "count_over_time({service_name=\"x\"}); parse error at line 1, col 35: syntax error: unexpected )",
            "count_over_time({service_name=\"x\"}[5]); parse error at line 1, col 36: syntax error: unexpected NUMBER \"5\"",
            "count_over_time({service_name=\"x\"}[0s]); parse error at line 1, col 36: invalid range 0s: a range must be positive",
            "sum({service_name=\"x\"}[5m]); syntax error: sum expects a metric expression",
            "rate(sum(rate({service_name=\"x\"}[1m]))); syntax error: rate expects a log range",
            "foo({service_name=\"x\"}[5m]); syntax error: unexpected IDENTIFIER \"foo\"",
            "sum by (level) (rate({service_name=\"x\"}[1m])) by (pod); syntax error: unexpected by",
            "{service_name=~\"a(\"}; parse error at line 1, col 16: invalid regular expression: missing closing )",
            "{service_name=\"x\"} |~ \"[a\"; invalid regular expression",
            "{service_name=\"a\\q\"}; parse error at line 1, col 15: invalid char escape",
            "{service_name=\"x\"} + 1; syntax error: unexpected +",
            "{service_name=\"x\"} | status > \"5\"; syntax error: unexpected STRING",
            "{service_name=\"x\"} @ 5; syntax error: unexpected character \"@\"",
            "vector(1) > 1; syntax error: unexpected >"})
    void syntaxErrorsAreLokiStyle(String query, String message) {
        assertThatThrownBy(() -> LogQl.parse(query)).isInstanceOf(LogQlException.class).hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{pod=~\".*\"}", "{pod!=\"a\"}", "{pod=\"\"}", "{pod!~\"a.*\", namespace=~\"\"}",
            "count_over_time({pod=~\".*\"}[5m])"})
    void aSelectorMustNeedANonEmptyValue(String query) {
        assertThatThrownBy(() -> LogQl.parse(query)).isInstanceOf(LogQlException.class)
                .hasMessageContaining("queries require at least one regexp or equality matcher that does not have an empty-compatible value");
    }

    @Test
    void emptyAndHugeQueries() {
        assertThatThrownBy(() -> LogQl.parse("")).hasMessageContaining("syntax error: unexpected $end");
        assertThatThrownBy(() -> LogQl.parse(" ")).hasMessageContaining("syntax error: unexpected $end");
        assertThatThrownBy(() -> LogQl.parse("{pod=\"" + "a".repeat(20_000) + "\"}")).hasMessageContaining("more than the 16384 supported");
    }

    @Test
    void selectorsAlone() {
        assertThat(LogQl.parseSelector("{service_name=\"x\", level=~\"warn|error\"}")).hasSize(2);
        assertThatThrownBy(() -> LogQl.parseSelector("{service_name=\"x\"} |= \"a\""))
                .hasMessageContaining("only a stream selector");
        assertThatThrownBy(() -> LogQl.parseSelector("rate({service_name=\"x\"}[1m])"))
                .hasMessageContaining("only a stream selector");
    }

    @Test
    void unitsParse() {
        assertThat(Units.durationSeconds("1h30m").getAsDouble()).isEqualTo(5400);
        assertThat(Units.durationSeconds("250ms").getAsDouble()).isEqualTo(0.25);
        assertThat(Units.durationSeconds("-1.5s").getAsDouble()).isEqualTo(-1.5);
        assertThat(Units.durationSeconds("1x")).isEmpty();
        assertThat(Units.durationSeconds("")).isEmpty();
        assertThat(Units.bytes("10KB").getAsDouble()).isEqualTo(10_000);
        assertThat(Units.bytes("1.5 MiB").getAsDouble()).isEqualTo(1.5 * 1024 * 1024);
        assertThat(Units.bytes("20b").getAsDouble()).isEqualTo(20);
        assertThat(Units.bytes("20q")).isEmpty();
        assertThat(Units.number("1e3").getAsDouble()).isEqualTo(1000);
        assertThat(Units.number("1d")).isEmpty();
        assertThat(Units.number("0x10")).isEmpty();
        assertThat(Units.sample(2)).isEqualTo("2");
        assertThat(Units.sample(0.5)).isEqualTo("0.5");
        assertThat(Units.sample(1.0 / 3)).isEqualTo("0.3333333333333333");
        assertThat(Units.sample(Double.NaN)).isEqualTo("NaN");
        assertThat(Units.sample(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }
}
