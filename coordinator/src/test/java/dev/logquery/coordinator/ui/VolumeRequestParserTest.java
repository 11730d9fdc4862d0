package dev.logquery.coordinator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.api.FieldProblem;
import dev.logquery.coordinator.api.LogQueryRequestParser;
import dev.logquery.coordinator.api.ParsedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VolumeRequestParserTest {

    static final Duration WINDOW = Duration.ofDays(30);

    static VolumeRequestParser.Parsed parse(String json) {
        return VolumeRequestParser.parse(json.getBytes(StandardCharsets.UTF_8), 10_000, WINDOW);
    }

    static VolumeRequestParser.Valid valid(String json) {
        VolumeRequestParser.Parsed p = parse(json);
        assertThat(p).isInstanceOf(VolumeRequestParser.Valid.class);
        return (VolumeRequestParser.Valid) p;
    }

    static VolumeRequestParser.Invalid invalid(String json) {
        VolumeRequestParser.Parsed p = parse(json);
        assertThat(p).isInstanceOf(VolumeRequestParser.Invalid.class);
        return (VolumeRequestParser.Invalid) p;
    }

    @Test
    void theFiltersAreTheSearchs() {
        String filters = """
                {"startTime": "2026-12-03T05:00:00Z", "endTime": "2026-12-03T06:00:00Z", "serviceName": "api",
                 "levels": ["warn", "ERROR"], "namespace": "payments", "pod": "api-1", "contains": "Timed Out",
                 "attributes": {"cluster": "eu-1"}}""";
        VolumeRequestParser.Valid v = valid(filters);
        ParsedRequest.Valid search = (ParsedRequest.Valid) LogQueryRequestParser.parse(
                filters.getBytes(StandardCharsets.UTF_8), 10_000, WINDOW);
        assertThat(v.query()).isEqualTo(search.query());
        assertThat(v.allowPartial()).isTrue();
    }

    @Test
    void aGivenStepMakesAlignedBuckets() {
        VolumeRequestParser.Valid v = valid("""
                {"startTime": "2026-12-03T05:00:30.5Z", "endTime": "2026-12-03T06:00:00Z", "step": 60}""");
        assertThat(v.step()).isEqualTo(Duration.ofSeconds(60));
        assertThat(v.first()).isEqualTo(Instant.parse("2026-12-03T05:00:00Z"));
        // 05:00 .. 06:00 inclusive: 60 full minutes and the bucket holding 06:00:00 itself
        assertThat(v.buckets()).isEqualTo(61);
    }

    @ParameterizedTest
    @CsvSource({
            "PT15M, 10",
            "PT1H, 60",
            "PT24H, 900",
            "P7D, 7200",
            "P30D, 43200",
            "PT1S, 1",
    })
    void withoutAStepANiceOneGivesAtMostTheTargetBuckets(Duration window, long expectedStep) {
        Instant start = Instant.parse("2026-12-03T05:07:11.123456Z");
        VolumeRequestParser.Valid v = valid("{\"startTime\": \"" + start + "\", \"endTime\": \"" + start.plus(window)
                + "\"}");
        assertThat(v.step().toSeconds()).isEqualTo(expectedStep);
        assertThat(v.buckets()).isLessThanOrEqualTo(VolumeRequestParser.TARGET_BUCKETS);
        assertThat(v.first()).isBeforeOrEqualTo(start);
        assertThat(v.first().plus(v.step().multipliedBy(v.buckets()))).isAfter(start.plus(window));
    }

    @Test
    void theCursorAndLimitDoNotNarrowTheCount() {
        VolumeRequestParser.Valid v = valid("""
                {"startTime": "2026-12-03T05:00:00Z", "endTime": "2026-12-03T06:00:00Z", "limit": 5}""");
        assertThat(v.query().after()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0|step must be an integer number of seconds from 1 to 604800, is 0",
            "1.5|step must be an integer number of seconds from 1 to 604800, is 1.5",
            "\"60\"|step must be an integer number of seconds from 1 to 604800, is \"60\"",
            "604801|step must be an integer number of seconds from 1 to 604800, is 604801",
    })
    void aBadStepIsNamed(String step, String message) {
        VolumeRequestParser.Invalid i = invalid("{\"startTime\": \"2026-12-03T05:00:00Z\", \"endTime\":"
                + " \"2026-12-03T06:00:00Z\", \"step\": " + step + "}");
        assertThat(i.problems()).containsExactly(new FieldProblem("step", message));
    }

    @Test
    void tooManyBucketsAreRefusedNamingTheSmallestStep() {
        VolumeRequestParser.Invalid i = invalid("""
                {"startTime": "2026-12-03T00:00:00Z", "endTime": "2026-12-04T00:00:00Z", "step": 1}""");
        assertThat(i.problems()).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("step");
            assertThat(p.message()).isEqualTo("step 1 makes 86401 buckets of the window, more than 1000: give a step"
                    + " of at least 87 seconds");
        });
        assertThat(parse("""
                {"startTime": "2026-12-03T00:00:00Z", "endTime": "2026-12-04T00:00:00Z", "step": 87}"""))
                .isInstanceOf(VolumeRequestParser.Valid.class);
    }

    @Test
    void theSearchsProblemsComeWithTheStepsInOneAnswer() {
        VolumeRequestParser.Invalid i = invalid("""
                {"startTime": "2026-12-03T06:00:00Z", "endTime": "2026-12-03T05:00:00Z", "logLevel": "LOUD",
                 "step": -1, "serviceNme": "x"}""");
        assertThat(i.problems()).extracting(FieldProblem::field)
                .containsExactly("endTime", "logLevel", "serviceNme", "step");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''",
            "[]",
            "not json",
            "{\"step\": 60, \"step\": 60, \"startTime\": \"2026-12-03T05:00:00Z\", \"endTime\": \"2026-12-03T06:00:00Z\"}",
            "{\"startTime\": \"2026-12-03T05:00:00Z\", \"startTime\": \"2026-12-03T05:00:00Z\", \"endTime\": \"2026-12-03T06:00:00Z\"}",
    })
    void bodiesThatAreNotOneObjectGetTheSearchsAnswer(String body) {
        VolumeRequestParser.Invalid i = invalid(body);
        ParsedRequest search = LogQueryRequestParser.parse(body.getBytes(StandardCharsets.UTF_8), 10_000, WINDOW);
        if (search instanceof ParsedRequest.Invalid s) {
            assertThat(i.problems()).isEqualTo(s.problems());
        } else {
            // a repeated step: the search's parser does not know the field, and says so
            assertThat(i.problems()).isNotEmpty();
        }
    }
}
