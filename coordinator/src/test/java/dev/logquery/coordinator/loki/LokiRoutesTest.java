package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.scheduler.Schedulers;

/** The routes and what they answer before any shard is asked: bad input, instant log queries, unknown paths. */
class LokiRoutesTest {

    final SearchService search = Mockito.mock(SearchService.class);
    final Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    final QueryMetrics metrics = new QueryMetrics(new SimpleMeterRegistry());
    final AdmissionControl admission = new AdmissionControl(4, 4, Duration.ofSeconds(1), Duration.ofMinutes(1),
            Schedulers.parallel());
    final WebTestClient client = WebTestClient.bindToRouterFunction(LokiRoutes.routes(
            new QueryHandler(search, admission, metrics, LokiProperties.DEFAULTS, 5000, Duration.ofDays(30), clock),
            new LabelsHandler(search, Mockito.mock(ShardCatalog.class), admission, metrics, LokiProperties.DEFAULTS, 5000,
                    Duration.ofDays(30), clock),
            new StatusHandler("test"))).build();

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
    void statusAndUnimplementedPaths() {
        client.get().uri("/ready").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("ready\n");
        client.get().uri("/loki/api/v1/status/buildinfo").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.version").isEqualTo("test");
        for (String path : new String[]{"index/stats", "index/volume", "index/volume_range", "detected_labels",
                "detected_fields", "patterns", "tail"}) {
            client.get().uri("/loki/api/v1/" + path).exchange().expectStatus().isNotFound()
                    .expectBody(String.class).value(body -> assertThat(body).contains("is not implemented yet"));
        }
    }
}
