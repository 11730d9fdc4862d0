package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * {@code POST /internal/query} on one partition node: its NDJSON answer as rows, newest first, at most
 * {@code limit}. Errors (connection, HTTP status, an unreadable line) are signalled, not handled here.
 */
@Component
public class ShardClient {

    private final WebClient client;

    public ShardClient(WebClient nodeWebClient) {
        this.client = nodeWebClient;
    }

    public Flux<StoredLogEntry> query(Shard shard, LogQuery query) {
        return client.post().uri(shard.url() + "/internal/query")
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .bodyValue(QueryJson.toJson(query))
                .retrieve()
                .bodyToFlux(String.class) // the String decoder splits the body at line breaks
                .filter(line -> !line.isBlank())
                .map(EntryJson::fromJson);
    }
}
