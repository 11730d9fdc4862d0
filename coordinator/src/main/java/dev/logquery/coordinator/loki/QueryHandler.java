package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.loki.LogQlAst.Expr;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET|POST /loki/api/v1/query_range} and {@code /loki/api/v1/query}. */
final class QueryHandler {

    private final SearchService search;
    private final AdmissionControl admission;
    private final QueryMetrics metrics;
    private final LokiProperties props;
    private final int maxLimit;
    private final Duration maxWindow;
    private final Clock clock;
    /** Counts on the nodes; null: every metric query from rows. */
    private final NodeVolumes volumes;

    QueryHandler(SearchService search, AdmissionControl admission, QueryMetrics metrics, LokiProperties props,
                 int maxLimit, Duration maxWindow, Clock clock) {
        this(search, admission, metrics, props, maxLimit, maxWindow, clock, null);
    }

    QueryHandler(SearchService search, AdmissionControl admission, QueryMetrics metrics, LokiProperties props,
                 int maxLimit, Duration maxWindow, Clock clock, NodeVolumes volumes) {
        this.volumes = volumes;
        this.search = search;
        this.admission = admission;
        this.metrics = metrics;
        this.props = props;
        this.maxLimit = maxLimit;
        this.maxWindow = maxWindow;
        this.clock = clock;
    }

    Mono<ServerResponse> range(ServerRequest request) {
        return LokiRequests.params(request).flatMap(params -> {
            LokiParams.RangeRequest r;
            Expr expr;
            try {
                r = LokiParams.range(params, clock.instant(), maxLimit, maxWindow);
                expr = LogQl.parse(r.query());
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            long started = System.nanoTime();
            return LokiRequests.admitted(admission, metrics, () -> {
                if (expr instanceof LogExpr log) {
                    return LogQueries.run(search, log, r.start(), r.end(), r.limit(), r.forward(), props, maxLimit)
                            .flatMap(result -> streams(result, started));
                }
                MetricQueries.Steps steps = MetricQueries.Steps.of(r.start(), r.end(), r.step());
                return metric((MetricExpr) expr, steps, false).flatMap(result -> {
                    LokiJson.Summary summary = summary(result.scans(), 0, started);
                    answered(result.scans());
                    MetricQueries.Value v = result.value();
                    List<MetricQueries.Series> series = v.vector() != null ? v.vector()
                            : List.of(constant(v.scalar().value(), steps.points()));
                    return LokiRequests.json(LokiJson.matrix(series, steps, summary, result.warnings()));
                });
            });
        });
    }

    Mono<ServerResponse> instant(ServerRequest request) {
        return LokiRequests.params(request).flatMap(params -> {
            LokiParams.InstantRequest r;
            Expr expr;
            try {
                r = LokiParams.instant(params, clock.instant(), maxLimit);
                expr = LogQl.parse(r.query());
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            if (expr instanceof LogExpr) {
                return LokiRequests.badRequest(metrics, new LokiBadRequest("log queries are not supported as an instant"
                        + " query type, please change your query to a range query type"));
            }
            long started = System.nanoTime();
            long nanos = MetricQueries.epochNanos(r.time());
            return LokiRequests.admitted(admission, metrics, () -> metric((MetricExpr) expr,
                    MetricQueries.Steps.instant(r.time()), true).flatMap(result -> {
                        LokiJson.Summary summary = summary(result.scans(), 0, started);
                        answered(result.scans());
                        MetricQueries.Value v = result.value();
                        if (v.scalar() != null) {
                            return LokiRequests.json(LokiJson.scalar(v.scalar().value(), nanos, summary));
                        }
                        return LokiRequests.json(LokiJson.vector(v.vector(), nanos, summary, result.warnings()));
                    }));
        });
    }

    /** On the nodes when {@link NodeMetrics} can count it there, else from rows ({@link MetricQueries}). */
    private Mono<MetricQueries.Result> metric(MetricExpr expr, MetricQueries.Steps steps, boolean instant) {
        NodeMetrics.Plan plan = volumes == null ? null : NodeMetrics.plan(expr, steps, instant);
        if (plan != null) {
            return NodeMetrics.run(volumes, plan, steps, instant, props);
        }
        return MetricQueries.run(search, expr, steps, props, maxLimit);
    }

    private Mono<ServerResponse> streams(LogQueries.Result result, long started) {
        answered(List.of(result.stats()));
        LokiJson.Summary summary = summary(List.of(result.stats()), result.entries(), started);
        return LokiRequests.json(LokiJson.streams(result.streams(), summary, result.warnings()));
    }

    private void answered(List<RowScan.Stats> scans) {
        metrics.answered(scans.stream().anyMatch(RowScan.Stats::partial));
    }

    private static MetricQueries.Series constant(double value, int points) {
        double[] values = new double[points];
        boolean[] present = new boolean[points];
        java.util.Arrays.fill(values, value);
        java.util.Arrays.fill(present, true);
        return new MetricQueries.Series(java.util.Collections.emptySortedMap(), values, present);
    }

    private static LokiJson.Summary summary(List<RowScan.Stats> scans, long entries, long started) {
        long lines = 0;
        long bytes = 0;
        long pages = 0;
        int shards = 0;
        for (RowScan.Stats s : scans) {
            lines += s.rows();
            bytes += s.bytes();
            pages += s.pages();
            shards = Math.max(shards, s.partitionsQueried());
        }
        return new LokiJson.Summary(lines, bytes, entries, entries, pages, shards,
                Duration.ofNanos(System.nanoTime() - started));
    }
}
