package dev.logquery.node.web;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.node.chunk.ChunkStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The node's internal HTTP API, for the coordinator. */
public final class InternalRoutes {

    private InternalRoutes() {
    }

    /**
     * {@code GET /internal/metadata}: the node's chunks and their union (in memory, no I/O). {@code 503}
     * until the chunks were read from the database: an empty answer then would let a coordinator prune
     * a shard that holds rows.
     *
     * <p>{@code POST /internal/query}: the node's rows matching a query, streamed as NDJSON
     * ({@link QueryHandler}).
     */
    public static RouterFunction<ServerResponse> routes(ChunkStore chunks, QueryHandler query) {
        return RouterFunctions.route()
                .POST("/internal/query", query::query)
                .GET("/internal/metadata", request -> chunks.isLoaded()
                        ? ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(MetadataCodec.toJsonBytes(chunks.metadata()))
                        : ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                                        "metadata not loaded from the database yet")))
                .build();
    }
}
