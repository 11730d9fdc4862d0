package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.loki.LogQlAst.Expr;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import java.time.Duration;
import java.util.List;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET|POST /loki/api/v1/query_range} and {@code /loki/api/v1/query}. */
final class QueryHandler {

    private final LokiContext context;
    /** Counts on the nodes; null: every metric query from rows. */
    private final NodeVolumes volumes;

    QueryHandler(LokiContext context) {
        this(context, null);
    }

    QueryHandler(LokiContext context, NodeVolumes volumes) {
        this.context = context;
        this.volumes = volumes;
    }

    /** A request's parameters and its parsed query. */
    private record Parsed<R>(R request, Expr expr) {
    }

    Mono<ServerResponse> range(ServerRequest request) {
        return context.handle(request, params -> {
            LokiParams.RangeRequest r = LokiParams.range(params, context.clock().instant(), context.maxLimit(),
                    context.maxWindow());
            return new Parsed<>(r, LogQl.parse(r.query()));
        }, parsed -> {
            LokiParams.RangeRequest r = parsed.request();
            long started = System.nanoTime();
            return context.admitted(() -> {
                if (parsed.expr() instanceof LogExpr log) {
                    return LogQueries.run(context.search(), log, r.start(), r.end(), r.limit(), r.forward(),
                                    context.props(), context.maxLimit())
                            .flatMap(result -> streams(result, started));
                }
                MetricQueries.Steps steps = MetricQueries.Steps.of(r.start(), r.end(), r.step());
                return metric((MetricExpr) parsed.expr(), steps, false).flatMap(result -> {
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
        return context.handle(request, params -> {
            LokiParams.InstantRequest r = LokiParams.instant(params, context.clock().instant(), context.maxLimit());
            Expr expr = LogQl.parse(r.query());
            if (expr instanceof LogExpr) {
                throw new LokiBadRequest("log queries are not supported as an instant query type, please change"
                        + " your query to a range query type");
            }
            return new Parsed<>(r, expr);
        }, parsed -> {
            long started = System.nanoTime();
            long nanos = MetricQueries.epochNanos(parsed.request().time());
            return context.admitted(() -> metric((MetricExpr) parsed.expr(),
                    MetricQueries.Steps.instant(parsed.request().time()), true).flatMap(result -> {
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
            return NodeMetrics.run(volumes, plan, steps, instant, context.props());
        }
        return MetricQueries.run(context.search(), expr, steps, context.props(), context.maxLimit());
    }

    private Mono<ServerResponse> streams(LogQueries.Result result, long started) {
        answered(List.of(result.stats()));
        LokiJson.Summary summary = summary(List.of(result.stats()), result.entries(), started);
        return LokiRequests.json(LokiJson.streams(result.streams(), summary, result.warnings()));
    }

    private void answered(List<RowScan.Stats> scans) {
        context.metrics().answered(scans.stream().anyMatch(RowScan.Stats::partial));
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
