package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.InternalHeaders;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.config.CoordinatorConfiguration;
import dev.logquery.coordinator.topology.Replica;
import java.util.List;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * {@code POST /internal/query} on one partition node (a replica of a shard): its chunk plan, then its NDJSON answer
 * as rows, newest first, at most {@code limit}, read by read ({@link NodeAnswer}). Errors (connection, HTTP status,
 * an unreadable line) are signalled, not handled here.
 */
@Component
public class ShardClient {

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
     * The node's answer: its {@link ChunkPlan} once its response starts, then one {@link NodeAnswer.Rows} per read of
     * the body (also for a read of keep-alive lines only, which holds no row).
     *
     * @param prune false asks the node to read the whole window ({@link InternalHeaders#PRUNING})
     */
    public Flux<NodeAnswer> query(Replica replica, LogQuery query, boolean prune) {
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
                    ChunkPlan plan = new ChunkPlan(count(response, InternalHeaders.CHUNKS_SCANNED),
                            count(response, InternalHeaders.CHUNKS_SKIPPED));
                    NdjsonRows rows = new NdjsonRows(maxLineBytes);
                    // One buffer per element, asked for one at a time downstream: memory stays bounded.
                    Flux<NodeAnswer> body = response.bodyToFlux(DataBuffer.class)
                            .<NodeAnswer>map(buffer -> new NodeAnswer.Rows(rows.next(buffer)))
                            .concatWith(Flux.defer(() -> {
                                List<StoredLogEntry> last = rows.end(); // a body that did not end with a line break
                                return last.isEmpty() ? Flux.empty() : Flux.just(new NodeAnswer.Rows(last));
                            }))
                            .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
                    return Flux.concat(Flux.just(plan), body);
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
