package dev.logquery.node.web;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.node.chunk.ChunkStore;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The node's internal HTTP API, for the coordinator. */
public final class InternalRoutes {

    private InternalRoutes() {
    }

    /** {@code GET /internal/metadata}: the node's chunks and their union (in-memory, no I/O). */
    public static RouterFunction<ServerResponse> routes(ChunkStore chunks) {
        return RouterFunctions.route()
                .GET("/internal/metadata", request -> ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(MetadataCodec.toJsonBytes(chunks.metadata())))
                .build();
    }
}
