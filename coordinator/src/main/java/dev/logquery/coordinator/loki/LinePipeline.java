package dev.logquery.coordinator.loki;

import dev.logquery.common.model.LogEntry;
import dev.logquery.coordinator.loki.LogQlAst.And;
import dev.logquery.coordinator.loki.LogQlAst.Drop;
import dev.logquery.coordinator.loki.LogQlAst.DropLabel;
import dev.logquery.coordinator.loki.LogQlAst.JsonParser;
import dev.logquery.coordinator.loki.LogQlAst.LabelFilter;
import dev.logquery.coordinator.loki.LogQlAst.LabelFilterStage;
import dev.logquery.coordinator.loki.LogQlAst.LineFilter;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.LogfmtParser;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.loki.LogQlAst.NumericFilter;
import dev.logquery.coordinator.loki.LogQlAst.Or;
import dev.logquery.coordinator.loki.LogQlAst.Stage;
import dev.logquery.coordinator.loki.LogQlAst.StringFilter;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A log query evaluated on one line, in the coordinator: the stream selector's matchers (all of them; those pushed
 * to the nodes hold already and cost a comparison), then the stages in order. The answer is the line's labels after
 * the pipeline, or null when the line does not pass. Lines are never rewritten (no {@code line_format}), so a line
 * filter anywhere in the pipeline sees the stored message.
 *
 * <p>Loki's semantics: an absent label has the value {@code ""}; a parser that fails sets {@code __error__}
 * ({@code JSONParserErr}, {@code LogfmtParserErr}) and {@code __error_details__}; a numeric filter lets a line with an
 * error through, drops a line without the label, and marks a value that is no number {@code LabelFilterErr}; an
 * extracted label whose name a stream label has is named {@code <name>_extracted}.
 */
public final class LinePipeline {

    public static final String ERROR = "__error__";
    public static final String ERROR_DETAILS = "__error_details__";

    private final List<Matcher> selector;
    private final List<Stage> stages;
    private final boolean parses;

    public LinePipeline(LogExpr expr) {
        this.selector = expr.selector();
        this.stages = expr.stages();
        this.parses = stages.stream().anyMatch(s -> !(s instanceof LineFilter));
    }

    /**
     * The stream labels of a stored line: the level in lowercase ({@code unknown} for a line without one), an absent
     * namespace, pod or container left out, then the line's attributes (keys as stored) except those named as a
     * built-in label (built-in names win).
     */
    public static SortedMap<String, String> streamLabels(LogEntry e) {
        TreeMap<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
            if (!OWN.contains(a.getKey())) {
                labels.put(a.getKey(), a.getValue());
            }
        }
        labels.put(LogQl.SERVICE_NAME, e.service());
        String level = e.level().name().toLowerCase(Locale.ROOT);
        labels.put("level", level);
        labels.put("detected_level", level);
        putIfPresent(labels, "namespace", e.namespace());
        putIfPresent(labels, "pod", e.pod());
        putIfPresent(labels, "container", e.container());
        return labels;
    }

    /** The names of the built-in stream labels (every line's own fields), sorted; attributes add others. */
    public static final List<String> STREAM_LABEL_NAMES = List.of("container", "detected_level", "level", "namespace",
            "pod", LogQl.SERVICE_NAME);

    private static final java.util.Set<String> OWN = java.util.Set.copyOf(STREAM_LABEL_NAMES);
    /** The built-in label names, with the selector aliases of {@code service_name}. */
    private static final java.util.Set<String> BUILT_IN = java.util.Set.of("container", "detected_level", "level",
            "namespace", "pod", LogQl.SERVICE_NAME, "service", "app");

    /**
     * Whether {@code label} names one of a line's own fields ({@link #STREAM_LABEL_NAMES}, or {@code service} and
     * {@code app}, the aliases of {@code service_name}) rather than an attribute.
     */
    public static boolean isBuiltIn(String label) {
        return BUILT_IN.contains(label);
    }

    /** Whether {@code label} is one of {@link #STREAM_LABEL_NAMES} (which no attribute can be). */
    public static boolean isOwn(String label) {
        return OWN.contains(label);
    }

    private static void putIfPresent(Map<String, String> labels, String name, String value) {
        if (value != null && !value.isEmpty()) {
            labels.put(name, value);
        }
    }

    /** Whether the stream selector alone accepts the line's stream labels. */
    public static boolean selects(List<Matcher> selector, Map<String, String> streamLabels) {
        for (Matcher m : selector) {
            if (!m.matches(streamLabels.get(m.label()))) {
                return false;
            }
        }
        return true;
    }

    /** The labels of the line after the pipeline (unmodifiable), or null when the line does not pass. */
    public SortedMap<String, String> apply(LogEntry e) {
        SortedMap<String, String> stream = streamLabels(e);
        if (!selects(selector, stream)) {
            return null;
        }
        if (!parses) {
            String line = e.message();
            for (Stage s : stages) {
                if (!((LineFilter) s).test(line)) {
                    return null;
                }
            }
            return Collections.unmodifiableSortedMap(stream);
        }
        TreeMap<String, String> labels = new TreeMap<>(stream);
        for (Stage s : stages) {
            if (s instanceof LineFilter f) {
                if (!f.test(e.message())) {
                    return null;
                }
            } else if (s instanceof JsonParser) {
                LineParsers.json(e.message(), stream.keySet(), labels);
            } else if (s instanceof LogfmtParser) {
                LineParsers.logfmt(e.message(), stream.keySet(), labels);
            } else if (s instanceof LabelFilterStage lf) {
                if (!test(lf.filter(), labels)) {
                    return null;
                }
            } else if (s instanceof Drop drop) {
                for (DropLabel d : drop.labels()) {
                    String value = labels.get(d.name());
                    if (value != null && (d.matcher() == null || d.matcher().matches(value))) {
                        labels.remove(d.name());
                    }
                }
            }
        }
        return Collections.unmodifiableSortedMap(labels);
    }

    static boolean test(LabelFilter filter, TreeMap<String, String> labels) {
        if (filter instanceof And and) {
            return test(and.left(), labels) && test(and.right(), labels);
        }
        if (filter instanceof Or or) {
            return test(or.left(), labels) || test(or.right(), labels);
        }
        if (filter instanceof StringFilter s) {
            return s.matcher().matches(labels.get(s.matcher().label()));
        }
        NumericFilter n = (NumericFilter) filter;
        if (labels.containsKey(ERROR)) {
            return true; // only string matchers filter a line with an error out
        }
        String raw = labels.get(n.label());
        if (raw == null) {
            return false;
        }
        OptionalDouble value = switch (n.kind()) {
            case NUMBER -> Units.number(raw);
            case DURATION -> Units.durationSeconds(raw.strip());
            case BYTES -> Units.bytes(raw);
        };
        if (value.isEmpty()) {
            labels.put(ERROR, "LabelFilterErr");
            labels.put(ERROR_DETAILS, "cannot read " + raw + " as a " + n.kind().name().toLowerCase(Locale.ROOT));
            return true;
        }
        return n.op().test(value.getAsDouble(), n.value());
    }
}
