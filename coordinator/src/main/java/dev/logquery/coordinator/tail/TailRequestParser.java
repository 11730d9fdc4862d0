package dev.logquery.coordinator.tail;

import static dev.logquery.coordinator.api.Quoting.abbreviate;
import static dev.logquery.coordinator.api.Quoting.quote;

import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.api.FieldProblem;
import dev.logquery.coordinator.api.LogQueryRequestParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the query parameters of {@code GET /api/tail} into a {@link TailRequest}, or into the list of
 * everything wrong with them. Pure: no Spring, no I/O, and no input makes it throw.
 *
 * <ul>
 *   <li>{@code service} (1..128 characters), {@code namespace} and {@code pod} (1..253) are trimmed and cleaned
 *       as ingestion stores them; {@code contains} (1..256) is cleaned, not trimmed — the same rules as the
 *       query API's fields.</li>
 *   <li>{@code level} or {@code levels}: one level name or a comma list of them, any case; not both.</li>
 *   <li>{@code since}: a duration ({@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, {@code 500ms}) up to the
 *       configured replay age, or a number of lines from 1 to the configured replay maximum.</li>
 *   <li>{@code attribute.<key>}: the line's attribute {@code key} must have exactly this value (key 1..{@value
 *       Attributes#MAX_KEY_CHARS}, value 1..{@value Attributes#MAX_VALUE_CHARS} characters, cleaned, not trimmed, as
 *       the query API's {@code attributes}); one parameter per key, at most {@value Attributes#MAX_KEYS} of them.</li>
 *   <li>Unknown and repeated parameters are refused: a misspelt filter would otherwise widen the stream.</li>
 * </ul>
 *
 * At most one problem per parameter, in the order above, then unknown parameters (at most ten).
 */
public final class TailRequestParser {

    /** The known parameters in the order their problems are reported. */
    public static final List<String> PARAMETERS = List.of("service", "level", "levels", "namespace", "pod", "contains",
            "since");
    /** The prefix of an attribute filter's parameter name: {@code attribute.cluster=eu-1}. */
    public static final String ATTRIBUTE_PREFIX = "attribute.";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final Pattern COUNT = Pattern.compile("\\d{1,9}");
    private static final String LEVEL_NAMES = LogLevel.NAMES;

    private TailRequestParser() {
    }

    /**
     * Parses the parameters (each name with all the values it was given).
     *
     * @param maxReplayLines the largest line count {@code since} may ask
     * @param replayMaxAge   the longest duration {@code since} may ask
     */
    public static ParsedTail parse(Map<String, List<String>> parameters, int maxReplayLines, Duration replayMaxAge) {
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        TreeMap<String, String> attributes = new TreeMap<>();
        parameters.forEach((name, given) -> {
            if (name.startsWith(ATTRIBUTE_PREFIX)) {
                attribute(name, given, attributes, problems);
            } else if (!PARAMETERS.contains(name)) {
                String shown = abbreviate(name);
                if (unknown.size() < LogQueryRequestParser.MAX_UNKNOWN_FIELDS_REPORTED && !unknown.contains(shown)) {
                    unknown.add(shown);
                    problems.put(shown, "unknown parameter " + shown + "; known parameters are "
                            + String.join(", ", PARAMETERS) + ", " + ATTRIBUTE_PREFIX + "<key>");
                }
            } else if (given.size() != 1) {
                problems.put(name, name + " is given more than once");
            } else {
                values.put(name, given.get(0) == null ? "" : given.get(0));
            }
        });
        String service = identity(values, "service", LogQueryRequestParser.MAX_SERVICE_CHARS, problems);
        LevelSet level = levels(values, "level", problems);
        LevelSet levels = levels(values, "levels", problems);
        if (values.containsKey("level") && values.containsKey("levels")) {
            problems.putIfAbsent("levels", "levels and level are both given: send one of them");
        }
        String namespace = identity(values, "namespace", LogQueryRequestParser.MAX_IDENTITY_CHARS, problems);
        String pod = identity(values, "pod", LogQueryRequestParser.MAX_IDENTITY_CHARS, problems);
        String contains = null;
        if (values.containsKey("contains")) {
            contains = bounded("contains", TextSanitizer.clean(values.get("contains")),
                    LogQueryRequestParser.MAX_CONTAINS_CHARS, problems);
        }
        Since since = values.containsKey("since") ? since(values.get("since"), maxReplayLines, replayMaxAge, problems)
                : null;
        if (problems.isEmpty()) {
            return new ParsedTail.Valid(new TailRequest(
                    new TailFilter(service, level != null ? level : levels, namespace, pod, contains,
                            attributes.isEmpty() ? null : Collections.unmodifiableSortedMap(attributes)), since));
        }
        List<FieldProblem> out = new ArrayList<>(problems.size());
        for (String name : PARAMETERS) {
            String message = problems.remove(name);
            if (message != null) {
                out.add(new FieldProblem(name, message));
            }
        }
        problems.forEach((name, message) -> out.add(new FieldProblem(name, message)));
        return new ParsedTail.Invalid(out);
    }

    /** {@code attribute.<key>=<value>}, into {@code attributes}; a problem is named by its parameter. */
    private static void attribute(String name, List<String> given, Map<String, String> attributes,
                                  Map<String, String> problems) {
        String shown = abbreviate(name);
        String key = TextSanitizer.clean(name.substring(ATTRIBUTE_PREFIX.length()));
        if (given.size() != 1) {
            problems.putIfAbsent(shown, shown + " is given more than once");
        } else if (key.isEmpty() || key.length() > Attributes.MAX_KEY_CHARS) {
            problems.putIfAbsent(shown, "an attribute filter is attribute.<key>=<value> with a key of 1 to "
                    + Attributes.MAX_KEY_CHARS + " characters, has " + key.length());
        } else if (attributes.size() >= Attributes.MAX_KEYS && !attributes.containsKey(key)) {
            problems.putIfAbsent(shown, "at most " + Attributes.MAX_KEYS + " attribute filters");
        } else {
            String value = TextSanitizer.clean(given.get(0) == null ? "" : given.get(0));
            if (value.isEmpty() || value.length() > Attributes.MAX_VALUE_CHARS) {
                problems.putIfAbsent(shown, shown + " must have 1 to " + Attributes.MAX_VALUE_CHARS
                        + " characters, has " + value.length() + " (omit it for no filter on the key)");
            } else if (attributes.put(key, value) != null) {
                problems.putIfAbsent(shown, shown + " is given more than once");
            }
        }
    }

    private static String identity(Map<String, String> values, String name, int maxChars, Map<String, String> problems) {
        String s = values.get(name);
        return s == null ? null : bounded(name, TextSanitizer.clean(s.strip()), maxChars, problems);
    }

    private static String bounded(String name, String s, int maxChars, Map<String, String> problems) {
        if (s.isEmpty() || s.length() > maxChars) {
            problems.putIfAbsent(name, name + " must have 1 to " + maxChars + " characters, has " + s.length()
                    + " (omit it for no filter)");
            return null;
        }
        return s;
    }

    private static LevelSet levels(Map<String, String> values, String name, Map<String, String> problems) {
        String s = values.get(name);
        if (s == null) {
            return null;
        }
        int bits = 0;
        for (String part : s.split(",", -1)) {
            Optional<LogLevel> level = LogLevel.parse(part);
            if (level.isEmpty()) {
                problems.putIfAbsent(name, name + " is not a comma list of " + LEVEL_NAMES + ": " + quote(part));
                return null;
            }
            bits |= level.get().bit();
        }
        return new LevelSet(bits);
    }

    private static Since since(String s, int maxReplayLines, Duration replayMaxAge, Map<String, String> problems) {
        String text = s.strip();
        String expected = "since must be a duration such as 30s, 5m or 2h (at most " + format(replayMaxAge)
                + ") or a number of lines from 1 to " + maxReplayLines + ", is " + quote(s);
        if (COUNT.matcher(text).matches()) {
            int count = Integer.parseInt(text);
            if (count >= 1 && count <= maxReplayLines) {
                return new Since.Lines(count);
            }
        } else {
            Matcher m = DURATION.matcher(text);
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                Duration window = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
                if (!window.isZero() && window.compareTo(replayMaxAge) <= 0) {
                    return new Since.Window(window);
                }
            }
        }
        problems.putIfAbsent("since", expected);
        return null;
    }

    /** {@code 24h}, {@code 90m}, {@code 30s}: the configured maximum as a user would write it. */
    static String format(Duration d) {
        if (d.toMillis() % 86_400_000 == 0 && d.toDays() > 1) {
            return d.toDays() + "d";
        }
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
