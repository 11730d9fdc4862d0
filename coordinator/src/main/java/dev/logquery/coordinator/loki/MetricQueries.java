package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.loki.LogQlAst.AggregationOp;
import dev.logquery.coordinator.loki.LogQlAst.Binary;
import dev.logquery.coordinator.loki.LogQlAst.Grouping;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import dev.logquery.coordinator.loki.LogQlAst.NumberLiteral;
import dev.logquery.coordinator.loki.LogQlAst.RangeAggregation;
import dev.logquery.coordinator.loki.LogQlAst.RangeFunction;
import dev.logquery.coordinator.loki.LogQlAst.VectorAggregation;
import dev.logquery.coordinator.loki.LogQlAst.VectorLiteral;
import dev.logquery.coordinator.search.LogSearch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/**
 * Evaluates a metric query at the steps {@code start, start + step, ...} up to {@code end} (one step for an instant
 * query), in the coordinator, from the merged rows of each range aggregation's window (this slice: aggregation on
 * the nodes comes later). A range aggregation at step {@code t} covers the lines with {@code t - range < ts <= t},
 * as in Loki; a series has a point only where at least one line counts. Each line is added to its series once, as a
 * difference array over the steps (O(1) per line, O(steps) per series), and a {@code sum} directly over a range
 * aggregation groups lines as they come, so {@code sum by (level) (count_over_time(...))} holds one series per
 * level whatever the streams. Bounds: {@link LokiProperties#maxMetricRows()} rows read and
 * {@link LokiProperties#maxSeries()} series, beyond which the query is refused (400) naming the bound.
 */
final class MetricQueries {

    /** A series: its labels, and per step a value where {@code present}. */
    record Series(SortedMap<String, String> labels, double[] values, boolean[] present) {
    }

    /** A value per step, no labels: a number literal. */
    record Scalar(double value) {
    }

    /** The result of an expression: a scalar or a vector of series (the other null). */
    record Value(Scalar scalar, List<Series> vector) {
    }

    /** The whole evaluation: the value, what was read, and the warnings. */
    record Result(Value value, List<RowScan.Stats> scans, List<String> warnings) {
    }

    /** Where and how often to evaluate, and the bounds. */
    record Steps(Instant start, Duration step, int points) {
        static Steps of(Instant start, Instant end, Duration step) {
            long points = Duration.between(start, end).dividedBy(step) + 1;
            return new Steps(start, step, (int) points);
        }

        static Steps instant(Instant time) {
            return new Steps(time, Duration.ofSeconds(1), 1);
        }

        long nanos(int k) {
            return epochNanos(start) + k * step.toNanos();
        }
    }

    private final LogSearch search;
    private final LokiProperties props;
    private final int maxLimit;
    private final Steps steps;
    private final List<RowScan.Stats> scans = new CopyOnWriteArrayList<>();

    private MetricQueries(LogSearch search, LokiProperties props, int maxLimit, Steps steps) {
        this.search = search;
        this.props = props;
        this.maxLimit = maxLimit;
        this.steps = steps;
    }

    static Mono<Result> run(LogSearch search, MetricExpr expr, Steps steps, LokiProperties props, int maxLimit) {
        MetricQueries q = new MetricQueries(search, props, maxLimit, steps);
        return q.eval(expr).map(v -> {
            List<String> warnings = new ArrayList<>();
            for (RowScan.Stats s : q.scans) {
                warnings.addAll(Warnings.partial(s));
            }
            return new Result(v, List.copyOf(q.scans), warnings.stream().distinct().toList());
        });
    }

    private Mono<Value> eval(MetricExpr expr) {
        if (expr instanceof NumberLiteral n) {
            return Mono.just(new Value(new Scalar(n.value()), null));
        }
        if (expr instanceof VectorLiteral v) {
            double[] values = new double[steps.points()];
            boolean[] present = new boolean[steps.points()];
            Arrays.fill(values, v.value());
            Arrays.fill(present, true);
            return Mono.just(new Value(null, List.of(new Series(Collections.emptySortedMap(), values, present))));
        }
        if (expr instanceof RangeAggregation r) {
            return range(r, null).map(series -> new Value(null, series));
        }
        if (expr instanceof VectorAggregation a) {
            if (a.op() == AggregationOp.SUM && a.inner() instanceof RangeAggregation r) {
                return range(r, a.grouping()).map(series -> new Value(null, series));
            }
            return eval(a.inner()).map(inner -> new Value(null, aggregate(a, vector(inner))));
        }
        Binary b = (Binary) expr;
        return eval(b.left()).flatMap(left -> eval(b.right()).map(right -> binary(b, left, right)));
    }

