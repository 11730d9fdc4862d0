package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.admission.OverloadedException;
import dev.logquery.coordinator.search.QueryMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** What every Loki handler shares: reading parameters, admission, and answers and errors in Loki's forms. */
final class LokiRequests {

    static final MediaType TEXT = new MediaType("text", "plain", StandardCharsets.UTF_8);

    private LokiRequests() {
    }

    /** The query string's parameters, and for a POST those of a form body ({@code application/x-www-form-urlencoded}). */
    static Mono<Map<String, List<String>>> params(ServerRequest request) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        request.queryParams().forEach((k, v) -> params.put(k, new ArrayList<>(v)));
        boolean form = request.headers().contentType()
                .map(t -> t.isCompatibleWith(MediaType.APPLICATION_FORM_URLENCODED)).orElse(false);
        if (!form) {
            return Mono.just(params);
        }
        return request.formData().map(data -> {
            data.forEach((k, v) -> params.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            return params;
        });
    }

    static Mono<ServerResponse> json(byte[] body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    static Mono<ServerResponse> text(HttpStatus status, String body) {
        return ServerResponse.status(status).contentType(TEXT).bodyValue(body + "\n");
    }

    /**
     * Runs {@code answer} with an admission permit (429 in plain text when none is to be had), and turns bad
     * queries into Loki's plain-text 400.
     */
    static Mono<ServerResponse> admitted(AdmissionControl admission, QueryMetrics metrics,
                                         Supplier<Mono<ServerResponse>> answer) {
        return admission.acquire()
                .flatMap(permit -> Mono.defer(answer).doFinally(signal -> permit.release()))
                .onErrorResume(OverloadedException.class, e -> {
                    metrics.rejected();
                    return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS).header(HttpHeaders.RETRY_AFTER, "1")
                            .contentType(TEXT).bodyValue("too many outstanding requests\n");
                })
                .onErrorResume(e -> e instanceof LokiBadRequest || e instanceof LogQlException,
                        e -> badRequest(metrics, e));
    }

    static Mono<ServerResponse> badRequest(QueryMetrics metrics, Throwable e) {
        metrics.badRequest();
        return text(HttpStatus.BAD_REQUEST, e.getMessage());
    }
}
