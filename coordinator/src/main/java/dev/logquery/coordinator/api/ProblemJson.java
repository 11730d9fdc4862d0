package dev.logquery.coordinator.api;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** A problem body as bytes, and as a whole answer, for the places that write a response without WebFlux's codecs. */
public final class ProblemJson {

    /** With Spring's mixin, so that extra properties sit at the top level as RFC 9457 wants. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class)
            .build();

    private ProblemJson() {
    }

    public static byte[] bytes(ProblemDetail problem) {
        return MAPPER.writeValueAsBytes(problem);
    }

    /** Writes {@code problem} as the whole answer: its status, {@code application/problem+json}, its bytes. */
    public static Mono<Void> write(ServerHttpResponse response, ProblemDetail problem) {
        response.setStatusCode(HttpStatusCode.valueOf(problem.getStatus()));
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes(problem))));
    }
}
