package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.HealthJson;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.StoredLines;
import dev.logquery.testkit.services.Kafka;
import dev.logquery.testkit.services.Postgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node's Kafka broker goes away for 30 s while a producer keeps sending (its records wait in the
 * producer) and comes back with its data on the same port. Meanwhile the node stays UP and answers
 * queries, its ingest health says Kafka is unreachable; afterwards it has stored exactly the lines sent:
 * before, during and after the outage.
 */
class KafkaOutageIT {

    static final Duration OUTAGE = Duration.ofSeconds(30);

    static HealthJson health(App node) {
        return HealthJson.parse(Http.get(node.url() + "/actuator/health").body());
    }

    @Test
    void aThirtySecondBrokerOutageLosesNothingAndDuplicatesNothing() throws Exception {
        try (Cluster cluster = Cluster.builder().restartableKafka().partitions(2)
                .node("logquery.node.batch.max-wait", "100ms")
                .node("management.endpoint.health.show-details", "always").start()) { // the test reads components
            App node = cluster.node(0);
            Kafka kafka = cluster.kafka();
            Postgres db = cluster.database(0);
            List<StoredLogEntry> sent = new ArrayList<>();
            List<StoredLogEntry> before =
                    cluster.write(KnownLines.generate(31, 3_000, 6, Instant.now(), Duration.ofHours(2))).rows();
            sent.addAll(before);
            Await.until(Duration.ofSeconds(60), "lines sent before the outage stored", db::storedLines,
                    n -> n >= before.size());

            kafka.stop();
            Instant down = Instant.now();
            // The producer side keeps trying: a producer started during the outage waits for the broker
            // (LineWriter's producers wait up to two minutes) and its records are acknowledged once the broker is back.
            CompletableFuture<List<StoredLogEntry>> sending = CompletableFuture.supplyAsync(() -> {
                try {
                    return cluster.write(KnownLines.generate(32, 2_000, 6, Instant.now(), Duration.ofHours(2))).rows();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            HealthJson health = Await.until(Duration.ofSeconds(20), "ingest health to say Kafka is unreachable",
                    () -> health(node), h -> h.detail("ingest", "state").equals("KAFKA_UNREACHABLE"));
            assertThat(health.status()).as("the node while Kafka is away: %s", health).isEqualTo("UP");
            assertThat(health.status("ingest")).isEqualTo("UP");
            assertThat(health.hasDetail("ingest", "kafkaUnreachableSince")).isTrue();
            assertThat(Http.get(node.url() + "/actuator/health").statusCode()).isEqualTo(200);
            HttpResponse<String> answer = Http.postJson(node.url() + "/internal/query",
                    "{\"startTime\":\"2020-01-01T00:00:00Z\",\"endTime\":\"2100-01-01T00:00:00Z\",\"limit\":10}");
            assertThat(answer.statusCode()).as("queries over stored lines while Kafka is away").isEqualTo(200);
            assertThat(answer.body().lines().filter(line -> !line.isEmpty()).count()).isEqualTo(10);
            assertThat(Http.get(node.url() + "/internal/metadata").statusCode()).isEqualTo(200);
            assertThat(sending).isNotDone();
            assertThat(db.storedLines()).isEqualTo(before.size());

            Thread.sleep(Math.max(0, Duration.between(Instant.now(), down.plus(OUTAGE)).toMillis())); // holds the outage
            kafka.start();
            sent.addAll(sending.get(90, TimeUnit.SECONDS));
            sent.addAll(cluster.write(KnownLines.generate(33, 2_000, 6, Instant.now(), Duration.ofHours(2))).rows());

            // The offsets reach the partitions' log ends (offsets from 0, one a line): nothing is left to store twice.
            Await.until(Duration.ofSeconds(60), "every offset stored",
                    () -> db.queryLong("SELECT sum(next_offset) FROM kafka_offsets"), n -> n == sent.size());
            try (Connection c = db.connect()) {
                StoredLines.assertExactly(c, sent);
            }
            health = Await.until(Duration.ofSeconds(20), "ingest to report RUNNING again",
                    () -> health(node), h -> h.detail("ingest", "state").equals("RUNNING"));
            assertThat(health.status()).isEqualTo("UP");
            assertThat(health.hasDetail("ingest", "kafkaUnreachableSince")).isFalse();
        }
    }
}
