package dev.logquery.common.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueryJsonTest {

    private static final String START = "\"startTime\":\"2024-12-01T00:00:00Z\"";
    private static final String END = "\"endTime\":\"2024-12-01T23:59:59.999999Z\"";

    private static LogQuery read(String json) {
        return QueryJson.fromJson(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A query with the two required times and {@code extra} (a JSON member list, may be empty). */
    private static String with(String extra) {
        return "{" + START + "," + END + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void aFullQueryRoundTrips() {
        LogQuery q = new LogQuery(Instant.parse("2024-12-01T00:00:00.000001Z"), Instant.parse("2024-12-02T10:15:30.5Z"),
                "payment-service", LevelSet.of(List.of(LogLevel.ERROR, LogLevel.FATAL)), "payments",
                "payment-service-7d9f8c6b5-x2k4p", "Timed \"out\" 50%_\\ é😀", 500,
                new LogQuery.Position(Instant.parse("2024-12-02T10:00:00.123456Z"), 5, Long.MAX_VALUE));
        assertThat(QueryJson.fromJson(QueryJson.toJson(q))).isEqualTo(q);
    }

    @Test
    void anAttributeFilterRoundTripsAndIsValidated() {
        LogQuery q = new LogQuery(Instant.parse("2026-12-03T00:00:00Z"), Instant.parse("2026-12-03T01:00:00Z"),
                "checkout", null, null, null, null, 10, null, java.util.Map.of("cluster", "eu-1", "zone", "b"));
        assertThat(QueryJson.fromJson(QueryJson.toJson(q))).isEqualTo(q);
        String bad = "{\"startTime\":\"2026-12-03T00:00:00Z\",\"endTime\":\"2026-12-03T01:00:00Z\","
                + "\"attributes\":{\"cluster\":1}}";
        assertThatThrownBy(() -> QueryJson.fromJson(bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("attributes.cluster");
        assertThat(q.withAfter(new LogQuery.Position(q.endTime(), 1, 2)).attributes()).isEqualTo(q.attributes());
    }

    @Test
    void aMinimalQueryRoundTripsAndGetsTheDefaultLimit() {
        LogQuery q = read(with(""));
        assertThat(q).isEqualTo(new LogQuery(Instant.parse("2024-12-01T00:00:00Z"),
                Instant.parse("2024-12-01T23:59:59.999999Z"), null, null, null, null, null, LogQuery.DEFAULT_LIMIT, null));
        assertThat(QueryJson.fromJson(QueryJson.toJson(q))).isEqualTo(q);
        String json = new String(QueryJson.toJson(q), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("serviceName", "levels", "namespace", "pod", "contains", "after");
    }

    @Test
    void nullMeansAbsentAndUnknownFieldsAreIgnored() {
        LogQuery q = read(with("\"serviceName\":null,\"levels\":null,\"namespace\":null,\"pod\":null,"
                + "\"contains\":null,\"limit\":null,\"after\":null,\"future\":{\"x\":[1,2,{\"y\":null}]}"));
        assertThat(q.service()).isNull();
        assertThat(q.levels()).isNull();
        assertThat(q.after()).isNull();
        assertThat(q.limit()).isEqualTo(LogQuery.DEFAULT_LIMIT);
    }

    @Test
    void levelNamesAreCaseInsensitiveAndTimesMayHaveOffsets() {
        LogQuery q = read("{\"startTime\":\"2024-12-01T02:00:00+02:00\",\"endTime\":\"2024-12-01t01:00:00z\","
                + "\"levels\":[\"warn\",\"Error\",\"WARN\"]}");
        assertThat(q.startTime()).isEqualTo(Instant.parse("2024-12-01T00:00:00Z"));
        assertThat(q.endTime()).isEqualTo(Instant.parse("2024-12-01T01:00:00Z"));
        assertThat(q.levels().levels()).containsExactly(LogLevel.WARN, LogLevel.ERROR);
    }

    @Test
    void equalStartAndEndIsOneInstant() {
        LogQuery q = read("{\"startTime\":\"2024-12-01T00:00:00Z\",\"endTime\":\"2024-12-01T00:00:00Z\"}");
        assertThat(q.startTime()).isEqualTo(q.endTime());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                arguments("", "body"),
                arguments("not json", "body"),
                arguments("[]", "body"),
                arguments("\"a string\"", "body"),
                arguments("{\"startTime\":\"2024-12-01T00:00:00Z\",", "body"),
                arguments(with("") + "{}", "body"),
                arguments(with("") + " trailing", "body"),
                arguments("{" + END + "}", "startTime"),
                arguments("{\"startTime\":null," + END + "}", "startTime"),
                arguments("{\"startTime\":\"yesterday\"," + END + "}", "startTime"),
                arguments("{\"startTime\":1733011200," + END + "}", "startTime"),
                arguments("{\"startTime\":\"2024-02-30T00:00:00Z\"," + END + "}", "startTime"),
                arguments("{" + START + "}", "endTime"),
                arguments("{" + START + ",\"endTime\":\"2024-11-30T23:59:59Z\"}", "endTime"),
                arguments("{" + START + ",\"endTime\":[]}", "endTime"),
                arguments("{" + START + "," + START + "," + END + "}", "startTime"),
                arguments(with("\"serviceName\":42"), "serviceName"),
                arguments(with("\"serviceName\":\"\""), "serviceName"),
                arguments(with("\"serviceName\":\"" + "s".repeat(129) + "\""), "serviceName"),
                arguments(with("\"levels\":\"INFO\""), "levels"),
                arguments(with("\"levels\":[]"), "levels"),
                arguments(with("\"levels\":[\"LOUD\"]"), "levels"),
                arguments(with("\"levels\":[\"INFO\",3]"), "levels"),
                arguments(with("\"namespace\":{}"), "namespace"),
                arguments(with("\"pod\":\"" + "p".repeat(254) + "\""), "pod"),
                arguments(with("\"contains\":\"\""), "contains"),
                arguments(with("\"contains\":true"), "contains"),
                arguments(with("\"limit\":0"), "limit"),
                arguments(with("\"limit\":-1"), "limit"),
                arguments(with("\"limit\":1000001"), "limit"),
                arguments(with("\"limit\":1.5"), "limit"),
                arguments(with("\"limit\":\"10\""), "limit"),
                arguments(with("\"limit\":99999999999999999999999"), "limit"),
                arguments(with("\"limit\":10,\"limit\":20"), "limit"),
                arguments(with("\"limit\":[1"), "limit"),
                arguments(with("\"after\":\"cursor\""), "after"),
                arguments(with("\"after\":{\"kafkaPartition\":1,\"offset\":2}"), "after.timestamp"),
                arguments(with("\"after\":{\"timestamp\":\"noon\",\"kafkaPartition\":1,\"offset\":2}"), "after.timestamp"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"offset\":2}"), "after.kafkaPartition"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"kafkaPartition\":-1,\"offset\":2}"),
                        "after.kafkaPartition"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"kafkaPartition\":2147483648,"
                        + "\"offset\":2}"), "after.kafkaPartition"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"kafkaPartition\":1}"), "after.offset"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"kafkaPartition\":1,\"offset\":\"2\"}"),
                        "after.offset"),
                arguments(with("\"after\":{\"timestamp\":\"2024-12-01T10:00:00Z\",\"kafkaPartition\":1,\"offset\":2,"
                        + "\"offset\":3}"), "after.offset"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedQueriesNameTheField(String json, String field) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOf(InvalidFieldException.class)
                .satisfies(e -> {
                    assertThat(((InvalidFieldException) e).field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field);
                });
    }

    @Test
    void nullBodyIsABodyProblem() {
        assertThatThrownBy(() -> QueryJson.fromJson(null))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("body"));
    }
}
