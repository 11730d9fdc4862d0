package dev.logquery.coordinator.api;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.admission.OverloadedException;
import dev.logquery.coordinator.cache.CachedSearch;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.merge.NextCursor;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.BoundedPage;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchService;
import dev.logquery.coordinator.search.SearchSummary;
import dev.logquery.coordinator.stats.QueryStats;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/query/logs}: a bad body is a 400 problem; a valid query waits for a turn
 * ({@link AdmissionControl}; none within bounds: 429 with {@code Retry-After}), then its rows and summary
 * come as one JSON document ({@code Accept: application/json}, the default; answers about the past may
 * come from the results cache: {@link CachedSearch}) or streamed as NDJSON ({@code Accept: application/x-ndjson}),
 * one log per line and a final {@code {"summary":...}} line. With {@code "allowPartial": false} an answer
 * missing a failed shard's rows is a 503 problem instead (an NDJSON stream whose shard fails after rows
 * were sent breaks off without a summary line). {@code GET /api/query/stats}: the {@link QueryStats} of
 * this coordinator.
 */
@Configuration(proxyBeanMethods = false)
public class QueryRoutes {

    private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;
    /** Rows written to an NDJSON answer at once, at most. */
    static final int NDJSON_BATCH_ROWS = 256;
    /** How long a row of an NDJSON answer may wait for others to be written with it. */
    static final Duration NDJSON_LINGER = Duration.ofMillis(20);
    /** What a 429 tells the client to wait before trying again. */
    static final long RETRY_AFTER_SECONDS = 1;
    /** Stands for a body beyond the server's in-memory limit (compared by identity). */
    private static final byte[] TOO_LARGE = new byte[0];

    /**
     * What answering a query needs: {@code documents} searches for the JSON answers (behind the results cache),
     * {@code streams} for the NDJSON ones (an export of up to a million rows is not kept).
     */
    record Answering(LogSearch documents, LogSearch streams, QueryMetrics metrics, AdmissionControl admission,
                     int maxLimit, Duration maxWindow, long maxAnswerBytes) {
    }

    @Bean
    RouterFunction<ServerResponse> queryRouter(CachedSearch cachedSearch, SearchService search, QueryMetrics metrics,
                                               QueryStats stats, CoordinatorProperties properties,
                                               AdmissionControl admission, ApiProperties api) {
        return routes(new Answering(cachedSearch, search, metrics, admission, properties.maxLimit(),
                api.maxQueryWindow(), api.maxAnswerBytes().toBytes()), stats);
    }

    static RouterFunction<ServerResponse> routes(Answering answering, QueryStats stats) {
        return RouterFunctions.route()
                .POST("/api/query/logs", request -> logs(request, answering))
                .GET("/api/query/stats", request -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(stats.snapshot()))
                .build();
    }

