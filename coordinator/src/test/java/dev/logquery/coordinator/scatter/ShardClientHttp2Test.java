package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorConfiguration;
import dev.logquery.coordinator.config.InternalProperties;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * The coordinator's real node client over h2c against a real HTTP/2 server sending answers far larger than
 * HTTP/2's initial 64 KiB stream window, read the way the merge reads them: demand arrives from threads other
 * than the connection's event loop. Every row must arrive; a WINDOW_UPDATE left unflushed stalls the stream
 * after about 65,535 bytes (see {@code CoordinatorConfiguration.nodeWebClient}).
 */
class ShardClientHttp2Test {

    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    static final int ROWS = 6_000;
    static final List<StoredLogEntry> SENT = rows();
    static final byte[] BODY = EntryJson.toNdjson(SENT);
    static final LogQuery QUERY = LogQueryBuilder.between(T0, T0.plusSeconds(3600)).limit(ROWS).build();

    static DisposableServer server;
    static Scheduler reader;

    static List<StoredLogEntry> rows() {
        List<StoredLogEntry> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(new StoredLogEntry(new LogEntry(T0.plusSeconds(3600).minusMillis(i), "checkout",
                    LogLevel.INFO, "shop", "checkout-7f9c", "app", "order " + i + " paid " + "x".repeat(120)),
                    0, 0, i));
        }
        return rows;
    }

    @BeforeAll
    static void start() {
        server = HttpServer.create().protocol(HttpProtocol.HTTP11, HttpProtocol.H2C).host("127.0.0.1").port(0)
                .route(r -> r.post("/internal/query", (request, response) -> request.receive().then()
                        .thenMany(response.header("Content-Type", "application/x-ndjson")
                                .sendByteArray(Flux.range(0, BODY.length / 8192 + 1).map(i -> java.util.Arrays
                                        .copyOfRange(BODY, i * 8192, Math.min(BODY.length, (i + 1) * 8192))))))
                        // a node scanning for a second before its rows: blank keep-alive lines meanwhile
                        .post("/scanning/internal/query", (request, response) -> request.receive().then()
                                .thenMany(response.header("Content-Type", "application/x-ndjson")
                                        .sendByteArray(Flux.interval(Duration.ofMillis(200)).take(5)
                                                .map(tick -> new byte[] {'\n'})
                                                .concatWith(Flux.just(EntryJson.toNdjson(SENT.subList(0, 3))))))))
                .bindNow();
        reader = Schedulers.newSingle("reader");
    }

    @AfterAll
    static void stop() {
        server.disposeNow();
        reader.dispose();
    }

    private static Replica replica(int shard, String path) {
        return new Replica(shard, 0, "http://127.0.0.1:" + server.port() + path);
    }

    private Flux<StoredLogEntry> answer(ShardClient client, int shard) {
        return rows(client.query(replica(shard, ""), QUERY, true));
    }

    /** The rows of a node's answer, one read at a time (as the shard query reads them). */
    private static Flux<StoredLogEntry> rows(Flux<NodeAnswer> answer) {
        return answer.concatMapIterable(part -> part instanceof NodeAnswer.Rows read ? read.rows()
                : List.<StoredLogEntry>of(), 1);
    }

    @Test
    void aLargeAnswerReadFromAnotherThreadArrivesWhole() {
        ShardClient client = new ShardClient(new CoordinatorConfiguration().nodeWebClient(new InternalProperties("")));
        for (int round = 0; round < 5; round++) {
            List<StoredLogEntry> got = answer(client, 0).publishOn(reader, 1).collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(got).hasSize(ROWS).isEqualTo(SENT);
        }
    }

    @Test
    void keepAliveLinesAreSignsOfLifeNotRows() {
        ShardClient client = new ShardClient(new CoordinatorConfiguration().nodeWebClient(new InternalProperties("")));
        AtomicInteger signs = new AtomicInteger();
        AtomicInteger signsBeforeTheFirstRow = new AtomicInteger(-1);
        List<StoredLogEntry> got = client.query(replica(0, "/scanning"), QUERY, true)
                .doOnNext(part -> {
                    if (part instanceof NodeAnswer.Rows read) {
                        if (!read.rows().isEmpty()) {
                            signsBeforeTheFirstRow.compareAndSet(-1, signs.get());
                        }
                        signs.incrementAndGet();
                    }
                })
                .transform(ShardClientHttp2Test::rows)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(got).isEqualTo(SENT.subList(0, 3));
        assertThat(client.query(replica(0, "/scanning"), QUERY, true).blockFirst(Duration.ofSeconds(30)))
                .as("the chunk plan comes first, from the headers (which say nothing of chunks here)")
                .isEqualTo(ChunkPlan.UNKNOWN);
        // Five blank lines 200 ms apart, the last sent with the rows (it may share their read).
        assertThat(signsBeforeTheFirstRow.get()).as("signs of life while the node scanned").isGreaterThanOrEqualTo(4);
    }

    @Test
    void threeAnswersMergedOnTheirRowsArriveWhole() {
        ShardClient client = new ShardClient(new CoordinatorConfiguration().nodeWebClient(new InternalProperties("")));
        for (int round = 0; round < 5; round++) {
            List<StoredLogEntry> got = Flux.mergeComparing(8,
                            Comparator.comparing((StoredLogEntry e) -> e.entry().timestamp()).reversed(),
                            answer(client, 0), answer(client, 1), answer(client, 2))
                    .collectList().block(Duration.ofSeconds(30));
            assertThat(got).hasSize(3 * ROWS);
        }
    }
}
