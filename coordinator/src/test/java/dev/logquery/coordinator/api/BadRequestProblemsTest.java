package dev.logquery.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BadRequestProblemsTest {

    @Test
    void oneProblem() {
        ProblemDetail p = BadRequestProblems.of(List.of(new FieldProblem("limit", "limit must be 1..10000, is 0")));
        assertThat(p.getStatus()).isEqualTo(400);
        assertThat(p.getTitle()).isEqualTo("Bad request");
        assertThat(p.getDetail()).isEqualTo("limit must be 1..10000, is 0");
        assertThat(p.getProperties()).containsExactly(Map.entry("errors",
                List.of(Map.of("field", "limit", "message", "limit must be 1..10000, is 0"))));
    }

    @Test
    void severalProblemsAllListedFirstInDetail() {
        ProblemDetail p = BadRequestProblems.of(List.of(new FieldProblem("startTime", "startTime is missing"),
                new FieldProblem("logLevel", "logLevel is not one of ..."), new FieldProblem("limit", "limit ...")));
        assertThat(p.getDetail()).isEqualTo("startTime is missing (and 2 more problems)");
        @SuppressWarnings("unchecked")
        List<Map<String, String>> errors = (List<Map<String, String>>) p.getProperties().get("errors");
        assertThat(errors).extracting(e -> e.get("field")).containsExactly("startTime", "logLevel", "limit");
        assertThat(errors.get(0).keySet()).containsExactly("field", "message");
    }

    @Test
    void fromTheParser() {
        ParsedRequest.Invalid r = (ParsedRequest.Invalid) LogQueryRequestParser.parse(
                "{\"endTime\": \"2024-12-01T00:00:00Z\", \"limit\": 0}".getBytes());
        ProblemDetail p = BadRequestProblems.of(r.problems());
        assertThat(p.getDetail()).isEqualTo("startTime is missing (and 1 more problem)");
    }

    @Test
    void onTheWireAsSpringWritesIt() {
        // Spring's Jackson codecs register this mixin, which flattens the properties into the body
        JsonMapper mapper = JsonMapper.builder().addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class).build();
        JsonNode json = mapper.readTree(mapper.writeValueAsString(BadRequestProblems.of(List.of(
                new FieldProblem("endTime", "endTime is missing"), new FieldProblem("limit", "limit ...")))));
        assertThat(json.get("status").asInt()).isEqualTo(400);
        assertThat(json.get("title").asString()).isEqualTo("Bad request");
        assertThat(json.get("detail").asString()).isEqualTo("endTime is missing (and 1 more problem)");
        assertThat(json.get("errors").get(1).get("field").asString()).isEqualTo("limit");
        assertThat(json.get("errors").get(1).get("message").asString()).isEqualTo("limit ...");
    }

    @Test
    void noProblemIsNoBadRequest() {
        assertThatThrownBy(() -> BadRequestProblems.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