    private List<Series> vector(Value v) {
        if (v.vector() != null) {
            return v.vector();
        }
        throw new LokiBadRequest("unexpected scalar where a vector is expected: aggregate a vector expression");
    }

    // ------------------------------------------------------------------------------------------ range aggregation

    /** Per series (or group, with {@code fold}) a count and a byte count, each as a difference array over the steps. */
    private static final class Acc {
        final long[] count;
        final long[] bytes;

        Acc(int points) {
            count = new long[points + 1];
            bytes = new long[points + 1];
        }
    }

    private Mono<List<Series>> range(RangeAggregation r, Grouping fold) {
        Pushdown push = Pushdown.of(r.log());
        if (push.none()) {
            return Mono.just(List.of());
        }
        LinePipeline pipeline = new LinePipeline(r.log());
        RowScan.Stats stats = new RowScan.Stats();
        scans.add(stats);
        long rangeNs = r.range().toNanos();
        long first = steps.nanos(0);
        long stepNs = steps.step().toNanos();
        int points = steps.points();
        Instant from = steps.start().minus(r.range());
        Instant to = Instant.ofEpochSecond(0, steps.nanos(points - 1));
        int pageSize = maxLimit;
        LogQuery query = push.query(from, to, pageSize);
        Map<SortedMap<String, String>, Acc> accs = new HashMap<>();
        return RowScan.rows(search, query, pageSize, props.maxMetricRows() + 1, stats)
                .doOnNext(row -> {
                    if (stats.rows() > props.maxMetricRows()) {
                        throw new LokiBadRequest("the query reads more than " + props.maxMetricRows() + " lines, the"
                                + " bound of a metric query (logquery.coordinator.loki.max-metric-rows): metric queries"
                                + " are computed in the coordinator for now; narrow the stream selector or the time range");
                    }
                    add(row, pipeline, fold, accs, first, stepNs, rangeNs, points);
                })
                .then(Mono.fromSupplier(() -> finish(r.function(), accs, points, r.range())));
    }

    private void add(StoredLogEntry row, LinePipeline pipeline, Grouping fold, Map<SortedMap<String, String>, Acc> accs,
                     long first, long stepNs, long rangeNs, int points) {
        SortedMap<String, String> labels = pipeline.apply(row.entry());
        if (labels == null) {
            return;
        }
        String error = labels.get(LinePipeline.ERROR);
        if (error != null) {
            throw new LokiBadRequest("pipeline error: '" + error + "' for series: '" + render(labels) + "'. Use a label"
                    + " filter to intentionally skip this error. (e.g | __error__!=\"" + error + "\"). To skip all"
                    + " potential errors you can match empty errors.(e.g __error__=\"\")");
        }
        long ts = epochNanos(row.entry().timestamp());
        long lo = Math.max(0, ceilDiv(ts - first, stepNs));
        long hi = Math.min(points - 1L, ceilDiv(ts + rangeNs - first, stepNs) - 1);
        if (lo > hi) {
            return;
        }
        SortedMap<String, String> key = fold == null ? labels : group(labels, fold);
        Acc acc = accs.get(key);
        if (acc == null) {
            if (accs.size() >= props.maxSeries()) {
                throw tooManySeries();
            }
            acc = new Acc(points);
            accs.put(key, acc);
        }
        long size = utf8Length(row.entry().message());
        acc.count[(int) lo]++;
        acc.count[(int) hi + 1]--;
        acc.bytes[(int) lo] += size;
        acc.bytes[(int) hi + 1] -= size;
    }

    private LokiBadRequest tooManySeries() {
        return new LokiBadRequest("maximum of series (" + props.maxSeries() + ") reached for a single query"
                + " (logquery.coordinator.loki.max-series)");
    }

    private static List<Series> finish(RangeFunction function, Map<SortedMap<String, String>, Acc> accs, int points,
                                       Duration range) {
        double rangeSeconds = range.toNanos() / 1e9;
        List<Series> out = new ArrayList<>(accs.size());
        accs.forEach((labels, acc) -> {
            double[] values = new double[points];
            boolean[] present = new boolean[points];
            long count = 0;
            long bytes = 0;
            for (int k = 0; k < points; k++) {
                count += acc.count[k];
                bytes += acc.bytes[k];
                present[k] = count > 0;
                values[k] = switch (function) {
                    case COUNT_OVER_TIME -> count;
                    case RATE -> count / rangeSeconds;
                    case BYTES_OVER_TIME -> bytes;
                    case BYTES_RATE -> bytes / rangeSeconds;
                };
            }
            out.add(new Series(Collections.unmodifiableSortedMap(labels), values, present));
        });
        out.sort(BY_LABELS);
        return out;
    }

