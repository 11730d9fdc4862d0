package dev.logquery.coordinator;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The coordinator's public query API as a user's client speaks it, for the integration tests that ask it
 * ({@link QueryPathIT}, {@link FaultToleranceIT}): the request body of a {@link LogQuery}, the
 * {@code POST /api/query/logs}, {@code GET /api/query/stats}, and the wait until a shard serves again after a
 * test brought its node back.
 */
final class CoordinatorApi {

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** A query's answer, streamed or not, comes within this. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private CoordinatorApi() {
    }

    /** The public request body for {@code q} (its cursor, if any, given separately). */
    static ObjectNode body(LogQuery q, String cursor) {
        ObjectNode b = JSON.createObjectNode();
        b.put("startTime", Rfc3339.format(q.startTime()));
        b.put("endTime", Rfc3339.format(q.endTime()));
        if (q.service() != null) {
            b.put("serviceName", q.service());
        }
        if (q.levels() != null) {
            List<LogLevel> levels = q.levels().levels();
            if (levels.size() == 1) {
                b.put("logLevel", levels.get(0).name().toLowerCase(Locale.ROOT));
            } else {
                ArrayNode array = b.putArray("levels");
                levels.forEach(level -> array.add(level.name()));
            }
        }
        if (q.namespace() != null) {
            b.put("namespace", q.namespace());
        }
        if (q.pod() != null) {
            b.put("pod", q.pod());
        }
        if (q.contains() != null) {
            b.put("contains", q.contains());
        }
        if (q.attributes() != null) {
            ObjectNode attributes = b.putObject("attributes");
            q.attributes().forEach(attributes::put);
        }
        b.put("limit", q.limit());
        if (cursor != null) {
            b.put("cursor", cursor);
        }
        return b;
    }

    /** {@code POST /api/query/logs} of {@code body}, asking for {@code accept} (no Accept header when null). */
    static HttpRequest request(App to, String body, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(to.url() + "/api/query/logs"))
                .header("Content-Type", "application/json")
                .timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return request.build();
    }

    static HttpResponse<String> post(App to, String body, String accept) {
        return Http.send(request(to, body, accept));
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    /** {@code GET /api/query/stats}. */
    static JsonNode stats(App to) {
        return json(Http.get(to.url() + "/api/query/stats"));
    }

    /** Replica {@code replica} of shard {@code shard} as {@code to}'s stats show it (health, breaker, metadata). */
    static JsonNode replica(App to, int shard, int replica) {
        return stats(to).get("shards").get(shard).get("replicas").get(replica);
    }

    /**
     * Waits until {@code to} serves shard {@code shard} as before a test stopped one of its nodes: a query
     * ({@code completeAnswer}, asked before each look, true when its answer was complete) and every replica of
     * the shard {@code UP} with its circuit breaker {@code CLOSED} (a half-open breaker closes only after queries
     * went through it, hence the query each time).
     */
    static void awaitShardServes(App to, int shard, Duration timeout, Callable<Boolean> completeAnswer)
            throws Exception {
        Await.until(timeout, "a complete answer, and every replica of shard " + shard + " UP with its breaker CLOSED",
                () -> new Look(completeAnswer.call(), stats(to).get("shards").get(shard).get("replicas")),
                look -> look.complete() && allServe(look.replicas()));
    }

    /** What {@link #awaitShardServes} saw: whether the query's answer was complete, and the shard's replicas. */
    private record Look(boolean complete, JsonNode replicas) {
    }

    private static boolean allServe(JsonNode replicas) {
        for (JsonNode r : replicas) {
            if (!r.get("health").asString().equals("UP") || !r.get("breaker").asString().equals("CLOSED")) {
                return false;
            }
        }
        return true;
    }
}
