package dev.logquery.coordinator.loki;

import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.search.QueryMetrics;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code index/volume}, {@code index/volume_range} and {@code index/stats}, all from counts made on the nodes
 * ({@link NodeVolumes}): no row is shipped. The selector's matchers that the nodes can filter on are pushed
 * (equality on service, namespace and pod; level sets); the others are applied here to the counted groups, which
 * are grouped by every column a matcher or a target label needs, so the answers are exact.
 *
 * <p>As Loki: volumes are bytes of log lines; {@code aggregateBy=series} (default) names a result by the
 * {@code targetLabels}, or by the selector's label names when there are none, and a stream that lacks a target
 * label is left out; {@code aggregateBy=labels} names it by one label name with an empty value
 * ({@code {"pod": ""}}); {@code limit} (default 100) keeps the largest volumes of each bucket, ties broken by name,
 * results sorted by their first value, largest first. An instant volume is stamped at {@code end}; a
 * {@code volume_range} point at {@code t = start + k * step} holds the lines of {@code (t - step, t]}, as the
 * metric queries' points do. {@code index/stats} answers {@code {"streams", "chunks", "bytes", "entries"}} over
 * {@code [start, end]}: {@code chunks} are the nodes' hour chunks that were read.
 *
 * <p>Attribute labels: an equality on one is pushed (nodes filter it); a volume that needs others (other matchers or
 * target labels on attributes, {@code aggregateBy=labels} without targets) and {@code index/stats} (streams differ
 * by their attributes) are counted from rows when the window may hold attributes ({@link NodeVolumes}).
 */
final class IndexHandler {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    static final int DEFAULT_VOLUME_LIMIT = 100;

    private final NodeVolumes volumes;
    private final AdmissionControl admission;
    private final QueryMetrics metrics;
    private final Duration maxWindow;
    private final Clock clock;

    IndexHandler(NodeVolumes volumes, AdmissionControl admission, QueryMetrics metrics, Duration maxWindow, Clock clock) {
        this.volumes = volumes;
        this.admission = admission;
        this.metrics = metrics;
        this.maxWindow = maxWindow;
        this.clock = clock;
    }

    /** A parsed volume request. */
    record VolumeRequest(List<Matcher> selector, Instant start, Instant end, Duration step, int limit,
                         List<String> targetLabels, boolean bySeries) {
    }

    Mono<ServerResponse> volume(ServerRequest request) {
        return volume(request, false);
    }

    Mono<ServerResponse> volumeRange(ServerRequest request) {
        return volume(request, true);
    }

