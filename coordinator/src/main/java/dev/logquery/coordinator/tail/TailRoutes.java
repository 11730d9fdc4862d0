package dev.logquery.coordinator.tail;

import dev.logquery.coordinator.api.BadRequestProblems;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.search.SearchService;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/tail}: live log lines as server-sent events ({@link SseFrames}), filtered by the query
 * parameters ({@link TailRequestParser}); bad parameters are a 400 problem naming them, a viewer beyond
 * {@code max-viewers} a 429 with {@code Retry-After}. Also wires the tail: one {@link TailHub}, one
 * {@link KafkaTailReader}, the metrics.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TailProperties.class)
public class TailRoutes {

    private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;
    /** Seconds a refused viewer is asked to wait. */
    static final String RETRY_AFTER_SECONDS = "5";

    @Bean
    TailMetrics tailMetrics(MeterRegistry registry) {
        return new TailMetrics(registry);
    }

    @Bean
    TailHub tailHub(TailProperties properties, CoordinatorProperties coordinator, TailMetrics metrics) {
        return new TailHub(properties.maxViewers(), properties.recentLines(), properties.recentBytes().toBytes(),
                coordinator.shards().size(), metrics);
    }

    @Bean
    KafkaTailReader kafkaTailReader(TailProperties properties, TailHub hub) {
        return new KafkaTailReader(properties, hub);
    }

    @Bean
    TailStreams tailStreams(TailHub hub, SearchService search, TailProperties properties, TailMetrics metrics,
                            AdmissionControl admission, ApiProperties api) {
        return new TailStreams(hub, search, properties, metrics, admission, api.maxAnswerBytes().toBytes());
    }

    @Bean
    RouterFunction<ServerResponse> tailRouter(TailStreams streams, TailProperties properties) {
        return RouterFunctions.route()
                .GET("/api/tail", request -> tail(request, streams, properties))
                .build();
    }

    static Mono<ServerResponse> tail(ServerRequest request, TailStreams streams, TailProperties properties) {
        ParsedTail parsed = TailRequestParser.parse(request.queryParams(), properties.maxReplayLines(),
                properties.replayMaxAge());
        if (parsed instanceof ParsedTail.Invalid invalid) {
            return ServerResponse.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .bodyValue(BadRequestProblems.of(invalid.problems()));
        }
        if (!streams.admit()) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                    "this coordinator serves its maximum of " + properties.maxViewers() + " tail viewers; retry later");
            problem.setTitle("Too many viewers");
            return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS).header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(problem);
        }
        TailRequest tail = ((ParsedTail.Valid) parsed).request();
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header("X-Accel-Buffering", "no") // proxies such as nginx must pass events on at once
                .body(BodyInserters.fromDataBuffers(streams.stream(tail).map(event -> BUFFERS.wrap(event.frame()))));
    }
}
