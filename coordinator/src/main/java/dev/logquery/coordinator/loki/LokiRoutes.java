package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A Loki-compatible read API on the coordinator, so that Grafana's built-in Loki data source works against
 * logquery: {@code /loki/api/v1/query_range}, {@code query}, {@code labels}, {@code label/{name}/values},
 * {@code series}, {@code status/buildinfo} and {@code /ready}; every other path under {@code /loki/api/v1/} answers
 * 404 saying it is not implemented yet. Queries use {@link SearchService} (the pruning, scatter and merge of
 * {@code POST /api/query/logs}) and the same admission control.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LokiProperties.class)
public class LokiRoutes {

    static final String PREFIX = "/loki/api/v1";
    /** What {@code status/buildinfo} reports as the version: logquery's, not a Loki version. */
    static final String VERSION = "logquery-0.1.0";

    @Bean
    RouterFunction<ServerResponse> lokiRouter(SearchService search, ShardCatalog catalog, AdmissionControl admission,
                                              QueryMetrics metrics, CoordinatorProperties coordinator, ApiProperties api,
                                              LokiProperties loki) {
        return routes(new QueryHandler(search, admission, metrics, loki, coordinator.maxLimit(), api.maxQueryWindow(),
                        Clock.systemUTC()),
                new LabelsHandler(search, catalog, admission, metrics, loki, coordinator.maxLimit(), api.maxQueryWindow(),
                        Clock.systemUTC()),
                new StatusHandler(VERSION));
    }

    static RouterFunction<ServerResponse> routes(QueryHandler queries, LabelsHandler labels, StatusHandler status) {
        return RouterFunctions.route()
                .GET(PREFIX + "/query_range", queries::range)
                .POST(PREFIX + "/query_range", queries::range)
                .GET(PREFIX + "/query", queries::instant)
                .POST(PREFIX + "/query", queries::instant)
                .GET(PREFIX + "/labels", labels::names)
                .POST(PREFIX + "/labels", labels::names)
                .GET(PREFIX + "/label/{name}/values", labels::values)
                .POST(PREFIX + "/label/{name}/values", labels::values)
                .GET(PREFIX + "/series", labels::series)
                .POST(PREFIX + "/series", labels::series)
                .GET(PREFIX + "/status/buildinfo", status::buildInfo)
                .GET("/ready", status::ready)
                .route(RequestPredicates.path(PREFIX + "/**"), status::notImplemented)
                .build();
    }
}
