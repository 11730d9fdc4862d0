package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.InternalHeaders;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.config.CoordinatorConfiguration;
import dev.logquery.coordinator.config.CoordinatorProperties.Replica;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * {@code POST /internal/query} on one partition node (a replica of a shard): its NDJSON answer as rows, newest first, at most
 * {@code limit}. Errors (connection, HTTP status, an unreadable line) are signalled, not handled here.
 */
@Component
public class ShardClient {

    /** Told about a node's answer as it arrives. */
    public interface AnswerListener {
        /** What the node's plan did with its hour chunks, from its response headers (-1 when it did not say). */
        void planned(int scanned, int skipped);

        /**
         * Bytes of the answer arrived: rows, or the blank keep-alive lines a node sends while it scans without
         * finding any (so a node that is working is told from one that hangs).
         */
        default void alive() {
        }
    }

    private final WebClient client;
    private final int maxLineBytes;

    @Autowired
    public ShardClient(WebClient nodeWebClient) {
        this(nodeWebClient, CoordinatorConfiguration.MAX_IN_MEMORY_BYTES);
    }

    ShardClient(WebClient nodeWebClient, int maxLineBytes) {
        this.client = nodeWebClient;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * @param prune  false asks the node to read the whole window ({@link InternalHeaders#PRUNING})
     * @param listener told the node's chunk plan when its response starts, and each time bytes arrive
     */
    public Flux<StoredLogEntry> query(Replica replica, LogQuery query, boolean prune, AnswerListener listener) {
        return client.post().uri(replica.url() + "/internal/query")
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .headers(h -> {
                    if (!prune) {
                        h.set(InternalHeaders.PRUNING, "off");
                    }
                })
                .bodyValue(QueryJson.toJson(query))
                .exchangeToFlux(response -> {
                    if (response.statusCode().isError()) {
                        return response.createException().flatMapMany(Flux::error);
                    }
                    listener.planned(count(response, InternalHeaders.CHUNKS_SCANNED),
                            count(response, InternalHeaders.CHUNKS_SKIPPED));
                    NdjsonRows rows = new NdjsonRows(maxLineBytes);
                    return response.bodyToFlux(DataBuffer.class)
                            .doOnNext(buffer -> listener.alive())
                            .concatMapIterable(rows::next, 1) // one buffer at a time: memory stays bounded
                            .concatWith(Flux.defer(() -> Flux.fromIterable(rows.end())))
                            .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
                });
    }

    static int count(ClientResponse response, String header) {
        String value = response.headers().asHttpHeaders().getFirst(header);
        if (value == null) {
            return -1;
        }
        try {
            return Math.max(-1, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
