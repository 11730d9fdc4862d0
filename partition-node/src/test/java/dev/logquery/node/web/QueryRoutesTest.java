package dev.logquery.node.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.chunk.ServedMetadata;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.query.QueryFailedException;
import dev.logquery.node.query.QueryMetrics;
import dev.logquery.node.storage.DatabaseMonitor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.unit.DataSize;
import reactor.core.scheduler.Schedulers;

/**
 * The HTTP edge of {@code POST /internal/query} without a database: a node whose chunks are not loaded
 * yet still judges bodies (400), then answers 503; and query failures become problems.
 */
class QueryRoutesTest {

    private static final String VALID = "{\"startTime\":\"2026-03-01T00:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\"}";

    private static NodeProperties properties() {
        return new NodeProperties(0, 0, 1, "pod-logs", "localhost:9092", "",
                new NodeProperties.Batch(1000, Duration.ofMillis(500), DataSize.ofMegabytes(16)),
                new NodeProperties.Bloom(256, 0.01, 10_000), new NodeProperties.Storage(35, 3),
                new NodeProperties.Accept(Duration.ofDays(3650), Duration.ofDays(1)),
                new NodeProperties.Query(Duration.ofSeconds(10), 500, 1, 4, Duration.ofSeconds(30), Duration.ofMillis(500),
                        10_000),
                Duration.ofDays(3650), Duration.ofMinutes(15), NodeProperties.TextIndex.DEFAULT);
    }

    /** A node that never loaded its chunks: no query reaches the (absent) database. */
    private static WebTestClient notLoadedNode() {
        NodeProperties properties = properties();
        ChunkStore chunks = new ChunkStore(null, properties, Clock.systemUTC());
        QueryExecutor executor = new QueryExecutor(null, chunks, Schedulers.immediate(), properties,
                new QueryMetrics(new SimpleMeterRegistry()));
        // The first exchange initializes codecs and JIT-cold paths: 5 s (the default) was exceeded on a loaded
        // 2-core machine; a test of answers, not of speed, must not fail on that.
        DatabaseMonitor database = new DatabaseMonitor(null); // never probed: counts as available
        return WebTestClient.bindToRouterFunction(InternalRoutes.routes(new ServedMetadata(chunks, database),
                        new QueryHandler(chunks, executor, database, Duration.ofMillis(500))))
                .configureClient().responseTimeout(java.time.Duration.ofSeconds(30))
                .build();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            not json                                                                  | body
            []                                                                        | body
            {"endTime":"2026-03-02T00:00:00Z"}                                        | startTime
            {"startTime":"2026-03-01T00:00:00Z","endTime":"2026-02-01T00:00:00Z"}     | endTime
            {"startTime":"2026-03-01T00:00:00Z","endTime":"2026-03-02T00:00:00Z","levels":["LOUD"]} | levels
            {"startTime":"2026-03-01T00:00:00Z","endTime":"2026-03-02T00:00:00Z","limit":0} | limit
            {"startTime":"2026-03-01T00:00:00Z","endTime":"2026-03-02T00:00:00Z","after":{"timestamp":"2026-03-01T00:00:00Z","kafkaPartition":1}} | after.offset
            """)
    void aBadBodyIsA400ProblemNamingTheField(String body, String field) {
        notLoadedNode().post().uri("/internal/query").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.field").isEqualTo(field)
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains(field))
                .jsonPath("$.instance").isEqualTo("/internal/query");
    }

    @Test
    void anEmptyBodyIsA400() {
        notLoadedNode().post().uri("/internal/query").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.field").isEqualTo("body");
    }

    @Test
    void aValidQueryIsA503UntilTheChunksAreLoaded() {
        notLoadedNode().post().uri("/internal/query").contentType(MediaType.APPLICATION_JSON).bodyValue(VALID)
                .exchange()
                .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("not loaded"));
    }

    @ParameterizedTest
    @CsvSource({"BUSY, 503", "UNAVAILABLE, 503", "TIMEOUT, 504", "STALLED, 503", "INTERNAL, 500"})
    void aFailureBeforeTheFirstRowIsAProblem(QueryFailedException.Reason reason, int status) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/internal/query"));
        new QueryProblemHandler().handle(exchange, new QueryFailedException(reason, "it went wrong", null)).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(status);
        assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After"))
                .isEqualTo(reason == QueryFailedException.Reason.BUSY ? "1" : null);
        String body = exchange.getResponse().getBodyAsString().block();
        assertThat(body).contains("\"status\":" + status, "\"detail\":\"it went wrong\"", "\"reason\":\"" + reason + "\"");
    }

    @Test
    void otherFailuresAreLeftToTheNextHandler() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/internal/query"));
        IllegalStateException other = new IllegalStateException("x");
        assertThatThrownBy(() -> new QueryProblemHandler().handle(exchange, other).block()).isSameAs(other);
    }
}