    static Mono<ServerResponse> logs(ServerRequest request, Answering a) {
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .onErrorResume(DataBufferLimitException.class, e -> Mono.just(TOO_LARGE))
                .flatMap(body -> {
                    if (body == TOO_LARGE) {
                        a.metrics().badRequest();
                        return ServerResponse.status(HttpStatus.PAYLOAD_TOO_LARGE)
                                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                .bodyValue(BadRequestProblems.tooLarge("body", "body is too large for a query"));
                    }
                    ParsedRequest parsed = LogQueryRequestParser.parse(body, a.maxLimit(), a.maxWindow());
                    if (parsed instanceof ParsedRequest.Invalid invalid) {
                        a.metrics().badRequest();
                        return ServerResponse.badRequest()
                                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                .bodyValue(BadRequestProblems.of(invalid.problems()));
                    }
                    ParsedRequest.Valid valid = (ParsedRequest.Valid) parsed;
                    boolean ndjson = wantsNdjson(request);
                    return a.admission().acquire()
                            .flatMap(permit -> (ndjson ? ndjson(valid, a, permit) : json(valid, a))
                                    .doFinally(signal -> {
                                        if (!ndjson) {
                                            permit.release(); // an NDJSON answer holds it until its stream ends
                                        }
                                    }))
                            .onErrorResume(OverloadedException.class, e -> {
                                a.metrics().rejected();
                                return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS)
                                        .header(HttpHeaders.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS))
                                        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                        .bodyValue(ServiceProblems.overloaded(e.getMessage(), RETRY_AFTER_SECONDS));
                            });
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

    /** The whole answer as one document, its rows bounded in bytes ({@link BoundedPage}). */
    static Mono<ServerResponse> json(ParsedRequest.Valid valid, Answering a) {
        return a.documents().search(valid.query())
                .flatMap(execution -> BoundedPage.collect(execution.rows(), a.maxAnswerBytes())
                        .flatMap(page -> execution.summary().flatMap(summary -> page(valid, a, page, summary))))
                .doOnError(e -> a.metrics().answerFailed());
    }

    /** A page cut short by its size continues after its last row. */
    private static Mono<ServerResponse> page(ParsedRequest.Valid valid, Answering a, BoundedPage page,
                                             SearchSummary searched) {
        List<StoredLogEntry> rows = page.rows();
        SearchSummary summary = page.cut() ? searched.withNextCursor(CursorCodec.encode(valid.query(),
                NextCursor.position(rows.get(rows.size() - 1)))) : searched;
        if (summary.partial() && !valid.allowPartial()) {
            a.metrics().refusedPartial();
            return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .bodyValue(ServiceProblems.partialRefused(summary.failedPartitions()));
        }
        a.metrics().answered(summary.partial());
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(ResponseJson.page(rows, summary));
    }

    /**
     * A stream that breaks after its 200 was sent counts as failed (its client got no summary line). The
     * {@code permit} is released when the stream ends, however it ends (or if it is never written).
     */
    static Mono<ServerResponse> ndjson(ParsedRequest.Valid valid, Answering a, AdmissionControl.Permit permit) {
        return a.streams().search(valid.query())
                .map(execution -> lines(execution, valid.allowPartial(), a.metrics())
                        .doFinally(signal -> permit.release()))
                .flatMap(lines -> ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
                        .body(BodyInserters.fromDataBuffers(lines)))
                .doOnError(e -> permit.release())
                .doOnCancel(permit::release);
    }

    static Flux<DataBuffer> lines(SearchExecution execution, boolean allowPartial, QueryMetrics metrics) {
        AtomicBoolean first = new AtomicBoolean(true);
        return execution.rows()
                // A write (and flush) per row cost more than the row; rows that arrive together leave together,
                // and a row waits at most NDJSON_LINGER for company.
                .bufferTimeout(NDJSON_BATCH_ROWS, NDJSON_LINGER, true)
                .concatMap(rows -> {
                    Mono<DataBuffer> batch = Mono.fromSupplier(() -> BUFFERS.wrap(ResponseJson.logLines(rows)));
                    if (!first.getAndSet(false) || allowPartial) {
                        return batch;
                    }
                    // The merge gives its first row once every shard sent its own first row or failed: a shard
                    // that failed by then would make the whole answer partial.
                    return execution.failedByFirstRow().doOnNext(failed -> refuseIfPartial(failed, metrics))
                            .then(batch);
                }, 1)
                .concatWith(execution.summary().map(summary -> {
                    if (!allowPartial) {
                        refuseIfPartial(summary.failedPartitions(), metrics);
                    }
                    metrics.answered(summary.partial());
                    return BUFFERS.wrap(ResponseJson.summaryLine(summary));
                }))
                .doOnError(e -> {
                    if (!(e instanceof PartialAnswerRefusedException)) {
                        metrics.answerFailed();
                    }
                });
    }

    private static void refuseIfPartial(List<ShardFailure> failed, QueryMetrics metrics) {
        if (!failed.isEmpty()) {
            metrics.refusedPartial();
            throw new PartialAnswerRefusedException(failed);
        }
    }
}
