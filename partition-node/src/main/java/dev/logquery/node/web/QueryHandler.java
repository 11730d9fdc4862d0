package dev.logquery.node.web;

import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.InternalHeaders;
import dev.logquery.common.query.InvalidFieldException;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.storage.DatabaseMonitor;
import java.time.Duration;
import java.util.Map;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code POST /internal/query}: a {@link QueryJson} body in, the node's matching rows out as
 * {@code application/x-ndjson}, one {@link EntryJson} line per row, newest first, streamed as the
 * database cursor yields them (memory does not grow with the result).
 *
 * <ul>
 *   <li>{@code 400} problem with a {@code field} member when the body is not a valid query, or asks more
 *       than {@code logquery.node.query.max-limit} rows (checked first: a bad request is bad whatever the
 *       node's state);</li>
 *   <li>{@code 413} problem when the body exceeds the codecs' in-memory limit;</li>
 *   <li>{@code 503} problem until the chunk metadata is loaded: without it the node cannot tell which
 *       of its rows exist, and an empty answer would be a silent lie; and while the database is
 *       unavailable (as the {@link DatabaseMonitor} last saw it), at once instead of after the pool's
 *       connection timeout;</li>
 *   <li>{@code 200}: headers {@value InternalHeaders#CHUNKS_SCANNED} and {@value InternalHeaders#CHUNKS_SKIPPED} tell how
 *       the node's hour chunks were planned; a request header {@value InternalHeaders#PRUNING}{@code : off} reads
 *       the whole window instead (the reference for pruning's correctness);</li>
 *   <li>failures before the first row (or keep-alive line) become problems too ({@link QueryProblemHandler});
 *       after it, the response is cut short and the caller sees an incomplete stream;</li>
 *   <li>every {@code keepAlive} while the answer runs, a blank line ({@link KeepAlive}).</li>
 * </ul>
 */
public final class QueryHandler {

    private static final byte[] EMPTY = new byte[0];
    /** Batches of rows requested ahead of the socket's writes. */
    private static final int BATCHES_AHEAD = 4;

    private final ChunkStore chunks;
    private final QueryExecutor executor;
    private static final byte[] BLANK_LINE = {'\n'};

    private final DatabaseMonitor database;
    private final Duration keepAlive;
    private final int maxLimit;

    /**
     * @param keepAlive the interval of blank keep-alive lines ({@link KeepAlive}; zero: none)
     * @param maxLimit  the largest {@code limit} a query may ask
     */
    public QueryHandler(ChunkStore chunks, QueryExecutor executor, DatabaseMonitor database, Duration keepAlive,
                        int maxLimit) {
        this.chunks = chunks;
        this.executor = executor;
        this.database = database;
        this.keepAlive = keepAlive;
        this.maxLimit = maxLimit;
    }

    /** Without a limit of its own ({@link LogQuery#HARD_MAX_LIMIT}). */
    public QueryHandler(ChunkStore chunks, QueryExecutor executor, DatabaseMonitor database, Duration keepAlive) {
        this(chunks, executor, database, keepAlive, LogQuery.HARD_MAX_LIMIT);
    }

    public Mono<ServerResponse> query(ServerRequest request) {
        String path = request.path();
        DataBufferFactory buffers = request.exchange().getResponse().bufferFactory();
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(EMPTY)
                .flatMap(body -> {
                    LogQuery query;
                    try {
                        query = QueryJson.fromJson(body);
                    } catch (InvalidFieldException e) {
                        return Problems.response(HttpStatus.BAD_REQUEST, e.getMessage(), path, Map.of("field", e.field()));
                    }
                    if (query.limit() > maxLimit) {
                        return Problems.response(HttpStatus.BAD_REQUEST, "limit must be an integer from 1 to " + maxLimit
                                + " on this node (logquery.node.query.max-limit), is " + query.limit(), path,
                                Map.of("field", "limit"));
                    }
                    if (!chunks.isLoaded()) {
                        return Problems.response(HttpStatus.SERVICE_UNAVAILABLE,
                                "chunk metadata not loaded from the database yet", path, Map.of());
                    }
                    DatabaseMonitor.Status db = database.status();
                    if (!db.available()) {
                        return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "database unavailable since "
                                + db.since() + ": " + db.error(), path, Map.of("reason", "UNAVAILABLE"));
                    }
                    boolean prune = !"off".equalsIgnoreCase(request.headers().firstHeader(InternalHeaders.PRUNING));
                    ScanPlan plan = executor.plan(query, prune);
                    // One buffer per batch (encoded on the JDBC thread that emits it): one socket write per
                    // batch, not per row. limitRate bounds the batches queued ahead of the socket.
                    Flux<DataBuffer> lines = KeepAlive.around(executor.executeBatches(query, plan)
                                    .limitRate(BATCHES_AHEAD)
                                    .map(batch -> buffers.wrap(EntryJson.toNdjson(batch))),
                            keepAlive, () -> buffers.wrap(BLANK_LINE), Schedulers.parallel(), BATCHES_AHEAD);
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
                            .header(InternalHeaders.CHUNKS_SCANNED, Integer.toString(plan.chunksToScan()))
                            .header(InternalHeaders.CHUNKS_SKIPPED, Integer.toString(plan.chunksSkipped()))
                            .body(BodyInserters.fromDataBuffers(lines));
                })
                .onErrorResume(DataBufferLimitException.class, e -> Problems.response(HttpStatus.CONTENT_TOO_LARGE,
                        "body is too large for a query: " + e.getMessage(), path, Map.of("field", "body")));
    }
}
