package dev.logquery.coordinator.ui;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.admission.OverloadedException;
import dev.logquery.coordinator.api.BadRequestProblems;
import dev.logquery.coordinator.api.ServiceProblems;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.loki.LokiBadRequest;
import dev.logquery.coordinator.loki.NodeVolumes;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.QueryMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/query/volume}: how many lines per time bucket and level match a search, counted on the
 * partition nodes ({@link NodeVolumes}: {@code GROUP BY} bucket and level in SQL, no row shipped). The body is
 * that of {@code POST /api/query/logs} plus an optional {@code step} ({@link VolumeRequestParser}); the filters
 * mean exactly what they mean for a search ({@code contains} is the same case-insensitive substring), so the
 * buckets' counts add up to the number of lines the search pages through. Answer:
 *
 * <pre>{@code
 * {"startTime":"...","endTime":"...","step":60,
 *  "buckets":[{"time":"2026-12-03T05:00:00Z","total":4,"counts":{"INFO":3,"ERROR":1}}, ...],
 *  "levels":{"INFO":120,"ERROR":7},"total":127,"partial":false,"failedPartitions":[],
 *  "partitionsQueried":3,"tookMs":14}
 * }</pre>
 *
 * Every bucket of the window is listed, empty ones too, oldest first; a bucket's {@code time} is its start. A
 * shard that fails is named in {@code failedPartitions} as in a search's answer ({@code "allowPartial": false}
 * turns that into 503). Bad input is the search's 400 problem; too many queries, its 429.
 */
@Configuration(proxyBeanMethods = false)
public class VolumeRoutes {

    /** Groups (buckets times levels) one volume may hold: bounded by the buckets anyway. */
    static final int MAX_GROUPS = VolumeRequestParser.MAX_BUCKETS * LogLevel.values().length;
    static final long RETRY_AFTER_SECONDS = 1;

    record Volumes(NodeVolumes volumes, AdmissionControl admission, QueryMetrics metrics, int maxLimit,
                   Duration maxWindow) {
    }

    @Bean
    RouterFunction<ServerResponse> volumeRouter(WebClient nodeWebClient, ShardCatalog catalog,
                                                CoordinatorProperties coordinator, ReplicaBreakers breakers,
                                                QueryMetrics metrics, AdmissionControl admission, ApiProperties api) {
        NodeVolumes volumes = new NodeVolumes(nodeWebClient, catalog, coordinator, breakers, metrics, MAX_GROUPS);
        Volumes v = new Volumes(volumes, admission, metrics, coordinator.maxLimit(), api.maxQueryWindow());
        return RouterFunctions.route().POST("/api/query/volume", request -> volume(request, v)).build();
    }

