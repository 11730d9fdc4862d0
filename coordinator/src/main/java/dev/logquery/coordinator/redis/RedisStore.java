package dev.logquery.coordinator.redis;

import dev.logquery.coordinator.config.CoordinatorProperties;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The coordinator's Redis connection (Lettuce, one shared connection, reactive commands), for shard metadata
 * and the results cache — never a dependency of an answer: while Redis is down or not configured,
 * {@link #commands()} is empty and callers do without it. The connection is made in the background and
 * made again after a failed attempt (at most once per {@link #RETRY_EVERY}); once made, Lettuce reconnects
 * by itself, and rejects commands at once while disconnected instead of queueing them. Every command times
 * out after {@link #COMMAND_TIMEOUT}.
 */
@Component
public class RedisStore implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
    /** The longest any Redis command may take; callers add it to their own operators as well. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    static final Duration RETRY_EVERY = Duration.ofSeconds(2);

    private final RedisClient client;
    private final RedisURI uri;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile long nextAttemptNanos = System.nanoTime();
    private volatile boolean warned;

    public RedisStore(CoordinatorProperties properties) {
        if (properties.redisUrl().isEmpty()) {
            this.client = null;
            this.uri = null;
            return;
        }
        this.uri = RedisURI.create(properties.redisUrl());
        this.uri.setTimeout(COMMAND_TIMEOUT);
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        connectSoon();
    }

    /** Whether a Redis URL is configured at all. */
    public boolean configured() {
        return client != null;
    }

    /** Reactive commands while connected; empty while Redis is unreachable or not configured. */
    public Optional<RedisReactiveCommands<String, byte[]>> commands() {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            return c.isOpen() ? Optional.of(c.reactive()) : Optional.empty();
        }
        connectSoon();
        return Optional.empty();
    }

    /** Starts a connection attempt unless one runs or the last failed less than {@link #RETRY_EVERY} ago. */
    private void connectSoon() {
        if (client == null || connection != null || System.nanoTime() - nextAttemptNanos < 0
                || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectAsync(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), uri)
                .whenComplete((c, e) -> {
                    if (e == null) {
                        connection = c;
                        log.info("connected to Redis at {}:{}", uri.getHost(), uri.getPort());
                        warned = false;
                    } else {
                        nextAttemptNanos = System.nanoTime() + RETRY_EVERY.toNanos();
                        if (!warned) {
                            warned = true;
                            log.warn("Redis at {}:{} unreachable ({}): shard metadata comes from the nodes, no results cache; retrying",
                                    uri.getHost(), uri.getPort(), e.toString());
                        }
                    }
                    connecting.set(false);
                });
    }

    @Override
    public void destroy() {
        if (client == null) {
            return;
        }
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
