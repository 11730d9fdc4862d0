package dev.logquery.node.web;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.node.chunk.ChunkStore;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
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
     * a shard that holds rows. Answers carry an {@code ETag} that changes with the chunks; a request whose
     * {@code If-None-Match} names the current one gets {@code 304} without a body, so that coordinators can
     * poll often for free while nothing is ingested.
     *
     * <p>{@code POST /internal/query}: the node's rows matching a query, streamed as NDJSON
     * ({@link QueryHandler}).
     */
    static Mono<ServerResponse> metadata(ServerRequest request, ChunkStore chunks) {
        String version = chunks.version(); // before the content: a change in between only makes the tag older
        if (request.headers().header(HttpHeaders.IF_NONE_MATCH).contains(version)) {
            return ServerResponse.status(HttpStatus.NOT_MODIFIED).eTag(version).build();
        }
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).eTag(version)
                .bodyValue(MetadataCodec.toJsonBytes(chunks.metadata()));
    }

    public static RouterFunction<ServerResponse> routes(ChunkStore chunks, QueryHandler query) {
        return RouterFunctions.route()
                .POST("/internal/query", query::query)
                .GET("/internal/metadata", request -> chunks.isLoaded()
                        ? metadata(request, chunks)
                        : ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                                        "metadata not loaded from the database yet")))
                .build();
    }
}
