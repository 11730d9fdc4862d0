package dev.logquery.coordinator.api;

import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import tools.jackson.databind.json.JsonMapper;

/** A problem body as bytes, for the places that write a response without WebFlux's codecs. */
final class ProblemJson {

    /** With Spring's mixin, so that extra properties sit at the top level as RFC 9457 wants. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class)
            .build();

    private ProblemJson() {
    }

    static byte[] bytes(ProblemDetail problem) {
        return MAPPER.writeValueAsBytes(problem);
    }
}
