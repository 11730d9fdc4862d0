package dev.logquery.node.web;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 9457 problem details ({@code application/problem+json}) rendered here rather than by a codec, so
 * that extension members such as {@code field} are top-level members whatever the encoder's setup, and
 * so that an exception handler can write one without codecs.
 */
final class Problems {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Problems() {
    }

    /** {@code {"type":"about:blank","title":...,"status":...,"detail":...,"instance":...,<extensions>}}. */
    static byte[] json(HttpStatus status, String detail, String instance, Map<String, String> extensions) {
        ObjectNode problem = MAPPER.createObjectNode();
        problem.put("type", "about:blank");
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        if (instance != null) {
            problem.put("instance", instance);
        }
        extensions.forEach(problem::put);
        return MAPPER.writeValueAsBytes(problem);
    }

    static Mono<ServerResponse> response(HttpStatus status, String detail, String instance,
                                         Map<String, String> extensions) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(json(status, detail, instance, extensions));
    }
}
