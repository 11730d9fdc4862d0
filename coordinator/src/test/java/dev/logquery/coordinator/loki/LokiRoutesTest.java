package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import dev.logquery.coordinator.tail.TailStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.Mockito;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Schedulers;

/**
 * The routes and what they answer before any shard or node is asked: bad input, instant scalar queries, which
 * paths are implemented and which answer 404. Every handler that {@link LokiRoutes#lokiRouter} wires is routed;
 * the node counts ({@link NodeVolumes}) are a mock that no request here may reach, and the query handler has none
 * (its metric queries would run from rows).
 */
class LokiRoutesTest {

    final SearchService search = Mockito.mock(SearchService.class);
    final Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    final QueryMetrics metrics = new QueryMetrics(new SimpleMeterRegistry());
    final AdmissionControl admission = new AdmissionControl(4, 4, Duration.ofSeconds(1), Duration.ofMinutes(1),
            Schedulers.parallel());
    final NodeVolumes volumes = Mockito.mock(NodeVolumes.class);
    final LokiContext context = new LokiContext(search, admission, metrics, LokiProperties.DEFAULTS, 5000,
            Duration.ofDays(30), clock);
    final RouterFunction<ServerResponse> routes = LokiRoutes.routes(new QueryHandler(context),
            new LabelsHandler(context, Mockito.mock(ShardCatalog.class)), new StatusHandler("test"),
            new IndexHandler(volumes, admission, metrics, Duration.ofDays(30), clock), new DetectedHandler(context, volumes));
    final WebTestClient client = WebTestClient.bindToRouterFunction(routes).build();

    /** A URI with its query parameters encoded as Grafana's Go client encodes them. */
    static java.util.function.Function<org.springframework.web.util.UriBuilder, java.net.URI> uri(String path, String... kv) {
        return b -> {
            b.path(path);
            Object[] values = new Object[kv.length / 2];
            for (int i = 0; i < kv.length; i += 2) {
                b.queryParam(kv[i], "{v" + i + "}");
                values[i / 2] = kv[i + 1];
            }
            return b.build(values);
        };
    }

