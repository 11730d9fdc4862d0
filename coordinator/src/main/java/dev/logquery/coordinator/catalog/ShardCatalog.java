package dev.logquery.coordinator.catalog;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.pruning.Summary;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.redis.RedisStore;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import io.lettuce.core.KeyValue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The last metadata of every replica of every shard, and per shard one {@link PartitionMetadata#covering
 * covering} description that pruning may use whichever replica answers. Refreshed every half
 * {@code metadataMaxAge} in the background, and on demand when a query finds it older than that.
 *
 * <p>Where it comes from: Redis first — one {@code MGET} of every replica's key
 * ({@code logquery:metadata:<shard>:<replica>}, which the nodes refresh after their batches, at most about
 * once a second) — and, for each replica whose key is missing or while Redis is down, the node itself
 * ({@code GET /internal/metadata}, with its entity tag). A replica read from neither is unknown; a shard
 * none of whose replicas is known is unknown ({@link ShardState#metadata()} null) and pruning must not
 * skip it.
 */
@Component
public class ShardCatalog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ShardCatalog.class);
    /** The Redis key of a replica's metadata (the nodes write it, {@code SET ... EX 30}). */
    public static String redisKey(Replica r) {
        return "logquery:metadata:" + r.shard() + ":" + r.index();
    }

    /**
     * What the catalog knows of one replica; {@code metadata} null means unknown. {@code raw} is the encoded
     * metadata it was decoded from (a repeat of the same bytes is not decoded again); {@code version} the
     * node's entity tag; {@code source} {@code redis} or {@code node}.
     */
    public record ReplicaState(Replica replica, PartitionMetadata metadata, Instant fetchedAt, String version,
                               byte[] raw, String source) {
    }

    /** What the catalog knows of one shard: the covering metadata of its known replicas (null: unknown). */
    public record ShardState(Shard shard, PartitionMetadata metadata, Instant fetchedAt, List<ReplicaState> replicas) {

        public ShardState(Shard shard, PartitionMetadata metadata, Instant fetchedAt) {
            this(shard, metadata, fetchedAt, List.of());
        }

        /**
         * What pruning may know of this shard for {@code query}: its metadata's summary, or nothing (a summary that
         * excludes nothing) when the metadata is unknown or the query's window reaches into the span it may not
         * describe yet. The node commits rows after it generated the metadata; those rows are stamped at most about
         * {@code freshSpan} before then (lines arrive within seconds of being logged), so a window that ends before
         * {@code generatedAt - freshSpan} is fully described and one that ends later may hold rows the metadata does
         * not show (a new service, a first error, an hour chunk that did not exist yet). Metadata without
         * {@code generatedAt} is taken as describing everything, as before.
         */
        public Summary summaryFor(LogQuery query, Duration freshSpan) {
            return describes(query, freshSpan) ? Summary.of(metadata) : Summary.UNKNOWN;
        }

        /** Whether the metadata is known and describes every row of the query's window (see {@link #summaryFor}). */
        public boolean describes(LogQuery query, Duration freshSpan) {
            if (metadata == null) {
                return false;
            }
            Instant generated = metadata.generatedAt();
            return generated == null || query.endTime().isBefore(generated.minus(freshSpan));
        }

        /**
         * The replicas that lack more than {@code maxLagRows} rows of the query's window compared with the
         * covering metadata (a replica still catching up, or one whose metadata is old). A replica whose
         * metadata is unknown is not counted behind: nothing says it is.
         */
        public Set<Replica> behind(LogQuery query, long maxLagRows) {
            if (metadata == null || replicas.size() < 2) {
                return Set.of();
            }
            Set<Replica> behind = new HashSet<>();
            for (ReplicaState r : replicas) {
                if (r.metadata() != null
                        && metadata.rowsMissingFrom(r.metadata(), query.startTime(), query.endTime()) > maxLagRows) {
                    behind.add(r.replica());
                }
            }
            return behind;
        }
    }

    private final CoordinatorProperties properties;
    private final MeterRegistry registry;
    private final WebClient client;
    private final RedisStore redis;
    private final Clock clock;
    private volatile Map<Integer, ShardState> states = Map.of();
    private final AtomicReference<Mono<List<ShardState>>> inFlight = new AtomicReference<>();
    /** Per replica, the last state whose metadata was read (for stats and for unchanged-bytes reuse). */
    private final Map<Replica, ReplicaState> lastKnown = new ConcurrentHashMap<>();
    /** Per replica, why its last metadata read failed; absent once a read succeeds again. */
    private final Map<Replica, String> lastError = new ConcurrentHashMap<>();
    private volatile Disposable refresher;

    @Autowired
    public ShardCatalog(CoordinatorProperties properties, WebClient nodeWebClient, RedisStore redis,
                        MeterRegistry registry) {
        this(properties, nodeWebClient, redis, Clock.systemUTC(), registry);
    }

    ShardCatalog(CoordinatorProperties properties, WebClient client, RedisStore redis, Clock clock) {
        this(properties, client, redis, clock, new SimpleMeterRegistry());
    }

    ShardCatalog(CoordinatorProperties properties, WebClient client, RedisStore redis, Clock clock,
                 MeterRegistry registry) {
        this.registry = registry;
        this.properties = properties;
        this.client = client;
        this.redis = redis;
        this.clock = clock;
    }

    /** The state of every configured shard, each at most {@code metadataMaxAge} old (refreshed if needed). */
    public Mono<List<ShardState>> current() {
        Instant now = clock.instant();
        Map<Integer, ShardState> s = states;
        List<ShardState> list = new ArrayList<>(properties.shards().size());
        for (Shard shard : properties.shards()) {
            ShardState state = s.get(shard.id());
            if (state == null || Duration.between(state.fetchedAt(), now).compareTo(properties.metadataMaxAge()) > 0) {
                return refreshShared();
            }
            list.add(state);
        }
        return Mono.just(list);
    }

    /** A refresh of every shard, shared by the queries that find the metadata stale at the same time. */
    private Mono<List<ShardState>> refreshShared() {
        while (true) {
            Mono<List<ShardState>> running = inFlight.get();
            if (running != null) {
                return running;
            }
            Mono<List<ShardState>> mine = refresh().doFinally(signal -> inFlight.set(null)).cache();
            if (inFlight.compareAndSet(null, mine)) {
                return mine;
            }
        }
    }

    /** Reads every replica's metadata (Redis, else its node) and rebuilds every shard's state; never fails. */
    Mono<List<ShardState>> refresh() {
        List<Replica> replicas = properties.shards().stream().flatMap(s -> s.replicaList().stream()).toList();
        return fromRedis(replicas)
                .flatMap(cached -> Flux.fromIterable(replicas)
                        .flatMap(r -> cached.containsKey(r) ? decode(r, cached.get(r)) : fromNode(r))
                        .collectList())
                .map(read -> {
                    Map<Replica, ReplicaState> byReplica = new HashMap<>();
                    read.forEach(s -> byReplica.put(s.replica(), s));
                    Instant now = clock.instant();
                    Map<Integer, ShardState> next = new HashMap<>();
                    List<ShardState> list = new ArrayList<>();
                    for (Shard shard : properties.shards()) {
                        List<ReplicaState> rs = shard.replicaList().stream().map(byReplica::get).toList();
                        List<PartitionMetadata> known = rs.stream().map(ReplicaState::metadata)
                                .filter(Objects::nonNull).toList();
                        ShardState state = new ShardState(shard, known.isEmpty() ? null : PartitionMetadata.covering(known),
                                now, rs);
                        next.put(shard.id(), state);
                        list.add(state);
                    }
                    states = Map.copyOf(next);
                    return list;
                });
    }

    /** The encoded metadata of the replicas Redis has; empty when Redis is down or not configured. */
    private Mono<Map<Replica, byte[]>> fromRedis(List<Replica> replicas) {
        var commands = redis.commands();
        if (commands.isEmpty()) {
            return Mono.just(Map.of());
        }
        Map<String, Replica> byKey = new HashMap<>();
        replicas.forEach(r -> byKey.put(redisKey(r), r));
        return commands.get().mget(byKey.keySet().toArray(String[]::new))
                .filter(KeyValue::hasValue)
                .collectMap(kv -> byKey.get(kv.getKey()), KeyValue::getValue)
                .timeout(RedisStore.COMMAND_TIMEOUT)
                .onErrorResume(e -> {
                    log.debug("metadata from Redis unreadable, asking the nodes: {}", e.toString());
                    return Mono.just(Map.of());
                });
    }

    /** Metadata from Redis: decoded unless it is the same bytes as last time. */
    private Mono<ReplicaState> decode(Replica r, byte[] raw) {
        ReplicaState previous = lastKnown.get(r);
        if (previous != null && "redis".equals(previous.source()) && Arrays.equals(previous.raw(), raw)) {
            return Mono.just(known(new ReplicaState(r, previous.metadata(), clock.instant(), null, raw, "redis")));
        }
        return Mono.fromCallable(() -> MetadataCodec.fromJson(raw))
                .subscribeOn(Schedulers.boundedElastic()) // bloom filters of many hours: decode off the event loop
                .flatMap(m -> {
                    Optional<String> problem = MetadataCheck.problem(m, r.shard(), clock.instant());
                    if (problem.isPresent()) {
                        rejected(problem.get());
                        return fromNode(r);
                    }
                    return Mono.just(known(new ReplicaState(r, m, clock.instant(), null, raw, "redis")));
                })
                .onErrorResume(e -> {
                    rejected("undecodable");
                    return fromNode(r); // a value that does not decode: ask the node
                });
    }

    /** Counts metadata from Redis that was not used ({@code metadata_redis_rejected_total{reason}}). */
    private void rejected(String reason) {
        Counter.builder("metadata.redis.rejected").description("Metadata values in Redis ignored as untrustworthy")
                .tag("reason", reason).register(registry).increment();
    }

    /**
     * A replica's metadata from its node; never fails: an unreadable replica becomes unknown. The node's
     * entity tag of the last good read goes along, and a {@code 304} confirms that metadata as of now.
     */
    Mono<ReplicaState> fromNode(Replica r) {
        ReplicaState previous = lastKnown.get(r);
        String tag = previous != null && "node".equals(previous.source()) ? previous.version() : null;
        return client.get().uri(r.url() + "/internal/metadata")
                .headers(h -> {
                    if (tag != null) {
                        h.setIfNoneMatch(tag);
                    }
                })
                .exchangeToMono(response -> {
                    if (response.statusCode().value() == 304 && tag != null) {
                        return response.releaseBody().thenReturn(
                                new ReplicaState(r, previous.metadata(), clock.instant(), tag, null, "node"));
                    }
                    if (response.statusCode().isError()) {
                        return response.createException().flatMap(Mono::error);
                    }
                    String version = response.headers().asHttpHeaders().getETag();
                    return response.bodyToMono(byte[].class)
                            .publishOn(Schedulers.boundedElastic())
                            .map(MetadataCodec::fromJson)
                            .map(m -> new ReplicaState(r, m, clock.instant(), version, null, "node"));
                })
                .timeout(properties.shardTimeout())
                .map(this::known)
                .onErrorResume(e -> {
                    log.debug("metadata of {} unreadable: {}", r.name(), e.toString());
                    lastError.put(r, e.toString());
                    return Mono.just(new ReplicaState(r, null, clock.instant(), null, null, "none"));
                });
    }

    private ReplicaState known(ReplicaState s) {
        lastKnown.put(s.replica(), s);
        lastError.remove(s.replica());
        return s;
    }

    /** The replica's last known metadata (as of the last refresh that could read it), or null when none is known. */
    public PartitionMetadata metadataOf(Replica r) {
        ReplicaState s = lastKnown.get(r);
        return s == null ? null : s.metadata();
    }

    /**
     * What the catalog last learnt of one replica, for {@code GET /api/query/stats}; never triggers a fetch.
     *
     * @param lastKnown the last state whose metadata could be read (null if none ever was)
     * @param lastError why the latest read failed, or null when it succeeded (or none was tried yet)
     */
    public record ReplicaHealth(Replica replica, ReplicaState lastKnown, String lastError) {
    }

    /** The health of every replica of one shard. */
    public record ShardHealth(Shard shard, List<ReplicaHealth> replicas) {
    }

    /** The health of every configured shard and replica, in configuration order, as of now (no refresh). */
    public List<ShardHealth> health() {
        return properties.shards().stream()
                .map(shard -> new ShardHealth(shard, shard.replicaList().stream()
                        .map(r -> new ReplicaHealth(r, lastKnown.get(r), lastError.get(r)))
                        .toList()))
                .toList();
    }

    @Override
    public void start() {
        // Twice per max age, so that a query rarely finds the metadata stale and has to wait for a read.
        refresher = Flux.interval(Duration.ZERO, properties.metadataMaxAge().dividedBy(2), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> refreshShared().then(), 1)
                .subscribe(v -> { }, e -> log.error("metadata refresher stopped", e));
    }

    @Override
    public void stop() {
        Disposable r = refresher;
        if (r != null) {
            r.dispose();
        }
        refresher = null;
    }

    @Override
    public boolean isRunning() {
        return refresher != null;
    }
}
