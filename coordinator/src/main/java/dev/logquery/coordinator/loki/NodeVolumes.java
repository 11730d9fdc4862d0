package dev.logquery.coordinator.loki;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.pruning.Summary;
import dev.logquery.common.query.InternalHeaders;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.topology.Replica;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Counts of lines and bytes per time bucket and stream columns, computed on the partition nodes
 * ({@code POST /internal/volume}: {@code GROUP BY} in SQL, no row leaves a node) and summed here. The shards are
 * pruned with their metadata as searches are; each unpruned shard is asked of its replicas in turn (those whose
 * circuit breaker is open last) until one answers, within the query's deadline ({@code query-timeout}). A shard
 * that no replica answers contributes nothing and is named in {@link Answer#failures()} (Loki's warnings), and
 * counted in the query metrics like a failed search.
 *
 * <p>Attributes: the nodes group by their stream columns only. A group's labels are its columns' values plus the
 * attribute equalities the query pushed (every counted line has them). A request whose answer needs the other
 * attribute labels too ({@link Request#attributeLabels()}: output series named by them, matchers or target labels
 * on them) is counted on the nodes only when the shards' hour-chunk metadata shows that no line of the window has an
 * attribute (every overlapping chunk has a known, empty attribute bloom); otherwise it is counted here from the rows
 * of the window ({@link RowScan}, the pruning and scatter of every search), each row under its full stream labels
 * ({@link LinePipeline#streamLabels}), at most {@code maxRows} rows (more: 400 naming the bound). Either way the
 * answer is exact; only its cost differs.
 */
public final class NodeVolumes {

    private static final Logger log = LoggerFactory.getLogger(NodeVolumes.class);
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Node columns, by the names the node knows. */
    static final String SERVICE = "service";
    public static final String LEVEL = "level";
    static final String NAMESPACE = "namespace";
    static final String POD = "pod";
    static final String CONTAINER = "container";
    static final List<String> ALL_COLUMNS = List.of(SERVICE, LEVEL, NAMESPACE, POD, CONTAINER);

    /**
     * @param query        window and filters ({@code limit} unused)
     * @param originMicros epoch microseconds of bucket 0's upper bound
     * @param stepMicros   bucket width; 0 for one bucket
     * @param groupBy      node columns
     * @param attributeLabels whether the answer's labels must hold the lines' attribute labels (not only those pushed)
     */
    public record Request(LogQuery query, long originMicros, long stepMicros, List<String> groupBy, boolean attributeLabels) {

        /** A request whose answer needs no attribute label beyond those the query pushes. */
        public Request(LogQuery query, long originMicros, long stepMicros, List<String> groupBy) {
            this(query, originMicros, stepMicros, groupBy, false);
        }
    }

    /**
     * A bucket of a group and the group's stream labels: counted on the nodes, those of the asked columns and the
     * pushed attributes ({@link #labels}); counted from rows, every stream label of the lines.
     */
    public record Key(long bucket, SortedMap<String, String> labels) {
    }

    public record Answer(Map<Key, long[]> sums, List<ShardFailure> failures, int shardsQueried, long chunksScanned) {
        public long count() {
            return sums.values().stream().mapToLong(v -> v[0]).sum();
        }

        public long bytes() {
            return sums.values().stream().mapToLong(v -> v[1]).sum();
        }

        public List<String> warnings() {
            return Warnings.partial(failures);
        }
    }

    private final WebClient client;
    private final ShardCatalog catalog;
    private final CoordinatorProperties properties;
    private final ReplicaBreakers breakers;
    private final QueryMetrics metrics;
    private final int maxGroups;
    private final PruningService pruning = PruningService.standard();
    /** Where rows come from when attribute labels are needed; null: never from rows (tests). */
    private final LogSearch search;
    private final int pageSize;
    private final long maxRows;

    public NodeVolumes(WebClient client, ShardCatalog catalog, CoordinatorProperties properties, ReplicaBreakers breakers,
                QueryMetrics metrics, int maxGroups) {
        this(client, catalog, properties, breakers, metrics, maxGroups, null, 1, 0);
    }

    /**
     * @param search   the search rows are read through when a request needs attribute labels
     * @param pageSize rows a page of that scan
     * @param maxRows  rows that scan may read (more: 400)
     */
    NodeVolumes(WebClient client, ShardCatalog catalog, CoordinatorProperties properties, ReplicaBreakers breakers,
                QueryMetrics metrics, int maxGroups, LogSearch search, int pageSize, long maxRows) {
        this.search = search;
        this.pageSize = pageSize;
        this.maxRows = maxRows;
        this.client = client;
        this.catalog = catalog;
        this.properties = properties;
        this.breakers = breakers;
        this.metrics = metrics;
        this.maxGroups = maxGroups;
    }

    private record ShardAnswer(int shard, JsonNode body, String failure) {
    }

    public Mono<Answer> run(Request request) {
        if (!request.attributeLabels() || search == null) {
            return counted(request);
        }
        return attributesAbsent(request.query()).flatMap(absent -> absent ? counted(request) : fromRows(request));
    }

    /**
     * Whether the shards' metadata shows that no line of the query's window has an attribute: every shard known, and
     * every hour chunk of an unpruned shard that overlaps the window has a known attribute bloom that holds nothing.
     */
    Mono<Boolean> attributesAbsent(LogQuery query) {
        return catalog.current().map(states -> {
            for (ShardState s : states) {
                if (!s.describes(query, properties.freshSpan())) {
                    return false; // unknown, or lines committed since the metadata was made may have attributes
                }
                if (properties.pruning() && pruning.excludedBy(query, Summary.of(s.metadata())).isPresent()) {
                    continue;
                }
                for (ChunkMetadata c : s.metadata().chunks()) {
                    boolean overlaps = !c.maxTime().isBefore(query.startTime()) && !c.minTime().isAfter(query.endTime());
                    if (overlaps && (c.attributes() == null || c.attributes().expectedFpp() > 0)) {
                        return false; // unknown, or some attribute pair was put in it
                    }
                }
            }
            return true;
        });
    }

    /** The request counted here from the window's rows, each under its full stream labels. */
    private Mono<Answer> fromRows(Request request) {
        LogQuery q = request.query();
        LogQuery first = new LogQuery(q.startTime(), q.endTime(), q.service(), q.levels(), q.namespace(), q.pod(),
                q.contains(), pageSize, null, q.attributes());
        RowScan.Stats stats = new RowScan.Stats();
        Map<Key, long[]> sums = new HashMap<>();
        long origin = request.originMicros();
        long step = request.stepMicros();
        return RowScan.rows(search, first, pageSize, maxRows + 1, stats)
                .doOnNext(row -> {
                    if (stats.rows() > maxRows) {
                        throw new LokiBadRequest("the query reads more than " + maxRows + " lines, the bound of a"
                                + " count by attribute labels (logquery.coordinator.loki.max-metric-rows): lines with"
                                + " attributes are counted in the coordinator; narrow the stream selector or the time"
                                + " range, or group by built-in labels only");
                    }
                    add(sums, row, origin, step);
                })
                .then(Mono.fromSupplier(() -> new Answer(sums, stats.failures(), stats.partitionsQueried(), 0)));
    }

    private void add(Map<Key, long[]> sums, StoredLogEntry row, long origin, long step) {
        long ts = micros(row.entry().timestamp());
        long bucket = step == 0 ? 0 : Math.floorDiv(ts - origin + step - 1, step);
        long[] sum = sums.computeIfAbsent(new Key(bucket, LinePipeline.streamLabels(row.entry())), k -> new long[2]);
        sum[0]++;
        sum[1] += MetricQueries.utf8Length(row.entry().message());
        if (sums.size() > maxGroups) {
            throw new LokiBadRequest("maximum of " + maxGroups + " groups (series times steps) reached for a"
                    + " single query: narrow the selector or raise the step");
        }
    }

    /** Counted on the nodes, grouped by the request's columns. */
    private Mono<Answer> counted(Request request) {
        byte[] body = body(request);
        long deadline = System.nanoTime() + properties.queryTimeout().toNanos();
        return catalog.current().flatMap(states -> {
            List<ShardState> targets = new ArrayList<>();
            for (ShardState s : states) {
                Optional<String> pruner = !properties.pruning() ? Optional.empty()
                        : pruning.excludedBy(request.query(), s.summaryFor(request.query(), properties.freshSpan()));
                if (pruner.isPresent()) {
                    metrics.pruned(pruner.get());
                } else {
                    targets.add(s);
                }
            }
            metrics.queried(targets.size());
            return Flux.fromIterable(targets)
                    .flatMap(s -> shard(s, body, deadline), Math.max(1, targets.size()))
                    .collectList()
                    .map(answers -> merge(answers, targets.size(), request));
        });
    }

    private Answer merge(List<ShardAnswer> answers, int queried, Request request) {
        Map<Key, long[]> sums = new HashMap<>();
        TreeSet<ShardFailure> failures = new TreeSet<>(ShardFailure.ORDER);
        long chunks = 0;
        for (ShardAnswer a : answers) {
            if (a.failure() != null) {
                failures.add(new ShardFailure(a.shard(), a.failure()));
                continue;
            }
            chunks += a.body().path("chunksScanned").asLong(0);
            for (JsonNode g : a.body().path("groups")) {
                List<String> values = new ArrayList<>();
                for (JsonNode v : g.path("v")) {
                    values.add(v.isNull() ? null : v.asString());
                }
                SortedMap<String, String> labels = labels(request.groupBy(), values, request.query().attributes());
                long[] sum = sums.computeIfAbsent(new Key(g.path("b").asLong(), labels), k -> new long[2]);
                sum[0] += g.path("count").asLong();
                sum[1] += g.path("bytes").asLong();
                if (sums.size() > maxGroups) {
                    throw new LokiBadRequest("maximum of " + maxGroups + " groups (series times steps) reached for a"
                            + " single query: narrow the selector or raise the step");
                }
            }
        }
        return new Answer(sums, List.copyOf(failures), queried, chunks);
    }

    /** One shard: its replicas in turn until one answers or the deadline passes. */
    private Mono<ShardAnswer> shard(ShardState state, byte[] body, long deadline) {
        int id = state.shard().id();
        List<Replica> order = new ArrayList<>(state.shard().replicaList());
        order.sort(Comparator.comparingInt(breakers::group));
        return attempt(order, 0, body, deadline)
                .map(json -> new ShardAnswer(id, json, null))
                .onErrorResume(LokiBadRequest.class, Mono::error)
                .onErrorResume(e -> {
                    String reason = e instanceof WebClientResponseException r && r.getStatusCode().value() == 422
                            ? "too_many_groups" : ShardFailure.of(id, e).reason();
                    log.warn("shard {} failed during a volume ({}): {}", id, reason, e.toString());
                    metrics.failed(id, reason);
                    return Mono.just(new ShardAnswer(id, null, reason));
                });
    }

    private Mono<JsonNode> attempt(List<Replica> order, int i, byte[] body, long deadline) {
        return Mono.defer(() -> {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return Mono.error(new TimeoutException("query deadline"));
            }
            Replica replica = order.get(i);
            Mono<JsonNode> one = client.post().uri(replica.url() + "/internal/volume")
                    .contentType(MediaType.APPLICATION_JSON)
                    .accept(MediaType.APPLICATION_JSON)
                    .headers(h -> {
                        if (!properties.pruning()) {
                            h.set(InternalHeaders.PRUNING, "off");
                        }
                    })
                    .bodyValue(body)
                    .retrieve()
                    .bodyToMono(byte[].class)
                    .map(MAPPER::readTree)
                    .timeout(Duration.ofNanos(remaining))
                    .transformDeferred(CircuitBreakerOperator.of(breakers.of(replica)));
            if (i + 1 == order.size()) {
                return one;
            }
            return one.onErrorResume(e -> !(e instanceof WebClientResponseException r && r.getStatusCode().is4xxClientError()),
                    e -> {
                        log.info("{} failed a volume ({}); asking {}", replica.name(), e.toString(), order.get(i + 1).name());
                        return attempt(order, i + 1, body, deadline);
                    });
        });
    }

    private byte[] body(Request request) {
        JsonNode query = MAPPER.readTree(QueryJson.toJson(request.query()));
        var node = (tools.jackson.databind.node.ObjectNode) query;
        node.put("originMicros", request.originMicros());
        node.put("stepMicros", request.stepMicros());
        node.put("maxGroups", maxGroups);
        var columns = node.putArray("groupBy");
        request.groupBy().forEach(columns::add);
        return MAPPER.writeValueAsBytes(node);
    }

    public static long micros(java.time.Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /**
     * The stream labels of a group's values (in the order of {@code columns}), as {@link LinePipeline#streamLabels},
     * with the attribute equalities the query pushed ({@code pushed}, null for none): every line of the group has them.
     */
    static SortedMap<String, String> labels(List<String> columns, List<String> values, Map<String, String> pushed) {
        TreeMap<String, String> labels = new TreeMap<>();
        if (pushed != null) {
            labels.putAll(pushed);
        }
        for (int i = 0; i < columns.size(); i++) {
            String v = values.get(i);
            if (v == null || v.isEmpty()) {
                continue;
            }
            switch (columns.get(i)) {
                case SERVICE -> labels.put(LogQl.SERVICE_NAME, v);
                case LEVEL -> {
                    String level = v.toLowerCase(java.util.Locale.ROOT);
                    labels.put("level", level);
                    labels.put("detected_level", level);
                }
                default -> labels.put(columns.get(i), v);
            }
        }
        return labels;
    }

    /** The node column a stream label is stored in, or null. */
    static String column(String label) {
        return switch (label) {
            case LogQl.SERVICE_NAME, "service", "app" -> SERVICE;
            case "level", "detected_level" -> LEVEL;
            case NAMESPACE, POD, CONTAINER -> label;
            default -> null;
        };
    }
}