    // ------------------------------------------------------------------------------------------ aggregation, binary

    private List<Series> aggregate(VectorAggregation a, List<Series> inner) {
        int points = steps.points();
        Map<SortedMap<String, String>, double[][]> groups = new LinkedHashMap<>(); // sum, count, min, max
        for (Series s : inner) {
            double[][] g = groups.computeIfAbsent(group(s.labels(), a.grouping()), k -> {
                double[][] init = new double[4][points];
                Arrays.fill(init[2], Double.POSITIVE_INFINITY);
                Arrays.fill(init[3], Double.NEGATIVE_INFINITY);
                return init;
            });
            if (groups.size() > props.maxSeries()) {
                throw tooManySeries();
            }
            for (int k = 0; k < points; k++) {
                if (s.present()[k]) {
                    double v = s.values()[k];
                    g[0][k] += v;
                    g[1][k] += 1;
                    g[2][k] = Math.min(g[2][k], v);
                    g[3][k] = Math.max(g[3][k], v);
                }
            }
        }
        List<Series> out = new ArrayList<>(groups.size());
        groups.forEach((labels, g) -> {
            double[] values = new double[points];
            boolean[] present = new boolean[points];
            for (int k = 0; k < points; k++) {
                present[k] = g[1][k] > 0;
                values[k] = switch (a.op()) {
                    case SUM -> g[0][k];
                    case COUNT -> g[1][k];
                    case MIN -> g[2][k];
                    case MAX -> g[3][k];
                    case AVG -> g[0][k] / g[1][k];
                };
            }
            out.add(new Series(labels, values, present));
        });
        out.sort(BY_LABELS);
        return out;
    }

    private Value binary(Binary b, Value left, Value right) {
        if (left.scalar() != null && right.scalar() != null) {
            return new Value(new Scalar(b.op().apply(left.scalar().value(), right.scalar().value())), null);
        }
        int points = steps.points();
        List<Series> out = new ArrayList<>();
        if (left.scalar() != null || right.scalar() != null) {
            boolean scalarLeft = left.scalar() != null;
            double scalar = scalarLeft ? left.scalar().value() : right.scalar().value();
            for (Series s : scalarLeft ? right.vector() : left.vector()) {
                double[] values = new double[points];
                for (int k = 0; k < points; k++) {
                    values[k] = scalarLeft ? b.op().apply(scalar, s.values()[k]) : b.op().apply(s.values()[k], scalar);
                }
                out.add(new Series(s.labels(), values, s.present().clone()));
            }
            return new Value(null, out);
        }
        Map<SortedMap<String, String>, Series> rights = new HashMap<>();
        for (Series r : right.vector()) {
            rights.put(r.labels(), r);
        }
        for (Series l : left.vector()) {
            Series r = rights.get(l.labels());
            if (r == null) {
                continue;
            }
            double[] values = new double[points];
            boolean[] present = new boolean[points];
            for (int k = 0; k < points; k++) {
                present[k] = l.present()[k] && r.present()[k];
                values[k] = b.op().apply(l.values()[k], r.values()[k]);
            }
            out.add(new Series(l.labels(), values, present));
        }
        return new Value(null, out);
    }

    // ------------------------------------------------------------------------------------------ helpers

    static SortedMap<String, String> group(SortedMap<String, String> labels, Grouping grouping) {
        TreeMap<String, String> out = new TreeMap<>();
        if (grouping.without()) {
            out.putAll(labels);
            grouping.labels().forEach(out::remove);
        } else {
            for (String name : grouping.labels()) {
                String v = labels.get(name);
                if (v != null && !v.isEmpty()) {
                    out.put(name, v);
                }
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    static final java.util.Comparator<Series> BY_LABELS = (a, b) -> render(a.labels()).compareTo(render(b.labels()));

    /** {@code {a="1", b="2"}}, as Loki prints a label set. */
    static String render(Map<String, String> labels) {
        StringBuilder b = new StringBuilder("{");
        labels.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        });
        return b.append('}').toString();
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
