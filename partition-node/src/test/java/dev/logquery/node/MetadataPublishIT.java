package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.LogEntry;
import dev.logquery.node.publish.RedisMetadataPublisher;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.HealthJson;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LineWriter;
import dev.logquery.testkit.services.Redis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node (shard 0, replica 2) publishes its metadata to a real Redis: a node started before Redis is there
 * publishes once it is, at most about once a second under steady ingest, keeps ingesting and stays healthy
 * while Redis is stopped, and publishes again once Redis is back on the same port. Every test leaves Redis
 * running and the node up, as it found them.
 */
class MetadataPublishIT {

    static final String KEY = "logquery:metadata:0:2";
    @AutoClose
    static Cluster cluster;
    static App node;
    static Redis redis;
    /** Lines written so far, by all tests: the node stores every one. */
    static long sent;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().partitions(2).redis().node("logquery.node.replica", "2")
                .node("logquery.node.batch.max-wait", "50ms")
                .node("management.endpoint.health.show-details", "always").start(); // the test reads components
        node = cluster.node(0);
        redis = cluster.redis();
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return Http.client().send(HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Http.TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HealthJson health() throws Exception {
        return HealthJson.parse(new String(get("/actuator/health").body(), StandardCharsets.UTF_8));
    }

    /** The key's value and remaining time to live (seconds), read with a connection of its own. */
    record Published(byte[] value, long ttl) {
    }

    static Published published() {
        RedisClient client = RedisClient.create(redis.url());
        try (StatefulRedisConnection<String, byte[]> c =
                     client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            c.setTimeout(Duration.ofSeconds(5));
            return new Published(c.sync().get(KEY), c.sync().ttl(KEY));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * How Redis' value differs from the bytes {@code GET /internal/metadata} answers, but for the value of
     * {@code generatedAt}, which says when each of the two was generated: "same" when it does not.
     */
    static String publishedVersusServed() throws Exception {
        byte[] value = published().value();
        if (value == null) {
            return "no value in Redis";
        }
        HttpResponse<byte[]> served = get("/internal/metadata");
        assertThat(served.statusCode()).isEqualTo(200);
        String publishedJson = withoutGeneratedAt(value);
        String servedJson = withoutGeneratedAt(served.body());
        return publishedJson.equals(servedJson) ? "same" : "published " + publishedJson + "\nserved " + servedJson;
    }

    static String withoutGeneratedAt(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).containsOnlyOnce("\"generatedAt\":\"");
        return text.replaceFirst("\"generatedAt\":\"[^\"]+\"", "\"generatedAt\":\"\"");
    }

    static double publishes(String outcome) {
        return node.bean(MeterRegistry.class).get("node.metadata.publish").tag("outcome", outcome).counter().count();
    }

    static long stored() throws Exception {
        return cluster.database(0).storedLines();
    }

    static void send(int count, long seed) throws Exception {
        cluster.write(KnownLines.generate(seed, count, 5, Instant.now(), Duration.ofHours(3)));
        sent += count;
        Await.until(Duration.ofSeconds(60), "lines stored", MetadataPublishIT::stored, n -> n >= sent);
    }

    @Test
    void aNodeStartedBeforeRedisPublishesOnceRedisIsThere() throws Exception {
        node.stop();
        redis.stop();
        try {
            node.start(); // before Redis is there
            send(2_000, 1);
            Await.until(Duration.ofSeconds(20), "failed publishes", () -> publishes("error"), n -> n >= 1);
            HealthJson health = health();
            assertThat(health.status()).isEqualTo("UP");
            assertThat(health.hasDetail("metadataPublish", "failingSince")).isTrue();
            assertThat(health.detail("metadataPublish", "key")).isEqualTo(KEY);

            redis.start();
            Await.until(Duration.ofSeconds(20), "the metadata in Redis to be what the node serves",
                    MetadataPublishIT::publishedVersusServed, "same"::equals);
            Published p = published();
            assertThat(p.ttl()).isBetween(1L, RedisMetadataPublisher.TTL.toSeconds());
            PartitionMetadata m = MetadataCodec.fromJson(p.value());
            assertThat(m.shard()).isZero();
            assertThat(m.kafkaPartitions()).containsExactly(0, 1);
            assertThat(m.rowCount()).isEqualTo(sent);
            assertThat(health().hasDetail("metadataPublish", "failingSince")).isFalse();
        } finally {
            redis.start();
            node.start();
        }
    }

    @Test
    void steadyIngestIsPublishedAtMostAboutOnceASecond() throws Exception {
        MeterRegistry registry = node.bean(MeterRegistry.class);
        long batchesBefore = registry.get("ingest.batch.duration").timer().count();
        double publishesBefore = publishes("ok");
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = LineWriter.producer(cluster.kafka().bootstrapServers())) {
            int round = 0;
            while (System.nanoTime() - started < Duration.ofSeconds(5).toNanos()) {
                List<LogEntry> lines = KnownLines.generate(1_000 + round++, 20, 5, Instant.now(), Duration.ofHours(3));
                for (LogEntry line : lines) {
                    producer.send(new ProducerRecord<>(cluster.topic(), line.service(), LogEntryCodec.encode(line)));
                }
                producer.flush();
                sent += lines.size();
                Thread.sleep(100); // paces the load: a steady trickle of small batches
            }
        }
        Await.until(Duration.ofSeconds(30), "lines stored", MetadataPublishIT::stored, n -> n >= sent);
        double seconds = (System.nanoTime() - started) / 1e9;
        long batches = registry.get("ingest.batch.duration").timer().count() - batchesBefore;
        double published = publishes("ok") - publishesBefore;
        System.out.printf("steady ingest: %d batches, %.0f publishes in %.1f s%n", batches, published, seconds);
        assertThat(batches).as("batches written (else this test shows nothing)").isGreaterThanOrEqualTo(20);
        assertThat(published).as("publishes for %d batches in %.1f s", batches, seconds)
                .isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(seconds + 2);
        Await.until(Duration.ofSeconds(5), "the last batch published", MetadataPublishIT::publishedVersusServed,
                "same"::equals);
        assertThat(MetadataCodec.fromJson(published().value()).rowCount()).isEqualTo(sent);
    }

    @Test
    void withoutRedisTheNodeIngestsAndStaysHealthyAndPublishesAgainOnceRedisIsBack() throws Exception {
        redis.stop();
        try {
            double errorsBefore = publishes("error");
            send(3_000, 2);
            Await.until(Duration.ofSeconds(15), "failed publishes", () -> publishes("error"), n -> n > errorsBefore);
            assertThat(stored()).isEqualTo(sent);
            assertThat(cluster.database(0).queryLong(
                    "SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d")).isEqualTo(sent);
            HealthJson health = health();
            assertThat(health.status()).as("health without Redis: %s", health).isEqualTo("UP");
            assertThat(health.status("metadataPublish")).isEqualTo("UP");
            assertThat(health.hasDetail("metadataPublish", "failingSince")).isTrue();
            assertThat(MetadataCodec.fromJson(get("/internal/metadata").body()).rowCount()).isEqualTo(sent);

            double okBefore = publishes("ok");
            redis.start(); // on the same port
            Await.until(Duration.ofSeconds(20), "the metadata in Redis again", MetadataPublishIT::publishedVersusServed,
                    "same"::equals);
            assertThat(MetadataCodec.fromJson(published().value()).rowCount()).isEqualTo(sent);
            assertThat(publishes("ok")).isGreaterThan(okBefore);
            assertThat(health().hasDetail("metadataPublish", "failingSince")).isFalse();
        } finally {
            redis.start();
        }
    }
}
