package dev.logquery.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.admission.ClientLimits;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.scatter.ReplicaLoad;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchExecution;
import dev.logquery.coordinator.search.SearchSummary;
import dev.logquery.coordinator.stats.QueryStats;
import dev.logquery.coordinator.web.HeaderCheck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * {@code POST /api/query/logs} and {@code GET /api/query/stats} over HTTP, as the application routes them: the
 * routes of {@link QueryRoutes} behind the filters that check media types ({@link HeaderCheck}) and clients' shares
 * ({@link ClientLimits}), with the handler that turns a refused partial stream into a 503 ({@link QueryErrorHandler}).
 * The search is a fake that answers what each test gives it, so every status here is the routes' own doing.
 */
class QueryRoutesTest {

    static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    static final String WINDOW = "\"startTime\":\"2026-11-20T12:00:00Z\",\"endTime\":\"2026-11-20T13:00:00Z\"";
    static final String QUERY = "{" + WINDOW + ",\"limit\":2}";
    static final String REFUSING_PARTIAL = "{" + WINDOW + ",\"limit\":2,\"allowPartial\":false}";

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final QueryMetrics metrics = new QueryMetrics(registry);
    final FakeSearch search = new FakeSearch();
    final ClientLimits clientLimits = new ClientLimits(new ApiProperties(Duration.ofDays(30),
            new ApiProperties.Auth(List.of(), ""), DataSize.ofMegabytes(8), 1, 10, Duration.ofSeconds(60)), registry);

