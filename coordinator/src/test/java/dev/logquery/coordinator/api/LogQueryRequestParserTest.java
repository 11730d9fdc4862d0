package dev.logquery.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LogQueryRequestParserTest {

    private static final String START = "\"startTime\": \"2024-12-01T00:00:00Z\"";
    private static final String END = "\"endTime\": \"2024-12-30T23:59:59Z\"";
    private static final String TIMES = START + ", " + END;
    private static final Instant T0 = Instant.parse("2024-12-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2024-12-30T23:59:59Z");

    /** A body holding the two valid times plus {@code more} (a comma-separated list of fields, may be empty). */
    private static String withTimes(String more) {
        return "{" + TIMES + (more.isEmpty() ? "" : ", " + more) + "}";
    }

    private static ParsedRequest parse(String body) {
        return LogQueryRequestParser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static LogQuery valid(String body) {
        ParsedRequest r = parse(body);
        assertThat(r).as(body).isInstanceOf(ParsedRequest.Valid.class);
        return ((ParsedRequest.Valid) r).query();
    }

    private static List<FieldProblem> invalid(String body) {
        ParsedRequest r = parse(body);
        assertThat(r).as(body).isInstanceOf(ParsedRequest.Invalid.class);
        return ((ParsedRequest.Invalid) r).problems();
    }

    static Stream<Arguments> badBodies() {
        String s129 = "s".repeat(129);
        return Stream.of(
                // the document as a whole
                Arguments.of("", List.of("body")),
                Arguments.of("   \n", List.of("body")),
                Arguments.of("{", List.of("body")),
                Arguments.of("not json", List.of("body")),
                Arguments.of("[]", List.of("body")),
                Arguments.of("[" + withTimes("") + "]", List.of("body")),
                Arguments.of("null", List.of("body")),
                Arguments.of("42", List.of("body")),
                Arguments.of("\"a string\"", List.of("body")),
                Arguments.of("{} {}", List.of("body")),
                Arguments.of(withTimes("") + " trailing", List.of("body")),
                Arguments.of("{" + TIMES + ", \"limit\": }", List.of("body")),
                Arguments.of("{" + TIMES + ", \"limit\": 5,}", List.of("body")),
                Arguments.of("{'startTime': '2024-12-01T00:00:00Z'}", List.of("body")),
                Arguments.of("{\"limit\": 0, \"serviceName\": ", List.of("body")),
                // times
                Arguments.of("{}", List.of("startTime", "endTime")),
                Arguments.of("{" + END + "}", List.of("startTime")),
                Arguments.of("{" + START + "}", List.of("endTime")),
                Arguments.of("{\"startTime\": null, " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": 5, " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": true, " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": {\"at\": 1}, " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": [\"2024-12-01T00:00:00Z\"], " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"yesterday\", " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"\", " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"2024-12-01\", " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"2024-12-01T00:00:00\", " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"2024-13-01T00:00:00Z\", " + END + "}", List.of("startTime")),
                Arguments.of("{\"startTime\": \"2024-02-30T00:00:00Z\", " + END + "}", List.of("startTime")),
                Arguments.of("{" + START + ", \"endTime\": 1733011200}", List.of("endTime")),
                Arguments.of("{" + START + ", \"endTime\": \"2024-11-30T23:59:59Z\"}", List.of("endTime")),
                Arguments.of("{" + START + ", \"endTime\": \"2024-12-01T00:00:00.000001+00:01\"}", List.of("endTime")),
                Arguments.of("{\"startTime\": \"x\", \"endTime\": \"y\"}", List.of("startTime", "endTime")),
                // the window: at most 30 days by default
                Arguments.of("{\"startTime\": \"0000-01-01T00:00:00Z\", \"endTime\": \"9999-12-31T23:59:59Z\"}",
                        List.of("endTime")),
                Arguments.of("{" + START + ", \"endTime\": \"2024-12-31T00:00:00.000001Z\"}", List.of("endTime")),
                // service, namespace, pod, contains
                Arguments.of(withTimes("\"serviceName\": \"\""), List.of("serviceName")),
                Arguments.of(withTimes("\"serviceName\": \"   \""), List.of("serviceName")),
                Arguments.of(withTimes("\"serviceName\": \"" + s129 + "\""), List.of("serviceName")),
                Arguments.of(withTimes("\"serviceName\": 7"), List.of("serviceName")),
                Arguments.of(withTimes("\"serviceName\": [\"a\", \"b\"]"), List.of("serviceName")),
                Arguments.of(withTimes("\"namespace\": \"\""), List.of("namespace")),
                Arguments.of(withTimes("\"namespace\": false"), List.of("namespace")),
                Arguments.of(withTimes("\"pod\": \"" + "p".repeat(254) + "\""), List.of("pod")),
                Arguments.of(withTimes("\"pod\": {}"), List.of("pod")),
                Arguments.of(withTimes("\"contains\": \"\""), List.of("contains")),
                Arguments.of(withTimes("\"contains\": \"" + "c".repeat(257) + "\""), List.of("contains")),
                Arguments.of(withTimes("\"contains\": 12"), List.of("contains")),
                // levels
                Arguments.of(withTimes("\"logLevel\": \"LOUD\""), List.of("logLevel")),
                Arguments.of(withTimes("\"logLevel\": \"\""), List.of("logLevel")),
                Arguments.of(withTimes("\"logLevel\": 3"), List.of("logLevel")),
                Arguments.of(withTimes("\"logLevel\": [\"ERROR\"]"), List.of("logLevel")),
                Arguments.of(withTimes("\"levels\": \"ERROR\""), List.of("levels")),
                Arguments.of(withTimes("\"levels\": []"), List.of("levels")),
                Arguments.of(withTimes("\"levels\": [\"ERROR\", \"NOPE\"]"), List.of("levels")),
                Arguments.of(withTimes("\"levels\": [1]"), List.of("levels")),
                Arguments.of(withTimes("\"levels\": [null]"), List.of("levels")),
                Arguments.of(withTimes("\"levels\": [[\"ERROR\"], {\"x\": [1]}]"), List.of("levels")),
                Arguments.of(withTimes("\"levels\": {\"ERROR\": true}"), List.of("levels")),
                Arguments.of(withTimes("\"logLevel\": \"ERROR\", \"levels\": [\"FATAL\"]"), List.of("levels")),
                Arguments.of(withTimes("\"logLevel\": \"ERROR\", \"levels\": [\"ERROR\"]"), List.of("levels")),
                // limit
                Arguments.of(withTimes("\"limit\": 0"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": -1"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 10001"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 2147483648"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 99999999999999999999999"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": \"ten\""), List.of("limit")),
                Arguments.of(withTimes("\"limit\": \"10\""), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 10.5"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 10.0"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": 1e2"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": true"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": [10]"), List.of("limit")),
                Arguments.of(withTimes("\"limit\": {\"max\": 10}"), List.of("limit")),
                // cursor
                Arguments.of(withTimes("\"cursor\": \"\""), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": \"garbage\""), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": \"!!!not base64!!!\""), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": \"" + "A".repeat(39) + "\""), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": \"" + "A".repeat(100) + "\""), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": 5"), List.of("cursor")),
                Arguments.of(withTimes("\"cursor\": {}"), List.of("cursor")),
                // unknown and repeated fields
                Arguments.of(withTimes("\"level\": \"ERROR\""), List.of("level")),
                Arguments.of(withTimes("\"service\": \"payment\", \"x\": {\"a\": [1, {\"b\": 2}]}"), List.of("service", "x")),
                Arguments.of(withTimes("\"body\": 1"), List.of("body")),
                Arguments.of(withTimes("\"x\": 1, \"x\": 2"), List.of("x")),
                Arguments.of(withTimes("\"limit\": 1, \"limit\": 2"), List.of("limit")),
                Arguments.of("{" + TIMES + ", " + START + "}", List.of("startTime")),
                Arguments.of(withTimes("\"a0\":0,\"a1\":1,\"a2\":2,\"a3\":3,\"a4\":4,\"a5\":5,\"a6\":6,\"a7\":7,\"a8\":8,"
                        + "\"a9\":9,\"a10\":10,\"a11\":11"),
                        List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9")),
                // several problems: all reported, in the fixed field order whatever the key order
                Arguments.of("{\"zzz\": 1, \"limit\": 0, \"logLevel\": \"LOUD\", " + END + "}",
                        List.of("startTime", "logLevel", "limit", "zzz")),
                Arguments.of("{\"cursor\": 1, \"contains\": \"\", \"pod\": 1, \"namespace\": 1, \"levels\": 1, "
                        + "\"serviceName\": 1, \"endTime\": 1, \"startTime\": 1, \"limit\": 1.5}",
                        List.of("startTime", "endTime", "serviceName", "levels", "namespace", "pod", "contains",
                                "limit", "cursor")),
                // a cursor is only decoded once the rest is valid
                Arguments.of(withTimes("\"limit\": 0, \"cursor\": \"garbage\""), List.of("limit")));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("badBodies")
    void badBodiesNameTheirFields(String body, List<String> fields) {
        List<FieldProblem> problems = invalid(body);
        assertThat(problems).extracting(FieldProblem::field).containsExactlyElementsOf(fields);
        assertThat(problems).allSatisfy(p -> assertThat(p.message()).isNotBlank().hasSizeLessThan(400));
    }

    static Stream<Arguments> goodBodies() {
        LevelSet error = LevelSet.of(List.of(LogLevel.ERROR));
        String s128 = "s".repeat(128);
        String c256 = "c".repeat(256);
        return Stream.of(
                Arguments.of(withTimes(""), LogQueryBuilder.between(T0, T1).limit(100).build()),
                Arguments.of("{" + END + ", " + START + "}", LogQueryBuilder.between(T0, T1).limit(100).build()),
                Arguments.of(" \n{" + TIMES + "}\n ", LogQueryBuilder.between(T0, T1).limit(100).build()),
                Arguments.of(withTimes("\"serviceName\": \"payment-service\", \"logLevel\": \"ERROR\", \"limit\": 5"),
                        LogQueryBuilder.between(T0, T1).service("payment-service").levels(error).limit(5).build()),
                Arguments.of(withTimes("\"logLevel\": \"error\""), LogQueryBuilder.between(T0, T1).levels(error)
                        .limit(100).build()),
                Arguments.of(withTimes("\"logLevel\": \" Error \""), LogQueryBuilder.between(T0, T1).levels(error)
                        .limit(100).build()),
                Arguments.of(withTimes("\"levels\": [\"warn\", \"Error\", \"ERROR\"]"), LogQueryBuilder.between(T0, T1)
                        .levels(LevelSet.of(List.of(LogLevel.WARN, LogLevel.ERROR))).limit(100).build()),
                Arguments.of(withTimes("\"levels\": [\"TRACE\", \"DEBUG\", \"INFO\", \"WARN\", \"ERROR\", \"FATAL\", \"UNKNOWN\"]"),
                        LogQueryBuilder.between(T0, T1).levels(LevelSet.ALL).limit(100).build()),
                Arguments.of(withTimes("\"logLevel\": \"ERROR\", \"levels\": null"),
                        LogQueryBuilder.between(T0, T1).levels(error).limit(100).build()),
                Arguments.of(withTimes("\"serviceName\": null, \"logLevel\": null, \"levels\": null, \"namespace\": null, "
                        + "\"pod\": null, \"contains\": null, \"limit\": null, \"cursor\": null"),
                        LogQueryBuilder.between(T0, T1).limit(100).build()),
                Arguments.of(withTimes("\"namespace\": \"payments\", \"pod\": \"payment-7d9f\", \"contains\": \"timed out\""),
                        LogQueryBuilder.between(T0, T1).namespace("payments").pod("payment-7d9f")
                                .contains("timed out").limit(100).build()),
                Arguments.of(withTimes("\"serviceName\": \"  payment-service \", \"namespace\": \" payments\""),
                        LogQueryBuilder.between(T0, T1).service("payment-service").namespace("payments").limit(100)
                                .build()),
                Arguments.of(withTimes("\"contains\": \" timeout \""), LogQueryBuilder.between(T0, T1)
                        .contains(" timeout ").limit(100).build()),
                Arguments.of(withTimes("\"serviceName\": \"a\\u0000b\""), LogQueryBuilder.between(T0, T1)
                        .service("a\uFFFDb").limit(100).build()),
                Arguments.of(withTimes("\"serviceName\": \"" + s128 + "\", \"contains\": \"" + c256 + "\""),
                        LogQueryBuilder.between(T0, T1).service(s128).contains(c256).limit(100).build()),
                Arguments.of(withTimes("\"limit\": 1"), LogQueryBuilder.between(T0, T1).limit(1).build()),
                Arguments.of(withTimes("\"limit\": 10000"), LogQueryBuilder.between(T0, T1).limit(10000).build()),
                Arguments.of("{\"startTime\": \"2024-12-01T02:00:00+02:00\", \"endTime\": \"2024-12-01t00:00:00.1234567z\"}",
                        LogQueryBuilder.between(T0, Instant.parse("2024-12-01T00:00:00.123456Z")).limit(100).build()),
                Arguments.of("{\"startTime\": \"2024-12-01T00:00:00Z\", \"endTime\": \"2024-12-01 00:00:00Z\"}",
                        LogQueryBuilder.between(T0, T0).limit(100).build()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("goodBodies")
    void goodBodiesBecomeQueries(String body, LogQuery expected) {
        assertThat(valid(body)).isEqualTo(expected);
    }

    @Test
    void cursorRoundTripsAndMayChangeTheLimit() {
        LogQuery first = valid(withTimes("\"serviceName\": \"payment-service\", \"levels\": [\"ERROR\"], \"limit\": 10"));
        LogQuery.Position last = new LogQuery.Position(Instant.parse("2024-12-05T10:15:30.123456Z"), 3, 8812);
        String cursor = CursorCodec.encode(first, last);

        LogQuery second = valid(withTimes("\"serviceName\": \"payment-service\", \"logLevel\": \"error\", "
                + "\"limit\": 50, \"cursor\": \"" + cursor + "\""));
        assertThat(second.after()).isEqualTo(last);
        assertThat(second).isEqualTo(LogQueryBuilder.between(T0, T1).service("payment-service")
                .levels(LevelSet.of(List.of(LogLevel.ERROR))).limit(50).after(last).build());
    }

    @Test
    void aWindowOfExactlyTheMaximumIsValidAndTheMessageNamesTheLimit() {
        assertThat(valid("{" + START + ", \"endTime\": \"2024-12-31T00:00:00Z\"}").endTime())
                .isEqualTo(Instant.parse("2024-12-31T00:00:00Z"));
        List<FieldProblem> problems = invalid("{" + START + ", \"endTime\": \"2025-01-01T00:00:00Z\"}");
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).message()).contains("more than 30d after startTime");
        ParsedRequest day = LogQueryRequestParser.parse(("{" + START + ", \"endTime\": \"2024-12-02T00:00:01Z\"}")
                .getBytes(StandardCharsets.UTF_8), 100, java.time.Duration.ofDays(1));
        assertThat(((ParsedRequest.Invalid) day).problems()).extracting(FieldProblem::field).containsExactly("endTime");
    }

    @Test
    void aCursorPositionOutsideTheWindowIsRefused() {
        LogQuery query = valid(withTimes(""));
        String after = CursorCodec.encode(query, new LogQuery.Position(T1.plusSeconds(86_400), 1, 2));
        String before = CursorCodec.encode(query, new LogQuery.Position(T0.minusNanos(1000), 1, 2));
        for (String cursor : List.of(after, before)) {
            List<FieldProblem> problems = invalid(withTimes("\"cursor\": \"" + cursor + "\""));
            assertThat(problems).extracting(FieldProblem::field).containsExactly("cursor");
            assertThat(problems.get(0).message()).contains("outside the window");
        }
    }

    @Test
    void cursorOfOtherFiltersIsRefused() {
        LogQuery first = valid(withTimes("\"serviceName\": \"payment-service\""));
        String cursor = CursorCodec.encode(first, new LogQuery.Position(T0, 1, 2));

        List<FieldProblem> problems = invalid(withTimes("\"serviceName\": \"inventory\", \"cursor\": \"" + cursor + "\""));
        assertThat(problems).containsExactly(new FieldProblem("cursor", LogQueryRequestParser.BAD_CURSOR));
        assertThat(invalid("{\"startTime\": \"2024-12-02T00:00:00Z\", " + END + ", \"serviceName\": \"payment-service\", "
                + "\"cursor\": \"" + cursor + "\"}")).extracting(FieldProblem::field).containsExactly("cursor");
    }

    @Test
    void messagesSayWhatIsWrong() {
        assertThat(invalid(withTimes("\"limit\": \"ten\"")))
                .containsExactly(new FieldProblem("limit", "limit must be an integer from 1 to 10000, is a string"));
        assertThat(invalid(withTimes("\"limit\": 0")))
                .containsExactly(new FieldProblem("limit", "limit must be an integer from 1 to 10000, is 0"));
        assertThat(invalid("{\"startTime\": 5, " + END + "}"))
                .containsExactly(new FieldProblem("startTime", "startTime must be a string, is a number"));
        assertThat(invalid("{" + END + "}")).containsExactly(new FieldProblem("startTime", "startTime is missing"));
        assertThat(invalid("{" + START + ", \"endTime\": \"2024-11-30T00:00:00Z\"}")).containsExactly(new FieldProblem(
                "endTime", "endTime 2024-11-30T00:00:00Z is before startTime 2024-12-01T00:00:00Z"));
        assertThat(invalid(withTimes("\"logLevel\": \"LOUD\""))).containsExactly(new FieldProblem("logLevel",
                "logLevel is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN: \"LOUD\""));
        assertThat(invalid(withTimes("\"serviceName\": \"" + "s".repeat(129) + "\""))).containsExactly(new FieldProblem(
                "serviceName", "serviceName must have 1 to 128 characters, has 129 (omit it for no filter)"));
        assertThat(invalid(withTimes("\"levl\": 1"))).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("unknown field levl; known fields are startTime, "));
        assertThat(invalid("[1]")).containsExactly(new FieldProblem("body", "body must be a JSON object, is an array"));
        assertThat(invalid("{\"x\": tru}")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("body is not JSON: "));
    }

    @Test
    void longValuesAreAbbreviatedInMessages() {
        String huge = "x".repeat(40_000);
        List<FieldProblem> problems = invalid("{\"startTime\": \"" + huge + "\", " + END + ", \"" + huge + "\": 1}");
        assertThat(problems).hasSize(2);
        assertThat(problems).allSatisfy(p -> {
            assertThat(p.field().length()).isLessThanOrEqualTo(67);
            assertThat(p.message().length()).isLessThan(400);
        });
    }

    @Test
    void nullAndBinaryInputIsABodyProblem() {
        assertThat(LogQueryRequestParser.parse(null)).isInstanceOf(ParsedRequest.Invalid.class);
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '{'};
        assertThat(((ParsedRequest.Invalid) LogQueryRequestParser.parse(binary)).problems())
                .extracting(FieldProblem::field).containsExactly("body");
        byte[] badUtf8 = ("{" + TIMES + ", \"serviceName\": \"a\u00ff\"}").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(LogQueryRequestParser.parse(badUtf8)).isInstanceOf(ParsedRequest.Invalid.class);
    }

    @Test
    void deeplyNestedInputIsABodyProblem() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThat(invalid(withTimes("\"x\": " + deep))).extracting(FieldProblem::field).containsExactly("body");
    }

    @Test
    void aConfiguredMaximumLimitReplacesTheDefaultOne() {
        byte[] big = withTimes("\"limit\": 250000").getBytes(StandardCharsets.UTF_8);
        assertThat(LogQueryRequestParser.parse(big)).isInstanceOf(ParsedRequest.Invalid.class);
        ParsedRequest allowed = LogQueryRequestParser.parse(big, 1_000_000);
        assertThat(((ParsedRequest.Valid) allowed).query().limit()).isEqualTo(250_000);
        ParsedRequest.Invalid tooBig = (ParsedRequest.Invalid) LogQueryRequestParser.parse(big, 100_000);
        assertThat(tooBig.problems()).containsExactly(
                new FieldProblem("limit", "limit must be an integer from 1 to 100000, is 250000"));
    }
}