    String badRequest(java.util.function.Function<org.springframework.web.util.UriBuilder, java.net.URI> uri) {
        byte[] body = client.get().uri(uri).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
                .expectBody().returnResult().getResponseBody();
        Mockito.verifyNoInteractions(search);
        return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void badQueriesArePlainText400s() {
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\""))).startsWith("parse error at line 1, col 18");
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\"} | line_format \"x\"")))
                .contains("line_format is not supported");
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\"}", "limit", "0"))).isEqualTo("limit must be a positive value\n");
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\"}", "start", "abc"))).contains("could not parse 'start' parameter");
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\"}", "direction", "up"))).contains("invalid direction 'up'");
        assertThat(badRequest(uri("/loki/api/v1/query_range", "query", "{service_name=\"x\"}", "limit", "5001"))).contains("5001 > 5000");
        assertThat(badRequest(uri("/loki/api/v1/query_range"))).contains("syntax error: unexpected $end");
        assertThat(badRequest(uri("/loki/api/v1/query", "query", "{service_name=\"x\"}")))
                .contains("log queries are not supported as an instant query type");
        assertThat(badRequest(uri("/loki/api/v1/label/pod/values", "query", "rate({a=\"b\"}[1m])"))).contains("only a stream selector");
        assertThat(badRequest(uri("/loki/api/v1/series", "match[]", "{}"))).contains("queries require at least one regexp or equality matcher");
    }

    @Test
    void formBodiesAreRead() {
        byte[] body = client.post().uri("/loki/api/v1/query_range")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("query=%7Bservice_name%3D%22x%22%7D&limit=-1")
                .exchange().expectStatus().isBadRequest().expectBody().returnResult().getResponseBody();
        assertThat(new String(body)).isEqualTo("limit must be a positive value\n");
    }

    @Test
    void instantScalarsNeedNoShard() {
        client.get().uri(uri("/loki/api/v1/query", "query", "vector(1)+vector(1)", "time", "4000000000")).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("success")
                .jsonPath("$.data.resultType").isEqualTo("vector")
                .jsonPath("$.data.result[0].metric").isEmpty()
                .jsonPath("$.data.result[0].value[0]").isEqualTo(4_000_000_000L)
                .jsonPath("$.data.result[0].value[1]").isEqualTo("2");
        client.get().uri(uri("/loki/api/v1/query", "query", "1+2*3", "time", "4")).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.data.resultType").isEqualTo("scalar")
                .jsonPath("$.data.result[1]").isEqualTo("7");
        client.get().uri(uri("/loki/api/v1/query_range", "query", "vector(2)", "start", "1", "end", "3", "step", "1")).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.data.resultType").isEqualTo("matrix")
                .jsonPath("$.data.result[0].values.length()").isEqualTo(3)
                .jsonPath("$.data.result[0].values[2][0]").isEqualTo(3)
                .jsonPath("$.data.result[0].values[2][1]").isEqualTo("2");
        Mockito.verifyNoInteractions(search);
    }

    @Test
    void statusPaths() {
        client.get().uri("/ready").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("ready\n");
        client.get().uri("/loki/api/v1/status/buildinfo").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.version").isEqualTo("test");
    }

    /**
     * Every implemented path, by GET and by POST, reaches its handler: a timestamp that cannot be read is that
     * handler's 400, where an unrouted path would get the 404 of {@link #unimplementedPathsAnswer404}.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "GET, query_range, start", "POST, query_range, start",
            "GET, query, time", "POST, query, time",
            "GET, labels, start", "POST, labels, start",
            "GET, label/pod/values, start", "POST, label/pod/values, start",
            "GET, series, start", "POST, series, start",
            "GET, index/volume, start", "POST, index/volume, start",
            "GET, index/volume_range, start", "POST, index/volume_range, start",
            "GET, index/stats, start", "POST, index/stats, start",
            "GET, detected_labels, start", "POST, detected_labels, start",
            "GET, detected_fields, start", "POST, detected_fields, start"})
    void implementedPathsAreRouted(HttpMethod method, String path, String timeParameter) {
        client.method(method).uri(uri("/loki/api/v1/" + path, "query", "{service_name=\"x\"}", timeParameter, "abc"))
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody(String.class).value(body -> assertThat(body)
                        .startsWith("could not parse '" + timeParameter + "' parameter"));
        Mockito.verifyNoInteractions(search, volumes);
    }

    /** What Loki has and logquery does not: a 404 that says so, never an empty success Grafana would show as no data. */
    @ParameterizedTest
    @ValueSource(strings = {"patterns", "push", "delete", "index/shards", "format_query", "rules"})
    void unimplementedPathsAnswer404(String path) {
        for (HttpMethod method : new HttpMethod[]{HttpMethod.GET, HttpMethod.POST}) {
            client.method(method).uri("/loki/api/v1/" + path).exchange()
                    .expectStatus().isNotFound()
                    .expectBody(String.class).value(body -> assertThat(body)
                            .startsWith("/loki/api/v1/" + path + " is not implemented yet"));
        }
    }

    /**
     * {@code tail} is not a route but a WebSocket ({@link LokiRoutes#lokiTailMapping}), which must be mapped ahead
     * of the routes: their catch-all under {@code /loki/api/v1/} would answer it with the 404 of what is not
     * implemented. With both in a WebFlux dispatcher as the application has them, a plain GET reaches the
     * WebSocket handshake, which refuses it (400) for want of an {@code Upgrade} header.
     */
    @Test
    void tailIsAWebSocketMappedAheadOfTheRoutes() {
        client.get().uri("/loki/api/v1/tail").exchange().expectStatus().isNotFound();
        CoordinatorProperties coordinator = Mockito.mock(CoordinatorProperties.class);
        Mockito.when(coordinator.maxLimit()).thenReturn(5000);
        HandlerMapping tail = new LokiRoutes().lokiTailMapping(Mockito.mock(TailStreams.class), search, admission,
                LokiProperties.DEFAULTS, coordinator);
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(WebFluxOnly.class);
            context.registerBean("lokiRouter", RouterFunction.class, () -> routes);
            context.registerBean("lokiTailMapping", HandlerMapping.class, () -> tail);
            context.refresh();
            WebTestClient app = WebTestClient.bindToApplicationContext(context).build();
            app.get().uri("/loki/api/v1/tail").exchange().expectStatus().isBadRequest();
            app.get().uri("/loki/api/v1/patterns").exchange().expectStatus().isNotFound();
        }
        Mockito.verifyNoInteractions(search);
    }

    /** WebFlux's dispatcher and handler mappings, and nothing else of the application. */
    @Configuration(proxyBeanMethods = false)
    @EnableWebFlux
    static class WebFluxOnly {
    }
}