    static StoredLogEntry row(long offset) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(offset), "checkout", LogLevel.ERROR, "shop", "pod-1",
                "app", "payment " + offset + " declined"), 1, 4, offset);
    }

    static SearchSummary summary(List<ShardFailure> failed) {
        return new SearchSummary(3, 2, 1, !failed.isEmpty(), failed, 7, null);
    }

    /** Answers every query with what {@link #answer} holds now, and remembers the queries. */
    static final class FakeSearch implements LogSearch {
        final List<LogQuery> queries = new CopyOnWriteArrayList<>();
        volatile Mono<SearchExecution> answer = Mono.just(SearchExecution.of(List.of(row(2), row(1)),
                summary(List.of())));

        @Override
        public Mono<SearchExecution> search(LogQuery query) {
            queries.add(query);
            return answer;
        }
    }

    WebTestClient client(AdmissionControl admission) {
        CoordinatorProperties properties = new CoordinatorProperties(List.of(), Duration.ofSeconds(2),
                Duration.ofSeconds(1), true, 10_000);
        ShardCatalog catalog = mock(ShardCatalog.class);
        when(catalog.health()).thenReturn(List.of());
        QueryStats stats = new QueryStats(registry, catalog, properties, new ReplicaBreakers(properties, registry),
                new ReplicaLoad(properties));
        QueryRoutes.Answering answering = new QueryRoutes.Answering(search, search, metrics, admission, 10_000,
                Duration.ofDays(30), DataSize.ofMegabytes(8).toBytes());
        return WebTestClient.bindToRouterFunction(QueryRoutes.routes(answering, stats))
                .webFilter(new HeaderCheck(), clientLimits)
                .handlerStrategies(HandlerStrategies.builder().exceptionHandler(new QueryErrorHandler()).build())
                .build();
    }

    WebTestClient client() {
        return client(new AdmissionControl(4, 4, Duration.ofSeconds(1), Duration.ofMinutes(1), Schedulers.parallel()));
    }

    WebTestClient.ResponseSpec post(WebTestClient client, String body, MediaType accept) {
        return client.post().uri("/api/query/logs").contentType(MediaType.APPLICATION_JSON).accept(accept)
                .bodyValue(body).exchange();
    }

    /** A problem answer: its status, in the header and in the body, and the title a user reads first. */
    static WebTestClient.BodyContentSpec problem(WebTestClient.ResponseSpec response, HttpStatus status, String title) {
        return response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(status.value())
                .jsonPath("$.title").isEqualTo(title);
    }

    /** What {@code GET /api/query/stats} counts now. */
    static WebTestClient.BodyContentSpec stats(WebTestClient client) {
        return client.get().uri("/api/query/stats").exchange().expectStatus().isOk().expectBody();
    }

    @Test
    void aQueryIsAnsweredFromTheSearchAsOneDocumentOrAsLines() {
        WebTestClient client = client();
        post(client, QUERY, MediaType.APPLICATION_JSON).expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.logs.length()").isEqualTo(2)
                .jsonPath("$.logs[0].message").isEqualTo("payment 2 declined")
                .jsonPath("$.partial").isEqualTo(false)
                .jsonPath("$.partitionsTotal").isEqualTo(3);
        assertThat(search.queries).singleElement().satisfies(q -> {
            assertThat(q.limit()).isEqualTo(2);
            assertThat(q.startTime()).isEqualTo(T0);
        });

        String lines = post(client, QUERY, MediaType.APPLICATION_NDJSON).expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(lines.split("\n")).hasSize(3).satisfies(l -> {
            assertThat(l[0]).contains("\"message\":\"payment 2 declined\"");
            assertThat(l[2]).startsWith("{\"summary\":").contains("\"partial\":false");
        });
    }

    @Test
    void aBadFieldIs400NamingItAndNoSearch() {
        WebTestClient client = client();
        problem(post(client, "{" + WINDOW + ",\"limit\":0}", MediaType.APPLICATION_JSON),
                HttpStatus.BAD_REQUEST, "Bad request")
                .jsonPath("$.detail").isEqualTo("limit must be an integer from 1 to 10000, is 0")
                .jsonPath("$.errors[0].field").isEqualTo("limit");
        problem(post(client, "{" + WINDOW + ",\"level\":\"ERROR\"}", MediaType.APPLICATION_NDJSON),
                HttpStatus.BAD_REQUEST, "Bad request")
                .jsonPath("$.errors[0].field").isEqualTo("level")
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).startsWith("unknown field level"));
        problem(post(client, "{\"contains\":\"" + "x".repeat(300 * 1024) + "\"}", MediaType.APPLICATION_JSON),
                HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large")
                .jsonPath("$.errors[0].field").isEqualTo("body");
        assertThat(search.queries).isEmpty();
        stats(client).jsonPath("$.queries.badRequests").isEqualTo(3);
    }

    @Test
    void anAcceptOrContentTypeThatCannotBeReadIs406Or415NamingTheHeader() {
        WebTestClient client = client();
        problem(client.post().uri("/api/query/logs").contentType(MediaType.APPLICATION_JSON).header("Accept", "foo")
                .bodyValue(QUERY).exchange(), HttpStatus.NOT_ACCEPTABLE, "Not acceptable")
                .jsonPath("$.header").isEqualTo("Accept")
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).startsWith("Accept header is malformed"));
        // The body as bytes: the test's own client would not encode a value with a charset nobody knows.
        problem(client.post().uri("/api/query/logs").header("Content-Type", "application/json; charset=nope")
                .body(BodyInserters.fromDataBuffers(Flux.just(DefaultDataBufferFactory.sharedInstance
                        .wrap(QUERY.getBytes(StandardCharsets.UTF_8))))).exchange(),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
                .jsonPath("$.header").isEqualTo("Content-Type")
                .jsonPath("$.errors[0].field").isEqualTo("Content-Type")
                .jsonPath("$.detail").value(String.class, d -> assertThat(d)
                        .startsWith("Content-Type header is malformed").contains("nope"));
        assertThat(search.queries).isEmpty();
    }

    @Test
    void aFullAdmissionIs429WithRetryAfter() {
        AdmissionControl admission = new AdmissionControl(1, 0, Duration.ofSeconds(1), Duration.ofMinutes(1),
                Schedulers.parallel());
        WebTestClient client = client(admission);
        AdmissionControl.Permit taken = admission.acquire().block(Duration.ofSeconds(1));
        problem(post(client, QUERY, MediaType.APPLICATION_JSON).expectHeader().valueEquals("Retry-After", "1"),
                HttpStatus.TOO_MANY_REQUESTS, "Too many queries")
                .jsonPath("$.detail").isEqualTo("too many queries: 1 running and 0 waiting; retry in 1 s");
        assertThat(search.queries).isEmpty();

        taken.release();
        post(client, QUERY, MediaType.APPLICATION_NDJSON).expectStatus().isOk().expectBody(String.class);
        stats(client).jsonPath("$.queries.rejected").isEqualTo(1).jsonPath("$.queries.served").isEqualTo(1);
    }

    @Test
    void aClientBeyondItsShareIs429WhileItsOtherQueryRuns() throws Exception {
        WebTestClient client = client();
        Sinks.One<SearchExecution> gate = Sinks.one();
        CountDownLatch searching = new CountDownLatch(1);
        search.answer = gate.asMono().doOnSubscribe(s -> searching.countDown());
        CompletableFuture<HttpStatus> first = CompletableFuture.supplyAsync(() -> HttpStatus.valueOf(
                post(client, QUERY, MediaType.APPLICATION_JSON).returnResult(String.class).getStatus().value()));
        assertThat(searching.await(5, TimeUnit.SECONDS)).as("the first query is running").isTrue();

        problem(post(client, QUERY, MediaType.APPLICATION_JSON).expectHeader().valueEquals("Retry-After", "1"),
                HttpStatus.TOO_MANY_REQUESTS, "Too many requests from this client")
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).startsWith("this client has 1 queries"));
        assertThat(search.queries).as("the second query never reached the search").hasSize(1);

        gate.tryEmitValue(SearchExecution.of(List.of(row(1)), summary(List.of())));
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aPartialAnswerRefusedIs503NamingTheFailedShards() {
        WebTestClient client = client();
        List<ShardFailure> failed = List.of(new ShardFailure(1, "timeout"));
        search.answer = Mono.just(SearchExecution.of(List.of(row(2)), summary(failed)));
        problem(post(client, REFUSING_PARTIAL, MediaType.APPLICATION_JSON), HttpStatus.SERVICE_UNAVAILABLE,
                "Partial answer refused")
                .jsonPath("$.detail")
                .isEqualTo("no complete answer: shard 1 (timeout) failed, and allowPartial is false")
                .jsonPath("$.failedPartitions[0].partition").isEqualTo(1)
                .jsonPath("$.failedPartitions[0].reason").isEqualTo("timeout");

        // Allowed (the default), the same answer is a 200 that says it is partial.
        post(client, QUERY, MediaType.APPLICATION_JSON).expectStatus().isOk()
                .expectBody()
                .jsonPath("$.partial").isEqualTo(true)
                .jsonPath("$.failedPartitions[0].reason").isEqualTo("timeout");
        stats(client).jsonPath("$.queries.partialRefused").isEqualTo(1).jsonPath("$.queries.partial").isEqualTo(1);
    }

    @Test
    void anNdjsonAnswerRefusingPartialIs503BeforeItsFirstLine() {
        WebTestClient client = client();
        // A shard had failed when the merge gave its first row: refused before anything is written.
        List<ShardFailure> early = List.of(new ShardFailure(2, "unreachable"));
        search.answer = Mono.just(new SearchExecution(Flux.just(row(2), row(1)), Mono.just(early),
                Mono.just(summary(early))));
        problem(post(client, REFUSING_PARTIAL, MediaType.APPLICATION_NDJSON), HttpStatus.SERVICE_UNAVAILABLE,
                "Partial answer refused")
                .jsonPath("$.failedPartitions[0].partition").isEqualTo(2)
                .jsonPath("$.failedPartitions[0].reason").isEqualTo("unreachable");

        // No shard answered at all: no row, and the summary refuses before the first line too.
        List<ShardFailure> all = List.of(new ShardFailure(0, "timeout"), new ShardFailure(1, "circuit_open"));
        search.answer = Mono.just(new SearchExecution(Flux.empty(), Mono.just(all), Mono.just(summary(all))));
        problem(post(client, REFUSING_PARTIAL, MediaType.APPLICATION_NDJSON), HttpStatus.SERVICE_UNAVAILABLE,
                "Partial answer refused")
                .jsonPath("$.detail").isEqualTo("no complete answer: shard 0 (timeout), shard 1 (circuit_open) failed,"
                        + " and allowPartial is false")
                .jsonPath("$.failedPartitions.length()").isEqualTo(2);
    }

    @Test
    void onlyPostIsAQuery() {
        client().get().uri("/api/query/logs").exchange().expectStatus().isNotFound();
        assertThat(search.queries).isEmpty();
    }
}
