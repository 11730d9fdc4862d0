package dev.logquery.node.publish;

import dev.logquery.node.chunk.ServedMetadata;
import dev.logquery.node.config.NodeProperties;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes the node's metadata to Redis, for coordinators: key {@code logquery:metadata:<shard>:<replica>},
 * value the bytes {@code GET /internal/metadata} answers ({@link ServedMetadata}), written with
 * {@code SET key value EX 30}. Paced by {@link PublishPacing}: after a committed batch at most once a
 * second, and at least every 10 s without batches, so the key outlives no node by more than 30 s. Nothing
 * is published while the node has no metadata to serve (chunks not loaded, database unavailable): the
 * key then expires, as the node's answers say 503.
 *
 * <p>Redis is optional. Lettuce, asynchronous, on its own single I/O thread: no call waits for Redis, every
 * command fails after {@value #TIMEOUT_SECONDS} s at the latest, and commands are refused at once while
 * the connection is down (nothing queues up). A failed publish is counted and logged (the first failure,
 * then at most once a minute), and the node goes on. Lettuce reconnects a lost connection by itself
 * (backoff 100 ms to 5 s); a first connection that could not be made is attempted again at the next
 * publish. {@code logquery.node.redis-url} empty disables publishing.
 */
public final class RedisMetadataPublisher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisMetadataPublisher.class);
    public static final String KEY_PREFIX = "logquery:metadata:";
    public static final Duration TTL = Duration.ofSeconds(30);
    static final Duration MIN_GAP = Duration.ofSeconds(1);
    static final Duration REFRESH = Duration.ofSeconds(10);
    static final int TIMEOUT_SECONDS = 2;
    private static final Duration TIMEOUT = Duration.ofSeconds(TIMEOUT_SECONDS);
    private static final Duration WARN_EVERY = Duration.ofMinutes(1);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** For health: where to, and how the last publishes went. */
    public record Status(boolean enabled, String key, String redis, Instant lastSuccessAt, Instant failingSince,
                         String lastError) {
    }

    private final ServedMetadata metadata;
    private final PublishMetrics metrics;
    private final String key;
    private final RedisURI uri; // null: disabled
    private final Sinks.Many<Boolean> changes = Sinks.many().multicast().directBestEffort();
    private ClientResources resources;
    private RedisClient client;
    private volatile StatefulRedisConnection<String, byte[]> connection; // set and used by the pacing chain only
    private volatile Disposable pacing;
    private volatile boolean running;
    private volatile Instant lastSuccessAt;
    private volatile Instant failingSince;
    private volatile String lastError;
    private Instant lastWarnAt; // pacing chain only
    private long failuresSinceWarn; // pacing chain only

    public RedisMetadataPublisher(NodeProperties properties, ServedMetadata metadata, MeterRegistry registry) {
        this.metadata = metadata;
        this.metrics = new PublishMetrics(registry);
        this.key = key(properties.shard(), properties.replica());
        if (properties.redisUrl().isEmpty()) {
            this.uri = null;
        } else {
            this.uri = RedisURI.create(properties.redisUrl());
            this.uri.setTimeout(TIMEOUT);
        }
    }

    /** The Redis key of shard {@code shard}, replica {@code replica}: {@code logquery:metadata:<shard>:<replica>}. */
    public static String key(int shard, int replica) {
        return KEY_PREFIX + shard + ":" + replica;
    }

    public Status status() {
        return new Status(uri != null, key, uri == null ? null : uri.getHost() + ":" + uri.getPort(), lastSuccessAt,
                failingSince, lastError);
    }

    @Override
    public void start() {
        running = true;
        if (uri == null) {
            log.info("not publishing metadata to Redis: logquery.node.redis-url is empty");
            return;
        }
        resources = ClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(16)
                .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(TIMEOUT))
                .build());
        metadata.onChange(this::changed);
        pacing = PublishPacing.pace(changes.asFlux(), MIN_GAP, REFRESH, publishOnce(), Schedulers.parallel())
                .subscribe(null, e -> log.error("metadata publishing ended", e));
        log.info("publishing metadata to Redis at {}:{} as {}", uri.getHost(), uri.getPort(), key);
    }

    /** The metadata may have changed: publish soon. Called on ingest threads; returns at once. */
    void changed() {
        changes.emitNext(Boolean.TRUE, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    /** One publish, if there is metadata to serve; never fails (failures are counted and logged). */
    private Mono<Void> publishOnce() {
        return Mono.defer(() -> {
            if (metadata.unavailableReason() != null) {
                return Mono.empty();
            }
            byte[] value = metadata.json();
            return connection()
                    .flatMap(c -> Mono.fromCompletionStage(c.async().set(key, value, SetArgs.Builder.ex(TTL.toSeconds())))
                            .timeout(TIMEOUT.plusSeconds(1))) // belt and braces: Lettuce times the command out first
                    .doOnNext(reply -> succeeded())
                    .then()
                    .onErrorResume(e -> {
                        failed(e);
                        return Mono.empty();
                    });
        });
    }

    /** The connection, made now if there is none yet (Lettuce bounds the attempt by its connect timeout). */
    private Mono<StatefulRedisConnection<String, byte[]>> connection() {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            return Mono.just(c);
        }
        return Mono.fromCompletionStage(() -> client.connectAsync(CODEC, uri)).doOnNext(made -> connection = made);
    }

    private void succeeded() {
        Instant now = Instant.now();
        metrics.succeeded(now);
        lastSuccessAt = now;
        if (failingSince != null) {
            log.info("publishing metadata to Redis again (failing since {})", failingSince);
            failingSince = null;
            lastError = null;
        }
    }

    private void failed(Throwable e) {
        Instant now = Instant.now();
        metrics.failed();
        lastError = e.toString();
        if (failingSince == null) {
            failingSince = now;
            lastWarnAt = now;
            failuresSinceWarn = 0;
            log.warn("cannot publish metadata to Redis at {}:{} ({}); ingest and queries go on, retrying;"
                    + " further warnings at most once a minute", uri.getHost(), uri.getPort(), lastError);
        } else if (Duration.between(lastWarnAt, now).compareTo(WARN_EVERY) >= 0) {
            log.warn("still cannot publish metadata to Redis at {}:{} since {}: {} failures in the last minute,"
                    + " last {}", uri.getHost(), uri.getPort(), failingSince, failuresSinceWarn + 1, lastError);
            lastWarnAt = now;
            failuresSinceWarn = 0;
        } else {
            failuresSinceWarn++;
        }
    }

    @Override
    public void stop() {
        running = false;
        Disposable p = pacing;
        pacing = null;
        if (p != null) {
            p.dispose();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, TIMEOUT); // closes its connections, a late one too
            resources.shutdown(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly(TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
