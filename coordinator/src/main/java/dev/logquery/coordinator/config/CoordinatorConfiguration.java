package dev.logquery.coordinator.config;

import dev.logquery.common.query.InternalHeaders;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.cache.CachedSearch;
import dev.logquery.coordinator.cache.ResultCache;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * How the coordinator's query path is put together beyond its components: the HTTP client it talks to partition
 * nodes with, the admission control of its queries, and the results cache in front of the search of JSON answers.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({CoordinatorProperties.class, ApiProperties.class, InternalProperties.class})
public class CoordinatorConfiguration {

    /** A node's metadata (hour chunks with bloom filters) and a long message line may exceed the 256 KiB default. */
    public static final int MAX_IN_MEMORY_BYTES = 16 * 1024 * 1024;

    /**
     * HTTP/2 without TLS (h2c, prior knowledge; nodes accept it beside HTTP/1.1). The merge cancels a node's
     * answer as soon as the page is full, which is most queries: over HTTP/1.1 a cancelled response can only
     * be ended by closing its connection, so nearly every query opened a new one (about 4 ms more per query
     * on 2 cores, and a port in TIME_WAIT each); over HTTP/2 it resets one stream and the connection stays.
     * Each stream flushes its connection after reading ({@link FlushWindowUpdates}): without it, answers
     * larger than 64 KiB stalled in Netty 4.2.18.
     */
    @Bean
    public WebClient nodeWebClient(InternalProperties internal) {
        return WebClient.builder()
                .defaultHeaders(h -> {
                    if (!internal.token().isEmpty()) {
                        h.set(InternalHeaders.TOKEN, internal.token());
                    }
                })
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create().protocol(HttpProtocol.H2C)
                        .doOnRequest((request, connection) -> FlushWindowUpdates.install(connection))))
                .codecs(c -> c.defaultCodecs().maxInMemorySize(MAX_IN_MEMORY_BYTES))
                .build();
    }

    /**
     * The search behind {@code POST /api/query/logs}'s JSON answers: the results cache in front of the shards. Only
     * there: an NDJSON answer (an export, up to a million rows) streams from the shards, and the Loki API and the
     * tail's replays read pages that no other query asks the same way.
     */
    @Bean
    public CachedSearch cachedSearch(SearchService search, ResultCache cache, ShardCatalog catalog,
                                     QueryMetrics metrics) {
        return new CachedSearch(search, cache, catalog, metrics);
    }

    /**
     * Load shedding: {@code admission.*} bounds queries running and waiting. A permit is taken back after
     * twice the query deadline plus a minute, should its holder ever lose it. Gauges
     * {@code query.admission.running} and {@code query.admission.queued}.
     */
    @Bean
    AdmissionControl admissionControl(CoordinatorProperties properties, MeterRegistry registry) {
        CoordinatorProperties.Admission a = properties.admission();
        AdmissionControl admission = new AdmissionControl(a.maxConcurrent(), a.maxQueued(), a.maxWait(),
                properties.queryTimeout().multipliedBy(2).plusMinutes(1), Schedulers.parallel());
        Gauge.builder("query.admission.running", admission, AdmissionControl::running)
                .description("Queries running now").register(registry);
        Gauge.builder("query.admission.queued", admission, AdmissionControl::queued)
                .description("Queries waiting for a turn now").register(registry);
        Gauge.builder("query.admission.limit", a, CoordinatorProperties.Admission::maxConcurrent)
                .description("Queries that may run at once").register(registry);
        return admission;
    }
}
