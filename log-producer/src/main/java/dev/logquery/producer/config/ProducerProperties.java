package dev.logquery.producer.config;

import dev.logquery.producer.generate.ClusterTopology;
import java.time.Duration;
import org.apache.kafka.common.record.CompressionType;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the synthetic producer ({@code logquery.producer.*}). Invalid values stop the application
 * at startup with a message naming the property.
 *
 * @param mode              {@code live}, {@code backfill} or {@code off}
 * @param topic             Kafka topic the lines go to
 * @param partitions        partitions of the topic when the producer creates it
 * @param replicationFactor replication factor of the topic when the producer creates it
 * @param services          number of synthetic services in the cluster
 * @param seed              seed of the cluster layout and of the line sequence
 * @param rate              live mode: lines per second
 * @param backfill          backfill mode settings
 * @param send              Kafka producer batching settings
 * @param target            {@code kafka}: write records to Kafka directly; {@code gateway}: push the lines through
 *                          the ingest gateway as OTLP/HTTP, so that the whole write path runs
 * @param gateway           gateway mode settings
 */
@ConfigurationProperties("logquery.producer")
public record ProducerProperties(
        @DefaultValue("live") ProducerMode mode,
        @DefaultValue("pod-logs") String topic,
        @DefaultValue("6") int partitions,
        @DefaultValue("1") short replicationFactor,
        @DefaultValue("20") int services,
        @DefaultValue("42") long seed,
        @DefaultValue("50") double rate,
        @DefaultValue Backfill backfill,
        @DefaultValue Send send,
        @DefaultValue("kafka") Target target,
        @DefaultValue Gateway gateway) {

    /** Where the lines go. */
    public enum Target { KAFKA, GATEWAY }

    public ProducerProperties {
        require(topic != null && !topic.isBlank(), "logquery.producer.topic must not be blank");
        require(partitions >= 1, "logquery.producer.partitions must be >= 1, is " + partitions);
        require(replicationFactor >= 1,
                "logquery.producer.replication-factor must be >= 1, is " + replicationFactor);
        require(services >= 1 && services <= ClusterTopology.MAX_SERVICES, "logquery.producer.services must be"
                + " between 1 and " + ClusterTopology.MAX_SERVICES + ", is " + services);
        require(rate > 0 && !Double.isInfinite(rate),
                "logquery.producer.rate must be > 0 lines per second, is " + rate);
    }

    /**
     * Backfill mode ({@code logquery.producer.backfill.*}).
     *
     * @param lines       how many lines to write
     * @param window      how far back the timestamps reach (the window ends at startup time)
     * @param exitWhenDone stop the application when the backfill is done instead of idling
     */
    public record Backfill(
            @DefaultValue("1000000") long lines,
            @DefaultValue("6d") Duration window,
            @DefaultValue("false") boolean exitWhenDone) {

        public Backfill {
            require(lines >= 0, "logquery.producer.backfill.lines must be >= 0, is " + lines);
            require(window != null && !window.isNegative() && !window.isZero(),
                    "logquery.producer.backfill.window must be positive, is " + window);
        }
    }

    /**
     * Kafka producer batching ({@code logquery.producer.send.*}).
     *
     * @param linger      {@code linger.ms}
     * @param batchSize   {@code batch.size}
     * @param compression {@code compression.type}
     * @param maxInFlight records awaiting acknowledgement before sending blocks
     */
    public record Send(
            @DefaultValue("20ms") Duration linger,
            @DefaultValue("256KB") DataSize batchSize,
            @DefaultValue("lz4") String compression,
            @DefaultValue("10000") int maxInFlight) {

        public Send {
            require(linger != null && !linger.isNegative(), "logquery.producer.send.linger must be >= 0");
            require(batchSize != null && batchSize.toBytes() >= 1 && batchSize.toBytes() <= Integer.MAX_VALUE,
                    "logquery.producer.send.batch-size must be between 1B and 2GB, is " + batchSize);
            require(compression != null && isCompressionType(compression),
                    "logquery.producer.send.compression must be one of none, gzip, snappy, lz4, zstd, is " + compression);
            require(maxInFlight >= 1, "logquery.producer.send.max-in-flight must be >= 1, is " + maxInFlight);
        }
    }

    /**
     * Gateway mode ({@code logquery.producer.gateway.*}).
     *
     * @param url         the gateway's base URL
     * @param token       a bearer token, when the gateway wants one (empty: none)
     * @param batchLines  lines per push request
     * @param linger      how long a batch may wait to fill up
     * @param maxInFlight lines awaiting the gateway's answer before sending blocks
     */
    public record Gateway(
            @DefaultValue("http://localhost:8085") java.net.URI url,
            @DefaultValue("") String token,
            @DefaultValue("1000") int batchLines,
            @DefaultValue("50ms") Duration linger,
            @DefaultValue("20000") int maxInFlight) {

        public Gateway {
            require(url != null && url.getScheme() != null && url.getHost() != null,
                    "logquery.producer.gateway.url must be an absolute http(s) URL, is " + url);
            require(batchLines >= 1, "logquery.producer.gateway.batch-lines must be >= 1, is " + batchLines);
            require(linger != null && !linger.isNegative(), "logquery.producer.gateway.linger must be >= 0");
            require(maxInFlight >= batchLines, "logquery.producer.gateway.max-in-flight must be >= batch-lines ("
                    + batchLines + "), is " + maxInFlight);
        }
    }

    private static boolean isCompressionType(String name) {
        try {
            CompressionType.forName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
