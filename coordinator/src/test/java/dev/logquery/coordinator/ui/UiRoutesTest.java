package dev.logquery.coordinator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class UiRoutesTest {

    /** A name, not an address: the one URL-looking text the page may hold. */
    static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    final WebTestClient client = WebTestClient.bindToRouterFunction(new UiRoutes().uiRouter()).build();

    @Test
    void theRootIsThePageAskedForAgainEachTime() {
        client.get().uri("/").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader().cacheControl(UiRoutes.REVALIDATE)
                .expectBody(String.class).value(html -> assertThat(html.replace(SVG_NAMESPACE, ""))
                        .contains("<script type=\"module\" src=\"/ui/app.js\"></script>")
                        .doesNotContain("http://", "https://"));
        client.head().uri("/").exchange().expectStatus().isOk();
    }

    @Test
    void theAssetsAreModulesAndAStyleSheetFromTheJar() {
        for (String module : new String[] {"app.js", "api.js", "state.js", "render.js", "histogram.js", "tail.js"}) {
            client.get().uri("/ui/" + module).exchange()
                    .expectStatus().isOk()
                    .expectHeader().contentTypeCompatibleWith(new MediaType("text", "javascript"))
                    .expectHeader().cacheControl(UiRoutes.REVALIDATE)
                    // nothing is fetched from elsewhere: the page works offline
                    .expectBody(String.class).value(js -> assertThat(js.replace(SVG_NAMESPACE, ""))
                            .doesNotContain("http://", "https://"));
        }
        client.get().uri("/ui/app.css").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(new MediaType("text", "css"));
    }

    @Test
    void nothingElseOfTheClasspathIsServed() {
        client.get().uri("/ui/../application.yml").exchange().expectStatus().isNotFound();
        client.get().uri("/ui/%2e%2e/application.yml").exchange().expectStatus().isNotFound();
        client.get().uri("/ui/no-such.js").exchange().expectStatus().isNotFound();
    }
}
