package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.loki.LogQlAst.Expr;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code detected_labels} and {@code detected_fields}, for Grafana's Logs Drilldown.
 *
 * <p>{@code detected_labels}: {@code {"detectedLabels": [{"label": "pod", "cardinality": 12}, ...]}}, the stream
 * labels of the lines the selector ({@code query}, optional) picks over the window, with their exact number of
 * values, counted on the nodes ({@link NodeVolumes}, grouped by every stream column). Attribute labels are stream
 * labels too: their cardinalities are those of the newest {@link LokiProperties#labelSampleRows()} lines (a sample,
 * as for {@code labels}), unless the selector has a matcher on an attribute that is not an equality, when every
 * label is counted from rows ({@link NodeVolumes}). {@code service_name} is left
 * out, as Loki does, and so is {@code detected_level} (the same values as {@code level}).
 *
 * <p>{@code detected_fields}: {@code {"fields": [{"label": "status", "type": "int", "cardinality": 4,
 * "parsers": ["json"]}, ...], "limit": 1000}}, the fields that {@code | json} and {@code | logfmt} find in the newest
 * {@link LokiProperties#labelSampleRows()} lines that the query (a log query, its pipeline applied) selects; a
 * field's type is the narrowest of {@code int}, {@code float}, {@code boolean}, {@code duration}, {@code bytes}
 * and {@code string} that all its sampled values parse as, and its cardinality the distinct values sampled (so
 * both are of the sample, not of the whole window). At most {@code limit} (default 1000) fields, the most frequent
 * first.
 */
final class DetectedHandler {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    static final int DEFAULT_FIELDS_LIMIT = 1000;
    /** Distinct values remembered per field: beyond them the cardinality is a lower bound. */
    static final int MAX_VALUES_PER_FIELD = 10_000;

    private final LokiContext context;
    private final NodeVolumes volumes;

    DetectedHandler(LokiContext context, NodeVolumes volumes) {
        this.context = context;
        this.volumes = volumes;
    }

    /** A {@code detected_labels} request and its selector (none: every stream). */
    private record LabelsRequest(LokiParams.MetadataRequest request, List<Matcher> selector) {
    }

    Mono<ServerResponse> labels(ServerRequest request) {
        return context.handle(request, params -> {
            LokiParams.MetadataRequest r = context.metadata(params);
            return new LabelsRequest(r, r.query() == null ? List.of() : selectorOf(r.query()));
        }, r -> {
            Pushdown push = Pushdown.of(r.selector());
            if (push.none()) {
                return LokiRequests.json(detectedLabels(Map.of(), List.of()));
            }
            List<String> columns = NodeVolumes.ALL_COLUMNS;
            // a matcher on an attribute that is not pushed cannot be checked on the nodes' groups: count from rows
            boolean attributeMatchers = r.selector().stream().anyMatch(m -> !LinePipeline.isOwn(m.label())
                    && (push.attributes() == null || !push.attributes().containsKey(m.label())));
            return context.admitted(() -> volumes.run(new NodeVolumes.Request(
                    push.query(r.request().start(), r.request().end(), 1), 0, 0, columns, attributeMatchers))
                    .flatMap(answer -> {
                        Map<String, Set<String>> values = new TreeMap<>();
                        answer.sums().keySet().forEach(key -> {
                            SortedMap<String, String> labels = key.labels();
                            if (LinePipeline.selects(r.selector(), labels)) {
                                labels.forEach((k, v) -> values.computeIfAbsent(k, x -> new HashSet<>()).add(v));
                            }
                        });
                        if (attributeMatchers) { // counted from rows (or no attributes): every label is there
                            return Mono.just(answer(values, answer.warnings(), !answer.failures().isEmpty()));
                        }
                        // the other attribute labels: from the newest rows of the window (a sample, as labels are)
                        RowScan.Stats stats = new RowScan.Stats();
                        return context.sample(push, r.request().start(), r.request().end(), stats)
                                .map(row -> LinePipeline.streamLabels(row.entry()))
                                .filter(labels -> LinePipeline.selects(r.selector(), labels))
                                .doOnNext(labels -> labels.forEach((k, v) -> {
                                    if (!LinePipeline.isOwn(k)) {
                                        Set<String> set = values.computeIfAbsent(k, x -> new HashSet<>());
                                        if (set.size() < MAX_VALUES_PER_FIELD) {
                                            set.add(v);
                                        }
                                    }
                                }))
                                .then(Mono.fromSupplier(() -> {
                                    List<String> warnings = new ArrayList<>(answer.warnings());
                                    Warnings.partial(stats).stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
                                    return answer(values, warnings, !answer.failures().isEmpty() || stats.partial());
                                }));
                    })
                    .flatMap(LokiRequests::json));
        });
    }

    private byte[] answer(Map<String, Set<String>> values, List<String> warnings, boolean partial) {
        values.remove(LogQl.SERVICE_NAME);
        values.remove("detected_level");
        context.metrics().answered(partial);
        return detectedLabels(values, warnings);
    }

    /** A selector, or the selector of a log query (Drilldown sends either). */
    private static List<Matcher> selectorOf(String query) {
        Expr e = LogQl.parse(query);
        if (e instanceof LogExpr log) {
            return log.selector();
        }
        throw new LokiBadRequest("detected_labels needs a stream selector, not a metric query");
    }

    /** {@code {"detectedLabels":[...]}}, with a top-level {@code "warnings"} when there are any. */
    static byte[] detectedLabels(Map<String, Set<String>> values, List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            LokiJson.warnings(g, warnings);
            g.writeArrayPropertyStart("detectedLabels");
            values.forEach((label, v) -> {
                g.writeStartObject();
                g.writeStringProperty("label", label);
                g.writeNumberProperty("cardinality", v.size());
                g.writeEndObject();
            });
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** What is known of one field in the sample. */
    static final class Field {
        final Set<String> values = new HashSet<>();
        final Set<String> parsers = new TreeSet<>();
        long seen;
        boolean isInt = true;
        boolean isFloat = true;
        boolean isBool = true;
        boolean isDuration = true;
        boolean isBytes = true;

        void add(String value, String parser) {
            seen++;
            parsers.add(parser);
            if (values.size() < MAX_VALUES_PER_FIELD) {
                values.add(value);
            }
            isInt &= value.matches("[+-]?[0-9]+");
            isFloat &= Units.number(value).isPresent() && !value.isBlank();
            isBool &= value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
            isDuration &= Units.duration(value).isPresent();
            isBytes &= Units.bytes(value).isPresent() && !value.matches("[+-]?[0-9.]+");
        }

        String type() {
            if (isInt) {
                return "int";
            }
            if (isFloat) {
                return "float";
            }
            if (isBool) {
                return "boolean";
            }
            if (isDuration) {
                return "duration";
            }
            return isBytes ? "bytes" : "string";
        }
    }

    /** A {@code detected_fields} request: its window, its log query and how many fields to answer. */
    private record FieldsRequest(LokiParams.MetadataRequest request, LogExpr expr, int limit) {
    }

    Mono<ServerResponse> fields(ServerRequest request) {
        return context.handle(request, params -> {
            LokiParams.MetadataRequest r = context.metadata(params);
            Expr e = LogQl.parse(r.query() == null ? "{}" : r.query());
            if (!(e instanceof LogExpr log)) {
                throw new LokiBadRequest("detected_fields needs a log query, not a metric query");
            }
            String l = LokiParams.first(params, "limit");
            int limit;
            try {
                limit = l == null || l.isEmpty() ? DEFAULT_FIELDS_LIMIT : Integer.parseInt(l);
            } catch (NumberFormatException x) {
                throw new LokiBadRequest("limit must be a positive integer");
            }
            if (limit <= 0) {
                throw new LokiBadRequest("limit must be a positive value");
            }
            return new FieldsRequest(r, log, limit);
        }, r -> {
            Pushdown push = Pushdown.of(r.expr());
            if (push.none()) {
                return LokiRequests.json(detectedFields(Map.of(), r.limit(), List.of()));
            }
            LinePipeline pipeline = new LinePipeline(r.expr());
            return context.admitted(() -> {
                RowScan.Stats stats = new RowScan.Stats();
                return context.sample(push, r.request().start(), r.request().end(), stats)
                        .map(StoredLogEntry::entry)
                        .filter(e -> pipeline.apply(e) != null)
                        .collect(() -> new HashMap<String, Field>(), (fields, e) -> sample(fields, e.message()))
                        .flatMap(fields -> {
                            List<String> warnings = Warnings.partial(stats);
                            context.metrics().answered(!warnings.isEmpty());
                            return LokiRequests.json(detectedFields(fields, r.limit(), warnings));
                        });
            });
        });
    }

    static void sample(Map<String, Field> fields, String line) {
        Set<String> stream = new HashSet<>(LinePipeline.STREAM_LABEL_NAMES);
        String trimmed = line.stripLeading();
        Map<String, String> parsed = new TreeMap<>();
        String parser;
        if (trimmed.startsWith("{")) {
            LineParsers.json(line, stream, parsed);
            parser = "json";
        } else {
            LineParsers.logfmt(line, stream, parsed);
            parser = "logfmt";
        }
        if (parsed.containsKey(LinePipeline.ERROR)) {
            return;
        }
        parsed.forEach((name, value) -> {
            if (value.isEmpty()) {
                return; // a bare word of a text line, not a field (Loki drops empty values too)
            }
            if (fields.size() < LineParsers.MAX_FIELDS * 4 || fields.containsKey(name)) {
                fields.computeIfAbsent(name, k -> new Field()).add(value, parser);
            }
        });
    }

    /** {@code {"fields":[...],"limit":n}}, with a top-level {@code "warnings"} when there are any. */
    static byte[] detectedFields(Map<String, Field> fields, int limit, List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            LokiJson.warnings(g, warnings);
            g.writeArrayPropertyStart("fields");
            fields.entrySet().stream()
                    .sorted((a, b) -> a.getValue().seen != b.getValue().seen
                            ? Long.compare(b.getValue().seen, a.getValue().seen) : a.getKey().compareTo(b.getKey()))
                    .limit(limit)
                    .forEach(e -> {
                        g.writeStartObject();
                        g.writeStringProperty("label", e.getKey());
                        g.writeStringProperty("type", e.getValue().type());
                        g.writeNumberProperty("cardinality", e.getValue().values.size());
                        g.writeArrayPropertyStart("parsers");
                        for (String p : new LinkedHashSet<>(e.getValue().parsers)) {
                            g.writeString(p);
                        }
                        g.writeEndArray();
                        g.writeEndObject();
                    });
            g.writeEndArray();
            g.writeNumberProperty("limit", limit);
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
