package dev.logquery.coordinator.catalog;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * The last metadata of every shard and when it was fetched. It is refreshed every {@code metadataMaxAge}
 * in the background, and on demand when a query finds it older than that. A shard whose metadata could
 * not be read (node down, 503 while it loads, garbage) is <em>unknown</em>: {@link ShardState#metadata()} is
 * null and pruning must not skip it.
 */
@Component
public class ShardCatalog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ShardCatalog.class);

    /**
     * What the catalog knows of one shard; {@code metadata} null means unknown. {@code version} is the node's
     * entity tag of that metadata (null if it sent none).
     */
    public record ShardState(Shard shard, PartitionMetadata metadata, Instant fetchedAt, String version) {

        public ShardState(Shard shard, PartitionMetadata metadata, Instant fetchedAt) {
            this(shard, metadata, fetchedAt, null);
        }

        ShardState withFetchedAt(Instant at) {
            return new ShardState(shard, metadata, at, version);
        }
    }

    private final CoordinatorProperties properties;
    private final WebClient client;
    private final Clock clock;
    private final Map<Integer, ShardState> states = new ConcurrentHashMap<>();
    private final Map<Integer, Mono<ShardState>> inFlight = new ConcurrentHashMap<>();
    /** Per shard, the last state whose metadata was read (for stats; pruning uses {@link #states}). */
    private final Map<Integer, ShardState> lastKnown = new ConcurrentHashMap<>();
    /** Per shard, why its last metadata read failed; absent once a read succeeds again. */
    private final Map<Integer, String> lastError = new ConcurrentHashMap<>();
    private volatile Disposable refresher;

    @Autowired
    public ShardCatalog(CoordinatorProperties properties, WebClient nodeWebClient) {
        this(properties, nodeWebClient, Clock.systemUTC());
    }

    ShardCatalog(CoordinatorProperties properties, WebClient client, Clock clock) {
        this.properties = properties;
        this.client = client;
        this.clock = clock;
    }

    /** The state of every configured shard, each at most {@code metadataMaxAge} old (refreshed if needed). */
    public Mono<List<ShardState>> current() {
        Instant now = clock.instant();
        return Flux.fromIterable(properties.shards())
                .flatMapSequential(shard -> {
                    ShardState s = states.get(shard.id());
                    if (s != null && !isStale(s, now)) {
                        return Mono.just(s);
                    }
                    return refreshShared(shard);
                })
                .collectList();
    }

    private boolean isStale(ShardState s, Instant now) {
        return Duration.between(s.fetchedAt(), now).compareTo(properties.metadataMaxAge()) > 0;
    }

    /** A refresh of {@code shard}, shared by the queries that find its metadata stale at the same time. */
    private Mono<ShardState> refreshShared(Shard shard) {
        return inFlight.computeIfAbsent(shard.id(), id -> refresh(shard)
                .doFinally(signal -> inFlight.remove(id))
                .cache());
    }

    /**
     * Fetches one shard's metadata; never fails: an unreadable shard becomes unknown. The node's entity tag
     * of the last good read goes along, and a {@code 304} confirms that metadata as of now.
     */
    Mono<ShardState> refresh(Shard shard) {
        ShardState previous = states.get(shard.id());
        String tag = previous != null && previous.metadata() != null ? previous.version() : null;
        return client.get().uri(shard.url() + "/internal/metadata")
                .headers(h -> {
                    if (tag != null) {
                        h.setIfNoneMatch(tag);
                    }
                })
                .exchangeToMono(response -> {
                    if (response.statusCode().value() == 304 && tag != null) {
                        return response.releaseBody().thenReturn(previous.withFetchedAt(clock.instant()));
                    }
                    if (response.statusCode().isError()) {
                        return response.createException().flatMap(Mono::error);
                    }
                    String version = response.headers().asHttpHeaders().getETag();
                    return response.bodyToMono(byte[].class)
                            .publishOn(Schedulers.boundedElastic()) // bloom filters of many hours: decode off the event loop
                            .map(MetadataCodec::fromJson)
                            .map(m -> new ShardState(shard, m, clock.instant(), version));
                })
                .timeout(properties.shardTimeout())
                .doOnNext(s -> {
                    lastKnown.put(shard.id(), s);
                    lastError.remove(shard.id());
                })
                .onErrorResume(e -> {
                    log.debug("metadata of shard {} unreadable: {}", shard.id(), e.toString());
                    lastError.put(shard.id(), e.toString());
                    return Mono.just(new ShardState(shard, null, clock.instant(), null));
                })
                .doOnNext(s -> states.put(shard.id(), s));
    }

    /**
     * What the catalog last learnt of one shard, for {@code GET /api/query/stats}; never triggers a fetch.
     *
     * @param lastKnown the last state whose metadata could be read (null if none ever was)
     * @param lastError why the latest read failed, or null when it succeeded (or none was tried yet)
     */
    public record ShardHealth(Shard shard, ShardState lastKnown, String lastError) {
    }

    /** The health of every configured shard, in configuration order, as of now (no refresh). */
    public List<ShardHealth> health() {
        return properties.shards().stream()
                .map(shard -> new ShardHealth(shard, lastKnown.get(shard.id()), lastError.get(shard.id())))
                .toList();
    }

    @Override
    public void start() {
        // Twice per max age, so that a query rarely finds the metadata stale and has to wait for a read.
        refresher = Flux.interval(Duration.ZERO, properties.metadataMaxAge().dividedBy(2), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> Flux.fromIterable(properties.shards()).flatMap(this::refresh).then(), 1)
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
