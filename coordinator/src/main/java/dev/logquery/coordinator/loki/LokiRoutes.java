package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import dev.logquery.coordinator.tail.TailStreams;
import java.time.Clock;
import java.util.Map;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;

/**
 * A Loki-compatible read API on the coordinator, so that Grafana's built-in Loki data source works against
 * logquery: {@code /loki/api/v1/query_range}, {@code query}, {@code labels}, {@code label/{name}/values},
 * {@code series}, {@code index/volume}, {@code index/volume_range}, {@code index/stats} (counted on the nodes:
 * {@link NodeVolumes}), {@code detected_labels}, {@code detected_fields}, {@code tail} (WebSocket), {@code status/buildinfo} and {@code /ready}; every other path under {@code /loki/api/v1/} answers
 * 404 saying it is not implemented yet. Queries use {@link SearchService} (the pruning, scatter and merge of
 * {@code POST /api/query/logs}) and the same admission control.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LokiProperties.class)
public class LokiRoutes {

    static final String PREFIX = "/loki/api/v1";
    /** What {@code status/buildinfo} reports as the version: logquery's, not a Loki version. */
    static final String VERSION = "logquery-0.1.0";

    /** Groups (series times buckets) a volume or node-counted metric query may hold. */
    static final int MAX_VOLUME_GROUPS = 200_000;

    @Bean
    RouterFunction<ServerResponse> lokiRouter(SearchService search, ShardCatalog catalog, AdmissionControl admission,
                                              QueryMetrics metrics, CoordinatorProperties coordinator, ApiProperties api,
                                              LokiProperties loki, WebClient nodeWebClient, ReplicaBreakers breakers) {
        NodeVolumes volumes = new NodeVolumes(nodeWebClient, catalog, coordinator, breakers, metrics, MAX_VOLUME_GROUPS,
                search, coordinator.maxLimit(), loki.maxMetricRows());
        LokiContext context = new LokiContext(search, admission, metrics, loki, coordinator.maxLimit(),
                api.maxQueryWindow(), Clock.systemUTC());
        return routes(new QueryHandler(context, volumes), new LabelsHandler(context, catalog), new StatusHandler(VERSION),
                new IndexHandler(volumes, admission, metrics, api.maxQueryWindow(), Clock.systemUTC()),
                new DetectedHandler(context, volumes));
    }

    /**
     * {@code GET /loki/api/v1/tail} as a WebSocket ({@link TailSocket}); mapped before the router functions, whose
     * {@code /loki/api/v1/**} answers 404 for what is not implemented.
     */
    @Bean
    HandlerMapping lokiTailMapping(TailStreams streams, SearchService search, AdmissionControl admission,
                                   LokiProperties loki, CoordinatorProperties coordinator) {
        SimpleUrlHandlerMapping mapping = new SimpleUrlHandlerMapping(Map.of(PREFIX + "/tail",
                new TailSocket(streams, search, admission, loki, coordinator.maxLimit())));
        mapping.setOrder(-2);
        return mapping;
    }

    static RouterFunction<ServerResponse> routes(QueryHandler queries, LabelsHandler labels, StatusHandler status,
                                                 IndexHandler index, DetectedHandler detected) {
        RouterFunctions.Builder b = RouterFunctions.route();
        if (detected != null) {
            b.GET(PREFIX + "/detected_labels", detected::labels)
                    .POST(PREFIX + "/detected_labels", detected::labels)
                    .GET(PREFIX + "/detected_fields", detected::fields)
                    .POST(PREFIX + "/detected_fields", detected::fields);
        }
        if (index != null) {
            b.GET(PREFIX + "/index/volume", index::volume)
                    .POST(PREFIX + "/index/volume", index::volume)
                    .GET(PREFIX + "/index/volume_range", index::volumeRange)
                    .POST(PREFIX + "/index/volume_range", index::volumeRange)
                    .GET(PREFIX + "/index/stats", index::stats)
                    .POST(PREFIX + "/index/stats", index::stats);
        }
        return b
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
