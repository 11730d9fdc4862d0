package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.node.chunk.ChunkBuilder;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.StoredLines;
import dev.logquery.testkit.Truth;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attributes and retried writes on a shard of two replicas, each with its own PostgreSQL, reading three Kafka
 * partitions of a real broker: lines with attributes are stored and come back with them, an attribute filter
 * answers exactly the matching lines, lines written to Kafka again (a client's retry: the same line at another
 * offset, later or in the same write) are stored once on every replica, and the metadata each replica serves has
 * chunk and node bloom filters that hold every stored attribute pair and prune chunks that cannot match.
 */
class AttributesIT {

    static final int SERVICES = 6;
    static final int REPLICAS = 2;
    @AutoClose
    static Cluster cluster;
    /** What every replica must store: each line once, at the offset of its first copy. */
    static Truth truth;
    static int duplicates;

    @BeforeAll
    static void ingest() throws Exception {
        cluster = Cluster.builder().partitions(3).replicas(REPLICAS).node("logquery.node.batch.max-wait", "100ms")
                .start();
        Instant end = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<LogEntry> lines = KnownLines.withAttributes(3, KnownLines.forQueries(3, 4_000, SERVICES, end,
                Duration.ofHours(5)));
        truth = cluster.write(lines);
        cluster.awaitStored(truth, Duration.ofSeconds(60));

        // A retry after a timeout: 700 lines the nodes stored already, written again (new offsets).
        List<StoredLogEntry> all = new ArrayList<>(cluster.write(lines.subList(1_000, 1_700)).rows());
        duplicates = 700;
        // A retry within one write: 150 new lines, each twice in a row (mostly in one batch of the node).
        List<LogEntry> fresh = KnownLines.withAttributes(4, KnownLines.forQueries(4, 150, SERVICES, end,
                Duration.ofHours(5)));
        List<LogEntry> doubled = new ArrayList<>();
        for (LogEntry e : fresh) {
            doubled.add(e);
            doubled.add(new LogEntry(e.timestamp(), e.service(), e.level(), e.namespace(), e.pod(), e.container(),
                    e.message(), new HashMap<>(e.attributes()))); // an equal line, not the same object
        }
        List<StoredLogEntry> written = cluster.write(doubled).rows();
        all.addAll(written);
        duplicates += fresh.size();
        // The first copy of each fresh line is the one stored (a line's copies share its Kafka partition).
        Map<LogEntry, StoredLogEntry> first = new HashMap<>();
        for (StoredLogEntry s : written) {
            first.merge(s.entry(), s, (a, b) -> a.offset() < b.offset() ? a : b);
        }
        truth = truth.plus(new Truth(List.copyOf(first.values())));
        awaitConsumed(all);
    }

    /** Waits until every replica has committed the offsets after all of {@code written}: nothing more will come. */
    static void awaitConsumed(List<StoredLogEntry> written) throws Exception {
        Map<Integer, Long> next = new HashMap<>();
        for (StoredLogEntry s : written) {
            next.merge(s.kafkaPartition(), s.offset() + 1, Math::max);
        }
        for (int replica = 0; replica < REPLICAS; replica++) {
            for (Map.Entry<Integer, Long> e : next.entrySet()) {
                var db = cluster.database(0, replica);
                Await.until(Duration.ofSeconds(60), "replica " + replica + " read partition " + e.getKey() + " up to "
                        + e.getValue(), () -> db.queryLong("SELECT next_offset FROM kafka_offsets WHERE kafka_partition = ?",
                        e.getKey()), n -> n >= e.getValue());
            }
        }
    }

    static List<StoredLogEntry> query(App node, LogQuery q) throws Exception {
        HttpResponse<byte[]> response = Http.client().send(HttpRequest.newBuilder(URI.create(node.url()
                        + "/internal/query")).timeout(Http.TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(QueryJson.toJson(q))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        List<StoredLogEntry> rows = new ArrayList<>();
        byte[] body = response.body();
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n') {
                if (i > start) {
                    rows.add(EntryJson.fromJson(body, start, i - start));
                }
                start = i + 1;
            }
        }
        return rows;
    }

    static LogQueryBuilder everything() {
        return LogQueryBuilder.between(truth.oldest(), truth.newest()).limit(LogQuery.HARD_MAX_LIMIT);
    }

