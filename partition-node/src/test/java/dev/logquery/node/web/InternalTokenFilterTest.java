package dev.logquery.node.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.query.InternalHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The token filter in front of real routes: open without a token (and saying so), closed with one. */
@ExtendWith(OutputCaptureExtension.class)
class InternalTokenFilterTest {

    private static WebTestClient client(String token) {
        return WebTestClient.bindToRouterFunction(RouterFunctions.route()
                        .GET("/internal/metadata", r -> ServerResponse.ok().bodyValue("metadata"))
                        .GET("/actuator/health", r -> ServerResponse.ok().bodyValue("UP"))
                        .build())
                .webFilter(new InternalTokenFilter(token))
                .build();
    }

    @Test
    void withoutATokenTheApiIsOpenAndTheNodeWarnsOnce(CapturedOutput output) {
        WebTestClient open = client("");
        open.get().uri("/internal/metadata").exchange().expectStatus().isOk();
        open.get().uri("/internal/metadata").exchange().expectStatus().isOk();
        assertThat(output.getOut().split("logquery.internal.token is not set", -1)).hasSize(2);
        assertThat(output.getOut()).contains("WARN");
    }

    @Test
    void withATokenItIsRequiredUnderInternalOnly(CapturedOutput output) {
        WebTestClient closed = client("t0ken");
        assertThat(output.getOut()).doesNotContain("logquery.internal.token is not set");
        closed.get().uri("/internal/metadata").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals("WWW-Authenticate", InternalHeaders.TOKEN)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains(InternalHeaders.TOKEN))
                .jsonPath("$.header").isEqualTo(InternalHeaders.TOKEN);
        closed.get().uri("/internal/metadata").header(InternalHeaders.TOKEN, "t0ken").exchange()
                .expectStatus().isOk().expectBody(String.class).isEqualTo("metadata");
        closed.get().uri("/actuator/health").exchange().expectStatus().isOk();
    }

    @Test
    void theInternalPathIsJudgedAsTheRouterMatchesIt() {
        for (String path : new String[] {"/internal/query", "//internal/query", "/internal;a=b/query", "/%69nternal/x",
                "/Internal/metadata", "/internal"}) {
            assertThat(InternalTokenFilter.isInternal(PathContainer.parsePath(path))).as(path).isTrue();
        }
        for (String path : new String[] {"/", "", "/actuator/health", "/internals/x", "/x/internal/query"}) {
            assertThat(InternalTokenFilter.isInternal(PathContainer.parsePath(path))).as(path).isFalse();
        }
    }
}
