package dev.logquery.coordinator.api;

import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchService;
import dev.logquery.coordinator.search.SearchSummary;
import dev.logquery.coordinator.stats.QueryStats;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/query/logs}: a bad body is a 400 problem; otherwise the search's rows and summary as
 * one JSON document ({@code Accept: application/json}, the default) or streamed as NDJSON
 * ({@code Accept: application/x-ndjson}), one log per line and a final {@code {"summary":...}} line.
 * {@code GET /api/query/stats}: the {@link QueryStats} of this coordinator.
 */
@Configuration(proxyBeanMethods = false)
public class QueryRoutes {

    private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;
    /** Rows written to an NDJSON answer at once, at most. */
    static final int NDJSON_BATCH_ROWS = 256;
    /** How long a row of an NDJSON answer may wait for others to be written with it. */
    static final Duration NDJSON_LINGER = Duration.ofMillis(20);
    /** Stands for a body beyond the server's in-memory limit (compared by identity). */
    private static final byte[] TOO_LARGE = new byte[0];

    @Bean
    RouterFunction<ServerResponse> queryRouter(SearchService search, QueryMetrics metrics, QueryStats stats,
                                               CoordinatorProperties properties) {
        int maxLimit = properties.maxLimit();
        return RouterFunctions.route()
                .POST("/api/query/logs", request -> logs(request, search, metrics, maxLimit))
                .GET("/api/query/stats", request -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(stats.snapshot()))
                .build();
    }

    static Mono<ServerResponse> logs(ServerRequest request, SearchService search, QueryMetrics metrics, int maxLimit) {
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .onErrorResume(DataBufferLimitException.class, e -> Mono.just(TOO_LARGE))
                .flatMap(body -> {
                    ParsedRequest parsed = body == TOO_LARGE
                            ? new ParsedRequest.Invalid(List.of(new FieldProblem("body", "body is too large for a query")))
                            : LogQueryRequestParser.parse(body, maxLimit);
                    if (parsed instanceof ParsedRequest.Invalid invalid) {
                        metrics.badRequest();
                        return ServerResponse.badRequest()
                                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                .bodyValue(BadRequestProblems.of(invalid.problems()));
                    }
                    ParsedRequest.Valid valid = (ParsedRequest.Valid) parsed;
                    return search.search(valid.query())
                            .flatMap(execution -> wantsNdjson(request) ? ndjson(execution, metrics) : json(execution, metrics))
                            .doOnError(e -> metrics.answerFailed());
                });
    }

    /**
     * NDJSON when the client names {@code application/x-ndjson} with a quality at least that of an explicit
     * {@code application/json}; JSON otherwise (no Accept, wildcards, JSON preferred).
     */
    static boolean wantsNdjson(ServerRequest request) {
        double ndjson = 0;
        double json = 0;
        for (MediaType type : request.headers().accept()) {
            if (type.isWildcardType() || type.isWildcardSubtype()) {
                continue;
            }
            if (type.equalsTypeAndSubtype(MediaType.APPLICATION_NDJSON)) {
                ndjson = Math.max(ndjson, type.getQualityValue());
            } else if (type.equalsTypeAndSubtype(MediaType.APPLICATION_JSON)) {
                json = Math.max(json, type.getQualityValue());
            }
        }
        return ndjson > 0 && ndjson >= json;
    }

    static Mono<ServerResponse> json(SearchExecution execution, QueryMetrics metrics) {
        return execution.rows().collectList()
                .flatMap(rows -> {
                    SearchSummary summary = execution.summary().get();
                    byte[] page = ResponseJson.page(rows, summary);
                    metrics.answered(summary.partial());
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page);
                });
    }

    /** A stream that breaks after its 200 was sent counts as failed (its client got no summary line). */
    static Mono<ServerResponse> ndjson(SearchExecution execution, QueryMetrics metrics) {
        Flux<DataBuffer> lines = execution.rows()
                // A write (and flush) per row cost more than the row; rows that arrive together leave together,
                // and a row waits at most NDJSON_LINGER for company.
                .bufferTimeout(NDJSON_BATCH_ROWS, NDJSON_LINGER, true)
                .map(rows -> BUFFERS.wrap(ResponseJson.logLines(rows)))
                .concatWith(Mono.fromSupplier(() -> {
                    SearchSummary summary = execution.summary().get();
                    byte[] line = ResponseJson.summaryLine(summary);
                    metrics.answered(summary.partial());
                    return BUFFERS.wrap(line);
                }))
                .doOnError(e -> metrics.answerFailed());
        return ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
                .body(BodyInserters.fromDataBuffers(lines));
    }
}
