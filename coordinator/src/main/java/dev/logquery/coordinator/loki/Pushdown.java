package dev.logquery.coordinator.loki;

import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.api.LogQueryRequestParser;
import dev.logquery.coordinator.loki.LogQlAst.LineFilter;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.MatchType;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.loki.LogQlAst.Stage;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What of a log query the nodes can do, as the {@link LogQuery} of {@code POST /api/query/logs} (so that the same
 * pruning applies): equality on {@code service_name}, {@code namespace} and {@code pod}; equality on an attribute
 * label (any label that is not a built-in one, {@link LinePipeline#isBuiltIn}) as {@link LogQuery#attributes()}, so
 * that nodes filter it and attribute blooms prune; every matcher on
 * {@code level} and {@code detected_level} (seven values, {@code unknown} among them: any matcher is a level set); and the longest text a positive
 * line filter requires as {@code contains}: a {@code |=} filter's text, or the longest plain text every match of a
 * {@code |~} regex must contain ({@link RequiredLiteral}). {@code contains} is case-insensitive on the nodes ({@code ILIKE})
 * and {@code |=} is case-sensitive, so it is sent as a superset only, and the coordinator still checks every line
 * ({@link #exact} false). Everything not pushed is evaluated in the coordinator by {@link LinePipeline}.
 *
 * @param service   pushed service, or null
 * @param levels    pushed levels, or null for any
 * @param namespace pushed namespace, or null
 * @param pod       pushed pod, or null
 * @param contains  pushed text (a superset of the line filter), or null
 * @param attributes pushed attribute equalities (sorted), or null for none
 * @param exact     whether the nodes' answer is exactly the query's lines (nothing left for the coordinator)
 * @param none      whether the matchers contradict each other (no line can match: nothing to ask)
 */
public record Pushdown(String service, LevelSet levels, String namespace, String pod, String contains,
                       SortedMap<String, String> attributes, boolean exact, boolean none) {

    public static Pushdown of(LogExpr expr) {
        String service = null;
        String namespace = null;
        String pod = null;
        int levelBits = LevelSet.ALL.bits();
        boolean levelFiltered = false;
        boolean none = false;
        boolean residual = false;
        TreeMap<String, String> attributes = new TreeMap<>();
        for (Matcher m : expr.selector()) {
            String label = m.label();
            if (LogQl.LEVEL_LABELS.contains(label)) {
                int bits = 0;
                for (LogLevel level : LogLevel.values()) {
                    if (m.matches(level.name().toLowerCase(Locale.ROOT))) {
                        bits |= level.bit();
                    }
                }
                levelBits &= bits;
                levelFiltered = true;
                continue;
            }
            if (!LinePipeline.isBuiltIn(label)) {
                if (m.type() != MatchType.EQ || m.caseInsensitive() || !pushableAttribute(label, m.value())) {
                    residual = true;
                } else if (attributes.containsKey(label)) {
                    none |= !attributes.get(label).equals(m.value());
                } else if (attributes.size() < Attributes.MAX_KEYS) {
                    attributes.put(label, m.value());
                } else {
                    residual = true;
                }
                continue;
            }
            String value = m.type() == MatchType.EQ && pushable(m.value()) ? m.value() : null;
            if (value == null) {
                residual = true;
                continue;
            }
            switch (label) {
                case LogQl.SERVICE_NAME -> {
                    none |= service != null && !service.equals(value);
                    service = value;
                }
                case "namespace" -> {
                    none |= namespace != null && !namespace.equals(value);
                    namespace = value;
                }
                case "pod" -> {
                    none |= pod != null && !pod.equals(value);
                    pod = value;
                }
                default -> residual = true;
            }
        }
        none |= levelBits == 0;
        String contains = null;
        for (Stage s : expr.stages()) {
            if (!(s instanceof LineFilter f)) {
                continue;
            }
            String text = switch (f.type()) {
                case CONTAINS -> f.text();
                case MATCHES -> RequiredLiteral.of(f.text());
                default -> null;
            };
            if (text != null && !text.isEmpty() && text.equals(TextSanitizer.clean(text))
                    && text.length() <= LogQueryRequestParser.MAX_CONTAINS_CHARS
                    && (contains == null || text.length() > contains.length())) {
                contains = text;
            }
        }
        LevelSet levels = !levelFiltered || levelBits == LevelSet.ALL.bits() || levelBits == 0 ? null : new LevelSet(levelBits);
        return new Pushdown(service, levels, namespace, pod, contains,
                attributes.isEmpty() ? null : Collections.unmodifiableSortedMap(attributes),
                !residual && expr.stages().isEmpty(), none);
    }

    /** A value as stored lines have it (cleaned, trimmed, not empty): otherwise equality is left to the coordinator. */
    private static boolean pushable(String value) {
        return !value.isEmpty() && value.equals(TextSanitizer.clean(value.strip()));
    }

    /**
     * An attribute value as stored attributes can have it (cleaned, not empty, within {@link Attributes}' bounds):
     * otherwise equality is left to the coordinator. Attribute values are compared exactly, spaces included.
     */
    private static boolean pushableAttribute(String label, String value) {
        return !value.isEmpty() && value.length() <= Attributes.MAX_VALUE_CHARS && label.length() <= Attributes.MAX_KEY_CHARS
                && value.equals(TextSanitizer.clean(value));
    }

    /** The query for the nodes over {@code [start, end]}, {@code limit} rows a page. */
    public LogQuery query(Instant start, Instant end, int limit) {
        return new LogQuery(start, end, service, levels, namespace, pod, contains, limit, null, attributes);
    }

    /** The same query with a service bloom's worth of the selector: for a list of matchers alone. */
    public static Pushdown of(List<Matcher> selector) {
        return of(new LogExpr(selector, List.of()));
    }
}
