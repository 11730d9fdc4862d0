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
 * The node's own PostgreSQL stops ({@code pg_ctl stop -m fast}) while lines keep arriving, and starts
 * again with its data on the same port. While it is down the node reports DOWN within seconds and its
 * internal API answers 503 problems at once; once it is back the node is UP again by itself and has
 * stored exactly the lines sent.
 */
class DatabaseOutageIT {

    static HttpResponse<String> get(App node, String path) {
        return Http.get(node.url() + path);
    }

    static HttpResponse<String> query(App node) {
        return Http.postJson(node.url() + "/internal/query",
                "{\"startTime\":\"2020-01-01T00:00:00Z\",\"endTime\":\"2100-01-01T00:00:00Z\",\"limit\":10}");
    }

    static HealthJson health(App node) {
        return HealthJson.parse(get(node, "/actuator/health").body());
    }

    /** Sends {@code batches} batches of lines, one every 250 ms, and returns them as the node must store them. */
    static CompletableFuture<List<StoredLogEntry>> sendSteadily(Cluster cluster, int batches) {
        return CompletableFuture.supplyAsync(() -> {
            List<StoredLogEntry> sent = new ArrayList<>();
            try {
                for (int i = 0; i < batches; i++) {
                    sent.addAll(cluster.write(KnownLines.generate(100 + i, 300, 6, Instant.now(), Duration.ofHours(2)))
                            .rows());
                    Thread.sleep(250); // paces the load: lines keep arriving before, during and after the outage
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return sent;
        });
    }

    @Test
    void theNodeIsDownWhileItsDatabaseIsAndRecoversWithEveryLineStoredOnce() throws Exception {
        try (Cluster cluster = Cluster.builder().partitions(2).node("logquery.node.batch.max-wait", "100ms")
                .node("management.endpoint.health.show-details", "always").start()) { // the test reads components
            App node = cluster.node(0);
            Postgres postgres = cluster.database(0);
            CompletableFuture<List<StoredLogEntry>> sending = sendSteadily(cluster, 60);
            Await.until(Duration.ofSeconds(60), "ingest under way", postgres::storedLines, n -> n >= 1_000);
            assertThat(health(node).status()).isEqualTo("UP");

            postgres.stop();
            long stoppedAt = System.nanoTime();
            // The ingest component may turn DOWN first (a failed batch), the database probe within its next second.
            HealthJson down = Await.until(Duration.ofSeconds(15), "the node to report DOWN for its database",
                    () -> health(node), h -> h.status().equals("DOWN") && "DOWN".equals(h.status("database")));
            Duration detected = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertThat(detected).as("time to report the outage").isLessThan(Duration.ofSeconds(10));
            assertThat(down.status("database")).isEqualTo("DOWN");
            assertThat(get(node, "/actuator/health").statusCode()).isEqualTo(503);

            long asked = System.nanoTime();
            HttpResponse<String> answer = query(node);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("time to refuse a query").isLessThan(Duration.ofSeconds(2));
            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(answer.body()).contains("database unavailable").doesNotContain("Exception\\n\\tat ");
            HttpResponse<String> metadata = get(node, "/internal/metadata");
            assertThat(metadata.statusCode()).isEqualTo(503);
            assertThat(metadata.body()).contains("database unavailable");

            Thread.sleep(5_000); // holds the outage: lines keep arriving in Kafka; the writer retries with backoff
            postgres.start();
            HealthJson up = Await.until(Duration.ofSeconds(30), "the node to report UP again", () -> health(node),
                    h -> h.status().equals("UP"));
            assertThat(up.status("database")).isEqualTo("UP");
            assertThat(query(node).statusCode()).isEqualTo(200);
            assertThat(get(node, "/internal/metadata").statusCode()).isEqualTo(200);

            List<StoredLogEntry> sent = sending.get(120, TimeUnit.SECONDS);
            // The offsets reach the partitions' log ends (offsets from 0, one a line): nothing is left to store twice.
            Await.until(Duration.ofSeconds(60), "every offset stored",
                    () -> postgres.queryLong("SELECT sum(next_offset) FROM kafka_offsets"), n -> n == sent.size());
            try (Connection c = postgres.connect()) {
                StoredLines.assertExactly(c, sent);
            }
            assertThat(health(node).detail("ingest", "state")).isEqualTo("RUNNING");
        }
    }
}