    static PartitionMetadata metadata(App node) {
        HttpResponse<String> response = Http.get(node.url() + "/internal/metadata");
        assertThat(response.statusCode()).isEqualTo(200);
        return MetadataCodec.fromJson(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static double counter(App node, String name) {
        return node.bean(MeterRegistry.class).get(name).counter().count();
    }

    @Test
    void everyReplicaStoresEachLineOnceAtItsFirstCopy() throws Exception {
        for (int replica = 0; replica < REPLICAS; replica++) {
            try (Connection c = cluster.database(0, replica).connect()) {
                StoredLines.assertExactly(c, truth.rows());
            }
            assertThat(cluster.database(0, replica).queryLong("SELECT count(*) FROM logs WHERE content_hash IS NULL"))
                    .as("every row has its content hash").isZero();
            App node = cluster.node(0, replica);
            assertThat(counter(node, "ingest.duplicates.dropped")).as("replica %d", replica).isEqualTo(duplicates);
            assertThat(counter(node, "ingest.lines")).as("replica %d", replica).isEqualTo(truth.size());
        }
    }

    @Test
    void rowsComeBackWithTheirAttributes() throws Exception {
        LogQuery q = everything().build();
        List<StoredLogEntry> expected = truth.expected(q);
        assertThat(expected.stream().filter(r -> !r.entry().attributes().isEmpty()).count()).isGreaterThan(2_000);
        for (int replica = 0; replica < REPLICAS; replica++) {
            // StoredLogEntry equality takes in the attributes: every row with exactly its own.
            assertThat(query(cluster.node(0, replica), q)).as("replica %d", replica).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void theAttributeFilterIsExact() throws Exception {
        StoredLogEntry traced = truth.rows().stream().filter(r -> r.entry().attributes().containsKey("trace_id"))
                .findFirst().orElseThrow();
        List<Map<String, String>> filters = List.of(
                Map.of("cluster", "eu-2"),
                Map.of("cluster", "eu-1", "zone", "a"),
                Map.of("zone", "b"),
                Map.of("trace_id", traced.entry().attributes().get("trace_id")),
                Map.of("cluster", "eu"), // a prefix of values is no match
                Map.of("cluster", "nowhere"),
                Map.of("k8s_pod_name", "x"));
        for (Map<String, String> filter : filters) {
            for (LogQueryBuilder b : List.of(everything(), everything().service("svc-1").limit(50))) {
                LogQuery q = b.attributes(filter).build();
                List<StoredLogEntry> expected = truth.expected(q);
                for (int replica = 0; replica < REPLICAS; replica++) {
                    assertThat(query(cluster.node(0, replica), q)).as("replica %d, %s", replica, filter)
                            .containsExactlyElementsOf(expected);
                }
            }
        }
        assertThat(truth.expected(everything().attributes(Map.of("cluster", "eu-2")).build())).hasSizeGreaterThan(300);
        assertThat(truth.expected(everything().attributes(Map.of("trace_id", traced.entry().attributes()
                .get("trace_id"))).build())).containsExactly(traced);
    }

    @Test
    void servedChunkBloomsHoldEveryStoredPairAndPruneOthers() throws Exception {
        for (int replica = 0; replica < REPLICAS; replica++) {
            App node = cluster.node(0, replica);
            PartitionMetadata m = metadata(node);
            assertThat(m.attributes()).as("the node's union of its chunks' filters").isNotNull();
            Map<Instant, ChunkMetadata> chunks = new HashMap<>();
            m.chunks().forEach(c -> chunks.put(c.hour(), c));
            Set<String> pairs = new HashSet<>();
            for (StoredLogEntry row : truth.rows()) {
                ChunkMetadata chunk = chunks.get(ChunkBuilder.hourOf(row.entry().timestamp()));
                assertThat(chunk.attributes()).as("chunk %s", chunk.hour()).isNotNull();
                for (Map.Entry<String, String> a : row.entry().attributes().entrySet()) {
                    String pair = Attributes.pair(a.getKey(), a.getValue());
                    assertThat(chunk.attributes().mightContain(pair)).as("%s in chunk %s", pair, chunk.hour()).isTrue();
                    assertThat(m.attributes().mightContain(pair)).isTrue();
                    pairs.add(pair);
                }
            }
            assertThat(pairs).hasSizeGreaterThan(500); // trace ids too

            // A pair no line has: the chunks' filters exclude (nearly) every chunk, the node reads (nearly) none.
            double skippedBefore = node.bean(MeterRegistry.class).get("query.chunks.skipped").tag("pruner", "attributes")
                    .counter().count();
            assertThat(query(node, everything().attributes(Map.of("cluster", "mars-7")).build())).isEmpty();
            double skipped = node.bean(MeterRegistry.class).get("query.chunks.skipped").tag("pruner", "attributes")
                    .counter().count() - skippedBefore;
            assertThat(skipped).as("chunks the attribute filter pruned").isGreaterThanOrEqualTo(chunks.size() - 2);
        }
    }
}
