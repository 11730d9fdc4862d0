package dev.logquery.gateway.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The gateway's settings ({@code logquery.gateway.*}); Kafka itself is configured with the usual
 * {@code spring.kafka.*} properties.
 *
 * @param topic               the topic every line is written to, keyed by its service
 * @param maxBodyBytes        the most a request body may take as sent (compressed); more: 413
 * @param maxUncompressedBytes the most a body may take once gzip or snappy is undone; more: 413, found while
 *                            inflating (a compression bomb is never inflated beyond this)
 * @param maxInFlightBytes    the most encoded lines may take that were handed to Kafka and not acknowledged yet;
 *                            a push that would go beyond: 429 with {@code Retry-After}
 * @param sendTimeout         how long a push waits for Kafka to acknowledge all its lines; longer: 503 with
 *                            {@code Retry-After}
 * @param retryAfter          the {@code Retry-After} of a 429 or 503
 * @param maxAge              lines older than this are refused (the node's {@code accept.max-age}, by default the
 *                            retention)
 * @param maxFuture           lines more than this ahead of the gateway's clock are refused (the node's
 *                            {@code accept.max-future})
 * @param decodeThreads       threads that decompress, parse and map bodies and hand lines to Kafka (off the event
 *                            loop); 0: one per core, at least 2
 * @param decodeQueue         pushes that may wait for such a thread; one more: 429
 * @param auth                bearer tokens that pushing requires (none: open)
 */
@ConfigurationProperties("logquery.gateway")
public record GatewayProperties(@DefaultValue("pod-logs") String topic,
                                @DefaultValue("8MB") DataSize maxBodyBytes,
                                @DefaultValue("64MB") DataSize maxUncompressedBytes,
                                @DefaultValue("128MB") DataSize maxInFlightBytes,
                                @DefaultValue("15s") Duration sendTimeout,
                                @DefaultValue("5s") Duration retryAfter,
                                @DefaultValue("7d") Duration maxAge,
                                @DefaultValue("1d") Duration maxFuture,
                                @DefaultValue("0") int decodeThreads,
                                @DefaultValue("64") int decodeQueue,
                                @DefaultValue Auth auth) {

    public GatewayProperties {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("logquery.gateway.topic must not be empty");
        }
        positive(maxBodyBytes, "max-body-bytes");
        positive(maxUncompressedBytes, "max-uncompressed-bytes");
        positive(maxInFlightBytes, "max-in-flight-bytes");
        positive(sendTimeout, "send-timeout");
        positive(retryAfter, "retry-after");
        positive(maxAge, "max-age");
        if (maxFuture == null || maxFuture.isNegative()) {
            throw new IllegalArgumentException("logquery.gateway.max-future must not be negative");
        }
        if (decodeThreads < 0 || decodeQueue < 1) {
            throw new IllegalArgumentException(
                    "logquery.gateway.decode-threads must be at least 0 and decode-queue at least 1");
        }
    }

    /** The decode threads in effect. */
    public int effectiveDecodeThreads() {
        return decodeThreads > 0 ? decodeThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** {@link #retryAfter} in whole seconds, at least 1, as the header carries it. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    private static void positive(DataSize size, String name) {
        if (size == null || size.toBytes() < 1) {
            throw new IllegalArgumentException("logquery.gateway." + name + " must be positive");
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("logquery.gateway." + name + " must be positive");
        }
    }

    /**
     * @param tokens     accepted tokens ({@code Authorization: Bearer <token>}, or Basic with the token as the
     *                   password); blank entries are ignored
     * @param tokensFile a file with one token per line ({@code #} starts a comment), read at start; empty: none
     */
    public record Auth(@DefaultValue List<String> tokens, @DefaultValue("") String tokensFile) {
        public Auth {
            tokens = tokens == null ? List.of()
                    : tokens.stream().filter(t -> t != null && !t.isBlank()).map(String::trim).toList();
            tokensFile = tokensFile == null ? "" : tokensFile.trim();
        }
    }
}
