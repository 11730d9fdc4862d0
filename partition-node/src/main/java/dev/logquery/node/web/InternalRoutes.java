package dev.logquery.node.web;

import dev.logquery.node.chunk.ServedMetadata;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** The node's internal HTTP API, for the coordinator. */
public final class InternalRoutes {

    private InternalRoutes() {
    }

    /**
     * {@code GET /internal/metadata}: the node's chunks and their union (in memory, no I/O). {@code 503}
     * with a problem body while {@link ServedMetadata} has none to serve: until the chunks were read from
     * the database (an empty answer then would let a coordinator prune a shard that holds rows) and while
     * the database is unavailable (queries would fail). Answers carry an {@code ETag} that changes with the
     * chunks; a request whose {@code If-None-Match} names the current one gets {@code 304} without a body,
     * so that coordinators can poll often for free while nothing is ingested.
     *
     * <p>{@code POST /internal/query}: the node's rows matching a query, streamed as NDJSON
     * ({@link QueryHandler}).
     */
    static Mono<ServerResponse> metadata(ServerRequest request, ServedMetadata metadata) {
        String unavailable = metadata.unavailableReason();
        if (unavailable != null) {
            return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, unavailable, request.path(),
                    Map.of("reason", "UNAVAILABLE"));
        }
        String version = metadata.version(); // before the content: a change in between only makes the tag older
        if (request.headers().header(HttpHeaders.IF_NONE_MATCH).contains(version)) {
            return ServerResponse.status(HttpStatus.NOT_MODIFIED).eTag(version).build();
        }
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).eTag(version).bodyValue(metadata.json());
    }

    public static RouterFunction<ServerResponse> routes(ServedMetadata metadata, QueryHandler query) {
        return RouterFunctions.route()
                .POST("/internal/query", query::query)
                .GET("/internal/metadata", request -> metadata(request, metadata))
                .build();
    }
}
