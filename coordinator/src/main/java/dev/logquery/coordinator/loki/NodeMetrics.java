package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.loki.LogQlAst.AggregationOp;
import dev.logquery.coordinator.loki.LogQlAst.Grouping;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import dev.logquery.coordinator.loki.LogQlAst.RangeAggregation;
import dev.logquery.coordinator.loki.LogQlAst.VectorAggregation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import reactor.core.publisher.Mono;

/**
 * Metric queries the nodes can count alone ({@link NodeVolumes}: {@code GROUP BY} bucket and stream columns),
 * instead of shipping rows to {@link MetricQueries}: {@code count_over_time}, {@code rate}, {@code bytes_over_time}
 * and {@code bytes_rate} of a selector without pipeline stages whose matchers the nodes filter exactly (equality on
 * service, namespace and pod; level matchers), alone or in a {@code sum [by|without (...)]}, when each point's
 * range is exactly one bucket: a range query whose range equals its step (point {@code t} counts
 * {@code (t - step, t]}), or an instant query (one bucket, {@code (time - range, time]}); start and step on whole
 * microseconds. Anything else returns null from {@link #plan} and is evaluated from rows as before. Series named by
 * attribute labels are counted from rows unless the window holds no attributes ({@link NodeVolumes}).
 */
final class NodeMetrics {

    /**
     * What to ask the nodes and how to make series of the answer; {@code attributeLabels} when the series are named
     * by attribute labels that the query does not push (no {@code sum}, {@code sum without}, {@code sum by} an
     * attribute): then {@link NodeVolumes} counts on the nodes only where no line has attributes, else from rows.
     */
    record Plan(RangeAggregation range, Grouping grouping, Pushdown push, List<String> columns, boolean attributeLabels) {
    }

    private NodeMetrics() {
    }

    static Plan plan(MetricExpr expr, MetricQueries.Steps steps, boolean instant) {
        RangeAggregation r;
        Grouping grouping = null;
        if (expr instanceof RangeAggregation ra) {
            r = ra;
        } else if (expr instanceof VectorAggregation a && a.op() == AggregationOp.SUM
                && a.inner() instanceof RangeAggregation ra) {
            r = ra;
            grouping = a.grouping();
        } else {
            return null;
        }
        Pushdown push = Pushdown.of(r.log());
        if (!push.exact() || push.none() || r.range().getNano() % 1_000 != 0 || steps.start().getNano() % 1_000 != 0) {
            return null;
        }
        if (!instant && (!r.range().equals(steps.step()) || steps.step().getNano() % 1_000 != 0)) {
            return null;
        }
        return new Plan(r, grouping, push, columns(grouping), attributeLabels(grouping, push));
    }

    /** Whether series grouped by {@code grouping} are named by attribute labels other than those {@code push} pushes. */
    static boolean attributeLabels(Grouping grouping, Pushdown push) {
        if (grouping == null || grouping.without()) {
            return true;
        }
        for (String label : grouping.labels()) {
            if (!LinePipeline.isOwn(label) && (push.attributes() == null || !push.attributes().containsKey(label))) {
                return true;
            }
        }
        return false;
    }

    /** The node columns the output labels need: those named by a {@code by}, else all. */
    static List<String> columns(Grouping grouping) {
        if (grouping == null || grouping.without()) {
            return NodeVolumes.ALL_COLUMNS;
        }
        Set<String> columns = new LinkedHashSet<>();
        for (String label : grouping.labels()) {
            String c = NodeVolumes.column(label);
            if (c != null) {
                columns.add(c);
            }
        }
        return List.copyOf(columns);
    }

    static Mono<MetricQueries.Result> run(NodeVolumes volumes, Plan plan, MetricQueries.Steps steps, boolean instant,
                                          LokiProperties props) {
        Duration bucket = instant ? plan.range().range() : steps.step();
        Instant origin = steps.start();
        Instant first = origin.minus(bucket).plusNanos(1_000);
        Instant last = origin.plus(steps.step().multipliedBy(steps.points() - 1));
        NodeVolumes.Request request = new NodeVolumes.Request(plan.push().query(first, last, 1),
                NodeVolumes.micros(origin), bucket.toNanos() / 1_000, plan.columns(), plan.attributeLabels());
        int points = steps.points();
        double rangeSeconds = plan.range().range().toNanos() / 1e9;
        return volumes.run(request).map(answer -> {
            Map<SortedMap<String, String>, double[]> values = new LinkedHashMap<>();
            Map<SortedMap<String, String>, boolean[]> present = new LinkedHashMap<>();
            answer.sums().forEach((key, sums) -> {
                long b = key.bucket();
                if (b < 0 || b >= points) {
                    return;
                }
                SortedMap<String, String> labels = key.labels();
                if (plan.grouping() != null) {
                    labels = MetricQueries.group(labels, plan.grouping());
                }
                double v = switch (plan.range().function()) {
                    case COUNT_OVER_TIME, RATE -> sums[0];
                    case BYTES_OVER_TIME, BYTES_RATE -> sums[1];
                };
                values.computeIfAbsent(labels, k -> new double[points])[(int) b] += v;
                present.computeIfAbsent(labels, k -> new boolean[points])[(int) b] = true;
                if (values.size() > props.maxSeries()) {
                    throw new LokiBadRequest("maximum of series (" + props.maxSeries() + ") reached for a single query"
                            + " (logquery.coordinator.loki.max-series)");
                }
            });
            List<MetricQueries.Series> series = new ArrayList<>(values.size());
            boolean perSecond = plan.range().function() == LogQlAst.RangeFunction.RATE
                    || plan.range().function() == LogQlAst.RangeFunction.BYTES_RATE;
            if (perSecond) { // divided once the counts are summed, as MetricQueries does
                values.values().forEach(v -> {
                    for (int k = 0; k < v.length; k++) {
                        v[k] /= rangeSeconds;
                    }
                });
            }
            values.forEach((labels, v) -> series.add(new MetricQueries.Series(Collections.unmodifiableSortedMap(labels),
                    v, present.get(labels))));
            series.sort(MetricQueries.BY_LABELS);
            RowScan.Stats counted = RowScan.Stats.counted(answer.count(), answer.bytes(), answer.shardsQueried(),
                    answer.failures());
            return new MetricQueries.Result(new MetricQueries.Value(null, series), List.of(counted), answer.warnings());
        });
    }
}
