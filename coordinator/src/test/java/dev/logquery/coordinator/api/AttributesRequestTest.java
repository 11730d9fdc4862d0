package dev.logquery.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code attributes} filter of {@code POST /api/query/logs}, and attributes in its answers. */
class AttributesRequestTest {

    private static final String TIMES = "\"startTime\": \"2024-12-01T00:00:00Z\", \"endTime\": \"2024-12-02T00:00:00Z\"";

    private static ParsedRequest parse(String more) {
        return LogQueryRequestParser.parse(("{" + TIMES + ", " + more + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static LogQuery valid(String more) {
        ParsedRequest r = parse(more);
        assertThat(r).as(more).isInstanceOf(ParsedRequest.Valid.class);
        return ((ParsedRequest.Valid) r).query();
    }

    private static FieldProblem onlyProblem(String more) {
        ParsedRequest r = parse(more);
        assertThat(r).as(more).isInstanceOf(ParsedRequest.Invalid.class);
        List<FieldProblem> problems = ((ParsedRequest.Invalid) r).problems();
        assertThat(problems).as(more).hasSize(1);
        return problems.get(0);
    }

    @Test
    void attributesBecomeTheQuerysEqualityFilter() {
        LogQuery q = valid("\"attributes\": {\"zone\": \"a\", \"cluster\": \"eu-1\"}");
        assertThat(q.attributes()).containsExactly(Map.entry("cluster", "eu-1"), Map.entry("zone", "a"));
        assertThat(valid("\"attributes\": {}").attributes()).isNull();
        assertThat(valid("\"attributes\": null").attributes()).isNull();
        // values are compared exactly: not trimmed
        assertThat(valid("\"attributes\": {\"k\": \" v \"}").attributes()).containsEntry("k", " v ");
        String longest = "v".repeat(Attributes.MAX_VALUE_CHARS);
        assertThat(valid("\"attributes\": {\"k\": \"" + longest + "\"}").attributes()).containsEntry("k", longest);
    }

    @Test
    void badAttributesAre400sNamingTheField() {
        assertThat(onlyProblem("\"attributes\": \"cluster=eu-1\"").field()).isEqualTo("attributes");
        assertThat(onlyProblem("\"attributes\": [\"eu-1\"]").field()).isEqualTo("attributes");
        FieldProblem number = onlyProblem("\"attributes\": {\"cluster\": 1}");
        assertThat(number.field()).isEqualTo("attributes.cluster");
        assertThat(number.message()).contains("must be a string");
        assertThat(onlyProblem("\"attributes\": {\"cluster\": {\"a\": \"b\"}}").field()).isEqualTo("attributes.cluster");
        assertThat(onlyProblem("\"attributes\": {\"cluster\": null}").field()).isEqualTo("attributes.cluster");
        assertThat(onlyProblem("\"attributes\": {\"cluster\": \"\"}").field()).isEqualTo("attributes.cluster");
        assertThat(onlyProblem("\"attributes\": {\"cluster\": \"" + "v".repeat(Attributes.MAX_VALUE_CHARS + 1) + "\"}")
                .field()).isEqualTo("attributes.cluster");
        assertThat(onlyProblem("\"attributes\": {\"\": \"x\"}").field()).isEqualTo("attributes");
        assertThat(onlyProblem("\"attributes\": {\"" + "k".repeat(Attributes.MAX_KEY_CHARS + 1) + "\": \"x\"}")
                .message()).contains("a key must have 1 to " + Attributes.MAX_KEY_CHARS);
        assertThat(onlyProblem("\"attributes\": {\"a\": \"x\", \"a\": \"y\"}").field()).isEqualTo("attributes.a");
        String many = IntStream.rangeClosed(0, Attributes.MAX_KEYS).mapToObj(i -> "\"k" + i + "\": \"v\"")
                .collect(Collectors.joining(", "));
        FieldProblem tooMany = onlyProblem("\"attributes\": {" + many + "}");
        assertThat(tooMany.field()).isEqualTo("attributes");
        assertThat(tooMany.message()).contains("at most " + Attributes.MAX_KEYS);
    }

    @Test
    void anAttributeProblemIsListedWithTheOthersInFieldOrder() {
        ParsedRequest r = parse("\"limit\": 0, \"attributes\": {\"c\": 2}, \"serviceName\": \"\"");
        assertThat(((ParsedRequest.Invalid) r).problems()).extracting(FieldProblem::field)
                .containsExactly("serviceName", "attributes.c", "limit");
    }

    @Test
    void aCursorBelongsToItsAttributes() {
        LogQuery eu = valid("\"attributes\": {\"cluster\": \"eu-1\"}");
        String cursor = CursorCodec.encode(eu, new LogQuery.Position(Instant.parse("2024-12-01T10:00:00Z"), 1, 7));
        assertThat(valid("\"attributes\": {\"cluster\": \"eu-1\"}, \"cursor\": \"" + cursor + "\"").after()).isNotNull();
        assertThat(onlyProblem("\"attributes\": {\"cluster\": \"us-1\"}, \"cursor\": \"" + cursor + "\"").field())
                .isEqualTo("cursor");
        assertThat(onlyProblem("\"cursor\": \"" + cursor + "\"").field()).isEqualTo("cursor");
    }

    @Test
    void answersCarryAttributesOnlyWhenALineHasThem() {
        LogEntry with = new LogEntry(Instant.parse("2024-12-01T10:00:00Z"), "svc", LogLevel.UNKNOWN, null, null, null,
                "m", Map.of("zone", "a", "cluster", "eu-1"));
        LogEntry without = new LogEntry(Instant.parse("2024-12-01T10:00:00Z"), "svc", LogLevel.INFO, null, null, null, "m");
        JsonNode a = JsonMapper.builder().build().readTree(ResponseJson.logLine(new StoredLogEntry(with, 0, 0, 1)));
        assertThat(a.get("attributes").toString()).isEqualTo("{\"cluster\":\"eu-1\",\"zone\":\"a\"}");
        assertThat(a.get("level").asString()).isEqualTo("UNKNOWN");
        JsonNode b = JsonMapper.builder().build().readTree(ResponseJson.logLine(new StoredLogEntry(without, 0, 0, 2)));
        assertThat(b.has("attributes")).isFalse();
    }
}
