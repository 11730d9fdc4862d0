package dev.logquery.node.web;

import dev.logquery.common.query.InternalHeaders;
import dev.logquery.common.query.InvalidFieldException;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.query.VolumeExecutor;
import dev.logquery.node.query.VolumeSql;
import dev.logquery.node.storage.DatabaseMonitor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /internal/volume}: lines and message bytes of this node per time bucket and stream columns, counted
 * in SQL ({@link VolumeSql}), for the coordinator's Loki volume and metric queries. The body is a query's JSON
 * ({@link QueryJson}: window and filters; {@code limit} ignored) with three more members: {@code originMicros}
 * (epoch microseconds of bucket 0's upper bound), {@code stepMicros} (bucket width; 0 or absent: one bucket),
 * {@code groupBy} (any of {@code service, level, namespace, pod, container}) and optionally {@code maxGroups}
 * (default and at most {@value #MAX_GROUPS}). The answer:
 * <pre>{@code {"chunksScanned": 3, "chunksSkipped": 5,
 *  "groups": [{"b": 12, "v": ["svc-1", "ERROR"], "count": 40, "bytes": 5120}, ...]}}</pre>
 * The same pruning as {@code /internal/query} (header {@value InternalHeaders#PRUNING}{@code : off} reads the whole
 * window); 400 for a bad body, 422 when there are more groups than allowed, 503 until the chunks are loaded or
 * while the database is unavailable.
 */
public final class VolumeHandler {

    static final int MAX_GROUPS = 200_000;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final ChunkStore chunks;
    private final QueryExecutor queries;
    private final VolumeExecutor volumes;
    private final DatabaseMonitor database;

    public VolumeHandler(ChunkStore chunks, QueryExecutor queries, VolumeExecutor volumes, DatabaseMonitor database) {
        this.chunks = chunks;
        this.queries = queries;
        this.volumes = volumes;
        this.database = database;
    }

    public Mono<ServerResponse> volume(ServerRequest request) {
        String path = request.path();
        return request.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(body -> {
            VolumeSql.Volume volume;
            int maxGroups;
            try {
                LogQuery query = QueryJson.fromJson(body);
                JsonNode tree = MAPPER.readTree(body);
                long origin = tree.path("originMicros").asLong(0);
                long step = tree.path("stepMicros").asLong(0);
                maxGroups = (int) Math.min(MAX_GROUPS, Math.max(1, tree.path("maxGroups").asLong(MAX_GROUPS)));
                List<VolumeSql.Column> groupBy = new ArrayList<>();
                for (JsonNode c : tree.path("groupBy")) {
                    groupBy.add(VolumeSql.Column.parse(c.asString()));
                }
                volume = VolumeSql.Volume.of(query, origin, step, groupBy);
            } catch (InvalidFieldException e) {
                return Problems.response(HttpStatus.BAD_REQUEST, e.getMessage(), path, Map.of("field", e.field()));
            } catch (IllegalArgumentException | JacksonException e) {
                return Problems.response(HttpStatus.BAD_REQUEST, e.getMessage(), path, Map.of("field", "body"));
            }
            if (!chunks.isLoaded()) {
                return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "chunk metadata not loaded from the database yet",
                        path, Map.of());
            }
            DatabaseMonitor.Status db = database.status();
            if (!db.available()) {
                return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "database unavailable since " + db.since()
                        + ": " + db.error(), path, Map.of("reason", "UNAVAILABLE"));
            }
            boolean prune = !"off".equalsIgnoreCase(request.headers().firstHeader(InternalHeaders.PRUNING));
            ScanPlan plan = queries.plan(volume.query(), prune);
            return volumes.execute(volume, plan, maxGroups)
                    .flatMap(groups -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json(plan, groups)))
                    .onErrorResume(VolumeExecutor.TooManyGroupsException.class, e -> Problems.response(
                            HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage(), path, Map.of("field", "maxGroups")));
        }).onErrorResume(DataBufferLimitException.class, e -> Problems.response(HttpStatus.CONTENT_TOO_LARGE,
                "body is too large for a volume: " + e.getMessage(), path, Map.of("field", "body")));
    }

    static byte[] json(ScanPlan plan, List<VolumeExecutor.Group> groups) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + groups.size() * 64);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberProperty("chunksScanned", plan.chunksToScan());
            g.writeNumberProperty("chunksSkipped", plan.chunksSkipped());
            g.writeArrayPropertyStart("groups");
            for (VolumeExecutor.Group group : groups) {
                g.writeStartObject();
                g.writeNumberProperty("b", group.bucket());
                g.writeArrayPropertyStart("v");
                for (String v : group.values()) {
                    g.writeString(v);
                }
                g.writeEndArray();
                g.writeNumberProperty("count", group.count());
                g.writeNumberProperty("bytes", group.bytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