    static Mono<ServerResponse> volume(ServerRequest request, Volumes v) {
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .map(body -> VolumeRequestParser.parse(body, v.maxLimit(), v.maxWindow()))
                .flatMap(parsed -> {
                    if (parsed instanceof VolumeRequestParser.Invalid invalid) {
                        v.metrics().badRequest();
                        return problem(HttpStatus.BAD_REQUEST, BadRequestProblems.of(invalid.problems()));
                    }
                    VolumeRequestParser.Valid valid = (VolumeRequestParser.Valid) parsed;
                    return v.admission().acquire()
                            .flatMap(permit -> count(valid, v).doFinally(signal -> permit.release()))
                            .onErrorResume(OverloadedException.class, e -> {
                                v.metrics().rejected();
                                return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS)
                                        .header(HttpHeaders.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS))
                                        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                                        .bodyValue(ServiceProblems.overloaded(e.getMessage(), RETRY_AFTER_SECONDS));
                            });
                })
                .onErrorResume(DataBufferLimitException.class, e -> {
                    v.metrics().badRequest();
                    return problem(HttpStatus.CONTENT_TOO_LARGE,
                            BadRequestProblems.tooLarge("body", "body is too large for a query"));
                });
    }

    private static Mono<ServerResponse> count(VolumeRequestParser.Valid valid, Volumes v) {
        long started = System.nanoTime();
        long stepMicros = valid.step().toSeconds() * 1_000_000L;
        // bucket k of the nodes holds (origin + (k - 1) * step, origin + k * step]; with origin one microsecond
        // before the end of the first bucket, that is [first + k * step, first + (k + 1) * step)
        long origin = NodeVolumes.micros(valid.first()) + stepMicros - 1;
        NodeVolumes.Request request = new NodeVolumes.Request(valid.query(), origin, stepMicros,
                List.of(NodeVolumes.LEVEL));
        return v.volumes().run(request)
                .flatMap(answer -> {
                    List<ShardFailure> failed = answer.failures();
                    v.metrics().executed(Duration.ofNanos(System.nanoTime() - started));
                    if (!failed.isEmpty() && !valid.allowPartial()) {
                        v.metrics().refusedPartial();
                        return problem(HttpStatus.SERVICE_UNAVAILABLE, ServiceProblems.partialRefused(failed));
                    }
                    v.metrics().answered(!failed.isEmpty());
                    long tookMs = (System.nanoTime() - started) / 1_000_000;
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(answer(valid, answer.sums(), failed, answer.shardsQueried(), tookMs));
                })
                .onErrorResume(LokiBadRequest.class, e -> {
                    v.metrics().badRequest();
                    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
                    p.setTitle(BadRequestProblems.TITLE);
                    return problem(HttpStatus.BAD_REQUEST, p);
                })
                .doOnError(e -> v.metrics().answerFailed());
    }

    /** The answer's document: every bucket of the window, oldest first, with its counts by level. */
    static Map<String, Object> answer(VolumeRequestParser.Valid valid, Map<NodeVolumes.Key, long[]> sums,
                                      List<ShardFailure> failed, int queried, long tookMs) {
        int n = valid.buckets();
        LogLevel[] levels = LogLevel.values();
        long[][] counts = new long[n][levels.length];
        for (Map.Entry<NodeVolumes.Key, long[]> e : sums.entrySet()) {
            String level = e.getKey().labels().get("level");
            LogLevel l = level == null ? LogLevel.UNKNOWN : LogLevel.valueOf(level.toUpperCase(Locale.ROOT));
            // every counted line lies in the window, hence in a bucket; clamped all the same, so no line is lost
            int b = (int) Math.max(0, Math.min(n - 1, e.getKey().bucket()));
            counts[b][l.ordinal()] += e.getValue()[0];
        }
        List<Map<String, Object>> buckets = new ArrayList<>(n);
        long[] byLevel = new long[levels.length];
        long total = 0;
        for (int b = 0; b < n; b++) {
            Map<String, Long> c = new LinkedHashMap<>();
            long sum = 0;
            for (LogLevel l : levels) {
                long x = counts[b][l.ordinal()];
                if (x > 0) {
                    c.put(l.name(), x);
                    sum += x;
                    byLevel[l.ordinal()] += x;
                }
            }
            total += sum;
            Map<String, Object> bucket = new LinkedHashMap<>();
            bucket.put("time", Rfc3339.format(valid.first().plus(valid.step().multipliedBy(b))));
            bucket.put("total", sum);
            bucket.put("counts", c);
            buckets.add(bucket);
        }
        Map<String, Long> levelTotals = new LinkedHashMap<>();
        for (LogLevel l : levels) {
            if (byLevel[l.ordinal()] > 0) {
                levelTotals.put(l.name(), byLevel[l.ordinal()]);
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("startTime", Rfc3339.format(valid.query().startTime()));
        doc.put("endTime", Rfc3339.format(valid.query().endTime()));
        doc.put("step", valid.step().toSeconds());
        doc.put("buckets", buckets);
        doc.put("levels", levelTotals);
        doc.put("total", total);
        doc.put("partial", !failed.isEmpty());
        doc.put("failedPartitions", failed.stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("partition", f.partition());
            m.put("reason", f.reason());
            return m;
        }).toList());
        doc.put("partitionsQueried", queried);
        doc.put("tookMs", tookMs);
        return doc;
    }

    private static Mono<ServerResponse> problem(HttpStatus status, ProblemDetail body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(body);
    }
}