    private Mono<ServerResponse> volume(ServerRequest request, boolean range) {
        return LokiRequests.params(request).flatMap(params -> {
            VolumeRequest r;
            try {
                r = parse(params, range);
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            long started = System.nanoTime();
            return LokiRequests.admitted(admission, metrics, () -> runVolume(r, range).flatMap(body ->
                    LokiRequests.json(body)).doOnSuccess(x -> metrics.executed(Duration.ofNanos(System.nanoTime() - started))));
        });
    }

    VolumeRequest parse(Map<String, List<String>> params, boolean range) {
        Instant[] bounds = LokiParams.bounds(params, clock.instant(), LokiParams.DEFAULT_SINCE);
        Instant start = bounds[0];
        Instant end = bounds[1];
        if (!end.isAfter(start)) {
            throw new LokiBadRequest("end timestamp must not be before or equal to start time");
        }
        if (maxWindow != null && Duration.between(start, end).compareTo(maxWindow) > 0) {
            throw new LokiBadRequest("the query time range exceeds the limit (query length: "
                    + Duration.between(start, end) + ", limit: " + maxWindow + ")");
        }
        String q = LokiParams.first(params, "query");
        if (q == null || q.isBlank()) {
            throw new LokiBadRequest("parse error : syntax error: unexpected $end, expecting {");
        }
        List<Matcher> selector = LogQl.parseSelector(q);
        int limit = DEFAULT_VOLUME_LIMIT;
        String l = LokiParams.first(params, "limit");
        if (l != null && !l.isEmpty()) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                throw new LokiBadRequest("strconv.Atoi: parsing \"" + l + "\": invalid syntax");
            }
            if (limit <= 0) {
                throw new LokiBadRequest("limit must be a positive value");
            }
        }
        List<String> targets = new ArrayList<>();
        String t = LokiParams.first(params, "targetLabels");
        if (t != null && !t.isBlank()) {
            for (String name : t.split(",")) {
                if (!name.isBlank()) {
                    targets.add(canonical(name.strip()));
                }
            }
        }
        String aggregateBy = LokiParams.first(params, "aggregateBy");
        boolean bySeries = aggregateBy == null || aggregateBy.isEmpty() || aggregateBy.equals("series");
        if (!bySeries && !aggregateBy.equals("labels")) {
            throw new LokiBadRequest("invalid aggregation option");
        }
        Duration step = null;
        if (range) {
            String s = LokiParams.first(params, "step");
            step = s == null || s.isEmpty() ? Duration.ofSeconds(Math.max(Duration.between(start, end).toSeconds() / 250, 1))
                    : LokiParams.secondsOrDuration(s);
            if (step.isZero() || step.isNegative()) {
                throw new LokiBadRequest("zero or negative query resolution step widths are not accepted. Try a positive integer");
            }
            if (Duration.between(start, end).dividedBy(step) > LokiParams.MAX_POINTS) {
                throw new LokiBadRequest("exceeded maximum resolution of 11,000 points per time series. Try increasing"
                        + " the value of the step parameter");
            }
            if (start.getNano() % 1_000 != 0 || step.getNano() % 1_000 != 0) {
                throw new LokiBadRequest("start and step of a volume range must be whole microseconds");
            }
        }
        return new VolumeRequest(selector, start, end, step, limit, targets, bySeries);
    }

    /** {@code service} and {@code app} are {@code service_name}, as in selectors. */
    static String canonical(String label) {
        return label.equals("service") || label.equals("app") ? LogQl.SERVICE_NAME : label;
    }

    /** The node columns the selector and the target labels need. */
    static List<String> columns(List<Matcher> selector, List<String> targets, boolean all) {
        if (all) {
            return NodeVolumes.ALL_COLUMNS;
        }
        Set<String> columns = new LinkedHashSet<>();
        for (Matcher m : selector) {
            String c = NodeVolumes.column(m.label());
            if (c != null) {
                columns.add(c);
            }
        }
        for (String name : targets) {
            String c = NodeVolumes.column(name);
            if (c != null) {
                columns.add(c);
            }
        }
        return List.copyOf(columns);
    }

    Mono<byte[]> runVolume(VolumeRequest r, boolean range) {
        Pushdown push = Pushdown.of(r.selector());
        // aggregateBy=labels without targets names every label a stream has: count by every column
        List<String> columns = columns(r.selector(), r.targetLabels(), !r.bySeries() && r.targetLabels().isEmpty());
        MetricQueries.Steps steps = range ? MetricQueries.Steps.of(r.start(), r.end(), r.step()) : null;
        if (push.none()) {
            return Mono.just(range ? LokiJson.matrix(List.of(), steps, summary(0, 0, 0), List.of())
                    : LokiJson.vector(List.of(), MetricQueries.epochNanos(r.end()), summary(0, 0, 0), List.of()));
        }
        NodeVolumes.Request request;
        if (range) {
            Instant first = r.start().minus(r.step()).plusNanos(1_000);
            Instant last = r.start().plus(r.step().multipliedBy(steps.points() - 1));
            request = new NodeVolumes.Request(push.query(first, last, 1), NodeVolumes.micros(r.start()),
                    r.step().toNanos() / 1_000, columns, attributeLabels(r, push));
        } else {
            request = new NodeVolumes.Request(push.query(r.start(), r.end(), 1), 0, 0, columns, attributeLabels(r, push));
        }
        return volumes.run(request).map(answer -> {
            metrics.answered(!answer.failures().isEmpty());
            // series name -> bucket -> bytes
            Map<SortedMap<String, String>, Map<Long, Long>> named = new HashMap<>();
            answer.sums().forEach((key, sums) -> {
                SortedMap<String, String> labels = key.labels();
                if (!LinePipeline.selects(r.selector(), labels)) {
                    return;
                }
                for (SortedMap<String, String> name : names(r, labels)) {
                    named.computeIfAbsent(name, k -> new HashMap<>()).merge(key.bucket(), sums[1], Long::sum);
                }
            });
            List<MetricQueries.Series> series = limit(named, r.limit(), range ? steps.points() : 1);
            LokiJson.Summary summary = summary(answer.count(), answer.bytes(), answer.shardsQueried());
            return range ? LokiJson.matrix(series, steps, summary, answer.warnings())
                    : LokiJson.vector(series, MetricQueries.epochNanos(r.end()), summary, answer.warnings());
        });
    }

    /**
     * Whether a volume needs attribute labels that the selector does not push: a matcher or a target label naming
     * one, or {@code aggregateBy=labels} without target labels (every label a stream has).
     */
    static boolean attributeLabels(VolumeRequest r, Pushdown push) {
        if (!r.bySeries() && r.targetLabels().isEmpty()) {
            return true;
        }
        for (Matcher m : r.selector()) {
            if (unpushedAttribute(m.label(), push)) {
                return true;
            }
        }
        for (String t : r.targetLabels()) {
            if (unpushedAttribute(t, push)) {
                return true;
            }
        }
        return false;
    }

    private static boolean unpushedAttribute(String label, Pushdown push) {
        return !LinePipeline.isOwn(label) && (push.attributes() == null || !push.attributes().containsKey(label));
    }

    /** The results a stream's volume counts in. */
    private static List<SortedMap<String, String>> names(VolumeRequest r, SortedMap<String, String> labels) {
        if (r.bySeries()) {
            List<String> by = r.targetLabels();
            if (by.isEmpty()) {
                by = r.selector().stream().map(Matcher::label).distinct().toList();
            }
            TreeMap<String, String> name = new TreeMap<>();
            for (String label : by) {
                String v = labels.get(label);
                if (v == null) {
                    if (!r.targetLabels().isEmpty()) {
                        return List.of(); // a stream without a target label is left out
                    }
                    continue;
                }
                name.put(label, v);
            }
            return List.of(Collections.unmodifiableSortedMap(name));
        }
        List<SortedMap<String, String>> out = new ArrayList<>();
        Set<String> names = r.targetLabels().isEmpty() ? labels.keySet() : new HashSet<>(r.targetLabels());
        for (String name : names) {
            if (labels.containsKey(name)) {
                out.add(Collections.unmodifiableSortedMap(new TreeMap<>(Map.of(name, ""))));
            }
        }
        return out;
    }

    /** Per bucket the {@code limit} largest volumes (ties by name); series sorted by their first value, largest first. */
    static List<MetricQueries.Series> limit(Map<SortedMap<String, String>, Map<Long, Long>> named, int limit, int points) {
        Map<Long, List<SortedMap<String, String>>> byBucket = new TreeMap<>();
        named.forEach((name, buckets) -> buckets.keySet().forEach(b -> byBucket.computeIfAbsent(b, k -> new ArrayList<>()).add(name)));
        Map<SortedMap<String, String>, double[]> values = new HashMap<>();
        Map<SortedMap<String, String>, boolean[]> present = new HashMap<>();
        byBucket.forEach((bucket, names) -> {
            if (bucket < 0 || bucket >= points) {
                return;
            }
            names.sort((a, b) -> {
                int c = Long.compare(named.get(b).get(bucket), named.get(a).get(bucket));
                return c != 0 ? c : MetricQueries.render(a).compareTo(MetricQueries.render(b));
            });
            for (SortedMap<String, String> name : names.subList(0, Math.min(limit, names.size()))) {
                values.computeIfAbsent(name, k -> new double[points])[(int) (long) bucket] = named.get(name).get(bucket);
                present.computeIfAbsent(name, k -> new boolean[points])[(int) (long) bucket] = true;
            }
        });
        List<MetricQueries.Series> out = new ArrayList<>();
        values.forEach((name, v) -> out.add(new MetricQueries.Series(name, v, present.get(name))));
        out.sort((a, b) -> {
            int c = Double.compare(first(b), first(a));
            return c != 0 ? c : MetricQueries.render(a.labels()).compareTo(MetricQueries.render(b.labels()));
        });
        return out;
    }

    private static double first(MetricQueries.Series s) {
        for (int k = 0; k < s.present().length; k++) {
            if (s.present()[k]) {
                return s.values()[k];
            }
        }
        return 0;
    }

    Mono<ServerResponse> stats(ServerRequest request) {
        return LokiRequests.params(request).flatMap(params -> {
            LokiParams.MetadataRequest r;
            List<Matcher> selector;
            try {
                r = LokiParams.metadata(params, clock.instant(), LokiParams.DEFAULT_SINCE, maxWindow);
                if (r.query() == null) {
                    throw new LokiBadRequest("parse error : syntax error: unexpected $end, expecting {");
                }
                selector = LogQl.parseSelector(r.query());
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            return LokiRequests.admitted(admission, metrics, () -> runStats(selector, r.start(), r.end())
                    .flatMap(LokiRequests::json));
        });
    }

    Mono<byte[]> runStats(List<Matcher> selector, Instant start, Instant end) {
        Pushdown push = Pushdown.of(selector);
        if (push.none()) {
            return Mono.just(stats(0, 0, 0, 0, List.of()));
        }
        List<String> columns = NodeVolumes.ALL_COLUMNS;
        // streams are told apart by their attributes too
        return volumes.run(new NodeVolumes.Request(push.query(start, end, 1), 0, 0, columns, true)).map(answer -> {
            metrics.answered(!answer.failures().isEmpty());
            Set<SortedMap<String, String>> streams = new HashSet<>();
            long entries = 0;
            long bytes = 0;
            for (Map.Entry<NodeVolumes.Key, long[]> e : answer.sums().entrySet()) {
                SortedMap<String, String> labels = e.getKey().labels();
                if (LinePipeline.selects(selector, labels)) {
                    streams.add(labels);
                    entries += e.getValue()[0];
                    bytes += e.getValue()[1];
                }
            }
            return stats(streams.size(), answer.chunksScanned(), bytes, entries, answer.warnings());
        });
    }

    /** {@code {"streams","chunks","bytes","entries"}}, with a top-level {@code "warnings"} when there are any. */
    static byte[] stats(long streams, long chunks, long bytes, long entries, List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            LokiJson.warnings(g, warnings);
            g.writeNumberProperty("streams", streams);
            g.writeNumberProperty("chunks", chunks);
            g.writeNumberProperty("bytes", bytes);
            g.writeNumberProperty("entries", entries);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static LokiJson.Summary summary(long lines, long bytes, int shards) {
        return new LokiJson.Summary(lines, bytes, 0, lines, 1, shards, Duration.ZERO);
    }
}
