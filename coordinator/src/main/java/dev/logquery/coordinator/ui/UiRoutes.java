package dev.logquery.coordinator.ui;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The web UI: {@code GET /} (and {@code HEAD /}) is the page ({@code classpath:/static/index.html}), {@code /ui/**} its scripts (plain ES
 * modules) and style sheet ({@code classpath:/static/ui/}). Nothing is fetched from elsewhere: the page works
 * offline. Every answer says {@code Cache-Control: no-cache}: the browser keeps a copy and asks again (the server
 * answers with a {@code Last-Modified}), so a new coordinator's page is never mixed with an old one's scripts.
 * The page and its assets need no token ({@code ApiSecurity}); its API calls do, when tokens are configured.
 */
@Configuration(proxyBeanMethods = false)
public class UiRoutes {

    static final Resource INDEX = new ClassPathResource("static/index.html");
    static final Resource ASSETS = new ClassPathResource("static/ui/");
    static final CacheControl REVALIDATE = CacheControl.noCache().cachePrivate();

    @Bean
    RouterFunction<ServerResponse> uiRouter() {
        return RouterFunctions.route()
                .route(RequestPredicates.path("/").and(RequestPredicates.method(HttpMethod.GET)
                        .or(RequestPredicates.method(HttpMethod.HEAD))), request -> ServerResponse.ok()
                        .contentType(MediaType.TEXT_HTML)
                        .cacheControl(REVALIDATE)
                        .bodyValue(INDEX))
                .add(RouterFunctions.resources("/ui/**", ASSETS)
                        .filter((request, next) -> {
                            request.exchange().getResponse().getHeaders().setCacheControl(REVALIDATE);
                            return next.handle(request);
                        }))
                .build();
    }
}
