package dev.logquery.coordinator.scatter;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.merge.SortedMerge;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a replica's rows from its PostgreSQL directly, without its node: one JVM hop and one encode and decode of
 * every row fewer than {@code POST /internal/query} (issue 17: the nodes' path spent 2.9 ms of JVM CPU per selective
 * query where this spends a fraction, see docs/benchmarks.md). The node still ingests, keeps and publishes the
 * metadata, runs retention, and answers what needs its text index ({@code contains}) or what has no database
 * configured.
 *
 * <p>The SQL is the node's own ({@link RangeSql}, over the ranges of a {@link MetadataPlan}); the answer has the
 * shape of the node's ({@link NodeAnswer}: the chunk plan, then rows newest first, at most {@code limit}), so
 * failover, hedging, circuit breakers and stall detection in {@link ShardQuery} treat both alike. Each range is read
 * in pages of {@code pageRows} (each statement resumes after the last row of the one before), a page only when the
 * one before was used up ({@link PagedRead}): memory stays bounded whatever the limit, and when several shards answer,
 * the first statement asks only for about the shard's part of the limit ({@link #firstRows}). Each connection has a
 * {@code statement_timeout} and is read-only ({@code default_transaction_read_only}); pools are bounded, and so is
 * their wait queue.
 */
@Component
public class ShardDatabases implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ShardDatabases.class);
    /** Queries that may wait for a connection of one replica's pool, per connection. */
    private static final int WAITING_PER_CONNECTION = 64;

    private final CoordinatorProperties.Direct settings;
    private final Duration freshSpan;
    private final Duration keepAlive;
    private final Function<Replica, PartitionMetadata> metadata;
    private final Map<Replica, Pool> pools = new HashMap<>();
    private final Map<Replica, ChunksByHour> chunks = new ConcurrentHashMap<>();
    private final Vertx vertx;

    @Autowired
    public ShardDatabases(CoordinatorProperties properties, ShardCatalog catalog) {
        this(properties, catalog::metadataOf);
    }

    /**
     * @param metadata the replica's last known metadata (null when unknown), which plans its reads
     */
    public ShardDatabases(CoordinatorProperties properties, Function<Replica, PartitionMetadata> metadata) {
        this.settings = properties.direct();
        this.freshSpan = properties.freshSpan();
        // As often as a node sends blank lines (500 ms), and at least four times per shard timeout.
        Duration quarter = properties.shardTimeout().dividedBy(4);
        this.keepAlive = quarter.compareTo(Duration.ofMillis(500)) < 0 ? quarter : Duration.ofMillis(500);
        this.metadata = metadata;
        boolean any = properties.shards().stream().flatMap(s -> s.databases().stream()).anyMatch(d -> !d.isEmpty());
        this.vertx = any ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(settings.eventLoops())) : null;
        for (Shard shard : properties.shards()) {
            for (Replica r : shard.replicaList()) {
                String url = shard.databaseOf(r);
                if (!url.isEmpty()) {
                    pools.put(r, pool(url));
                    log.info("{} is read from its PostgreSQL directly ({})", r.name(), redacted(url));
                }
            }
        }
    }

    private Pool pool(String url) {
        PgConnectOptions connect = options(url);
        Map<String, String> startup = new HashMap<>(connect.getProperties());
        startup.put("statement_timeout", Long.toString(settings.statementTimeout().toMillis()));
        startup.put("default_transaction_read_only", "on");
        startup.put("application_name", "logquery-coordinator");
        // The statements are prepared once per connection and run with new values each time. On the partitioned logs
        // table PostgreSQL keeps planning each run anew (a custom plan: 0.1-0.6 ms, more than reading 100 rows), as
        // the generic plan's estimate counts every partition; the generic plan has the same shape (an index scan
        // backwards per partition, the ones outside the window pruned when it starts), so it is taken at once.
        startup.put("plan_cache_mode", "force_generic_plan");
        connect.setProperties(startup).setCachePreparedStatements(true);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.statementTimeout().toMillis());
        PoolOptions pool = new PoolOptions().setMaxSize(settings.connections())
                .setMaxWaitQueueSize(settings.connections() * WAITING_PER_CONNECTION)
                .setConnectionTimeout(timeoutMs).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        NetClientOptions net = new NetClientOptions().setConnectTimeout(timeoutMs);
        return PgBuilder.pool().with(pool).with(net).connectingTo(connect).using(vertx).build();
    }

    /**
     * The connection options of {@code url}: {@code postgresql://user:password@host:port/db} or the nodes' JDBC form
     * {@code jdbc:postgresql://host:port/db?user=…&password=…}.
     */
    static PgConnectOptions options(String url) {
        String u = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        try {
            return PgConnectOptions.fromUri(u);
        } catch (RuntimeException e) { // not chained: the driver's message may quote the password
            throw new IllegalArgumentException("logquery.coordinator.shards[].databases: not a PostgreSQL URL: "
                    + redacted(url));
        }
    }

    /** The URL without its password, for logs and errors. */
    static String redacted(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /**
     * The replica's answer read from its PostgreSQL, when it has one configured and the query needs nothing only
     * the node has (a {@code contains} text, which the node's text index narrows); empty otherwise.
     *
     * @param prune     false reads the query's whole window, as {@code X-Logquery-Pruning: off} tells a node
     * @param firstRows rows the first statement asks for: the shard's likely part of the limit when several shards
     *                  answer ({@link #firstRows}); more are read, a page at a time, only if the merge wants them
     */
    public Optional<Flux<NodeAnswer>> reads(Replica replica, LogQuery query, boolean prune, int firstRows) {
        Pool pool = pools.get(replica);
        if (pool == null || query.contains() != null) {
            return Optional.empty();
        }
        return Optional.of(Flux.defer(() -> {
            PartitionMetadata m = metadata.apply(replica);
            ScanPlan plan = MetadataPlan.of(query, m, chunksOf(replica, m), freshSpan, prune);
            ChunkPlan chunks = new ChunkPlan(plan.chunksToScan(), plan.chunksSkipped());
            if (plan.ranges().isEmpty()) {
                return Flux.just(chunks);
            }
            int shard = replica.shard();
            PagedRead.Page first = new PagedRead.Page(0, query, query.limit(), Math.min(query.limit(), Math.min(firstRows,
                    settings.pageRows())), List.of());
            return Flux.concat(Mono.just(chunks), Flux.<NodeAnswer>create(sink -> new PagedRead(sink,
                    page -> page(pool, shard, plan, page), plan, settings.pageRows(), first, keepAlive)));
        }));
    }

    /**
     * Rows the first statement asks for when the shard likely holds {@code share} (0..1) of an answer of
     * {@code limit} rows: that part of the limit with room for a wrong guess (half as much again, plus what the
     * merge asks ahead of what it takes), so that a shard rarely needs a second statement; all of the limit for a
     * shard alone. Three even shards and a limit of 100 read about 174 rows instead of 300 (docs/benchmarks.md).
     */
    public static int firstRows(int limit, double share) {
        if (share >= 1.0) {
            return limit;
        }
        long rows = (long) Math.ceil(1.5 * limit * Math.max(0.0, share)) + SortedMerge.PREFETCH;
        return (int) Math.min(limit, rows);
    }

    /**
     * {@link MetadataPlan#byHour} of the replica's metadata, made once per metadata rather than per query (the catalog
     * keeps the same object while the replica's metadata is unchanged).
     */
    private NavigableMap<Instant, ChunkMetadata> chunksOf(Replica replica, PartitionMetadata m) {
        ChunksByHour known = chunks.get(replica);
        if (known == null || known.of() != m) {
            known = new ChunksByHour(m, Collections.unmodifiableNavigableMap(MetadataPlan.byHour(m)));
            chunks.put(replica, known);
        }
        return known.byHour();
    }

    /** The chunks of one metadata object by hour. */
    private record ChunksByHour(PartitionMetadata of, NavigableMap<Instant, ChunkMetadata> byHour) {
    }

    private Mono<PagedRead.Page> page(Pool pool, int shard, ScanPlan plan, PagedRead.Page page) {
        ScanPlan.Range range = plan.ranges().get(page.range());
        String sql = numbered(RangeSql.sql(page.query()));
        Tuple values = tuple(RangeSql.values(page.query(), range, page.asked()));
        return Mono.fromCompletionStage(() -> pool.preparedQuery(sql).execute(values).toCompletionStage())
                .map(rows -> {
                    List<StoredLogEntry> read = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        read.add(row(row, shard));
                    }
                    return new PagedRead.Page(page.range(), page.query(), page.remaining(), page.asked(), read);
                });
    }

    /** {@link RangeSql#values} for the Vert.x client: the attribute filter as a JSON object. */
    static Tuple tuple(List<Object> values) {
        List<Object> out = new ArrayList<>(values.size());
        for (Object v : values) {
            if (v instanceof Map<?, ?> attributes) {
                JsonObject o = new JsonObject();
                attributes.forEach((k, x) -> o.put((String) k, x));
                out.add(o);
            } else {
                out.add(v);
            }
        }
        return Tuple.from(out);
    }

    /** A row of {@link RangeSql}'s columns, as stored on {@code shard}. */
    static StoredLogEntry row(Row r, int shard) {
        Object stored = r.getValue(9);
        Map<String, String> attributes = Map.of();
        if (stored instanceof JsonObject o) {
            Map<String, String> m = new TreeMap<>();
            o.forEach(e -> m.put(e.getKey(), e.getValue() instanceof String s ? s : String.valueOf(e.getValue())));
            attributes = m;
        }
        LogEntry entry = new LogEntry(r.getOffsetDateTime(0).toInstant(), r.getString(1),
                LogLevel.fromCode(r.getShort(2)), r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                attributes);
        return new StoredLogEntry(entry, shard, r.getInteger(7), r.getLong(8));
    }

    /** JDBC's {@code ?} placeholders as PostgreSQL's {@code $1, $2 …} ({@link RangeSql}'s SQL holds no other). */
    static String numbered(String sql) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int n = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '?') {
                out.append('$').append(++n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public void destroy() {
        if (vertx != null) {
            pools.values().forEach(Pool::close);
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }
    }
}
