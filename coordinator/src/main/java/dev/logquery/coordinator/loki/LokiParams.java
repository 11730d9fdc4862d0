package dev.logquery.coordinator.loki;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The parameters of Loki's query endpoints, read as Loki reads them ({@code pkg/loghttp}): times as integer
 * nanoseconds, integer seconds (up to 10 digits), float seconds (millisecond precision) or RFC 3339; {@code start}
 * defaults to an hour before {@code end} (or before now when {@code end} is in the future), {@code end} to now;
 * {@code limit} 100; {@code direction} {@code backward} (default) or {@code forward}, any case; {@code step} as
 * float seconds or a duration ({@code 1500ms}, {@code 1m}), by default {@code (end - start) / 250} in whole seconds
 * (floored, at least 1 s, as Loki computes it), and at most 11,000 points. Bad values throw {@link LokiBadRequest}
 * with Loki's wording. Pure: the clock is a parameter.
 */
public final class LokiParams {

    public static final int DEFAULT_LIMIT = 100;
    static final Duration DEFAULT_SINCE = Duration.ofHours(1);
    static final long MAX_POINTS = 11_000;

    private LokiParams() {
    }

    /** {@code query_range}. */
    public record RangeRequest(String query, Instant start, Instant end, int limit, boolean forward, Duration step) {
    }

    /** {@code query} (instant). */
    public record InstantRequest(String query, Instant time, int limit, boolean forward) {
    }

    /** {@code labels}, {@code label/{name}/values}, {@code series}: a window and optional selectors. */
    public record MetadataRequest(Instant start, Instant end, String query, List<String> match) {
    }

    public static RangeRequest range(Map<String, List<String>> params, Instant now, int maxLimit, Duration maxWindow) {
        Instant[] bounds = bounds(params, now, DEFAULT_SINCE);
        Instant start = bounds[0];
        Instant end = bounds[1];
        if (end.isBefore(start)) {
            throw new LokiBadRequest("end timestamp must not be before or equal to start time");
        }
        window(start, end, maxWindow);
        int limit = limit(params, maxLimit);
        boolean forward = forward(params);
        Duration step;
        String s = first(params, "step");
        if (s == null || s.isEmpty()) {
            long seconds = Math.max(Duration.between(start, end).toSeconds() / 250, 1);
            step = Duration.ofSeconds(seconds);
        } else {
            step = secondsOrDuration(s);
        }
        if (step.isZero() || step.isNegative()) {
            throw new LokiBadRequest("zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        if (Duration.between(start, end).dividedBy(step) > MAX_POINTS) {
            throw new LokiBadRequest("exceeded maximum resolution of 11,000 points per time series. Try increasing the"
                    + " value of the step parameter");
        }
        return new RangeRequest(query(params), start, end, limit, forward, step);
    }

    public static InstantRequest instant(Map<String, List<String>> params, Instant now, int maxLimit) {
        Instant time = timestamp(first(params, "time"), now, "time");
        return new InstantRequest(query(params), time, limit(params, maxLimit), forward(params));
    }

    /** The window of the metadata endpoints; {@code start} defaults to {@code since} before the end. */
    public static MetadataRequest metadata(Map<String, List<String>> params, Instant now, Duration since,
                                           Duration maxWindow) {
        Instant[] bounds = bounds(params, now, since);
        if (bounds[1].isBefore(bounds[0])) {
            throw new LokiBadRequest("end timestamp must not be before or equal to start time");
        }
        window(bounds[0], bounds[1], maxWindow);
        String q = first(params, "query");
        List<String> match = params.getOrDefault("match[]", List.of());
        return new MetadataRequest(bounds[0], bounds[1], q == null || q.isBlank() ? null : q, match);
    }

    static Instant[] bounds(Map<String, List<String>> params, Instant now, Duration defaultSince) {
        Duration since = defaultSince;
        String sinceText = first(params, "since");
        if (sinceText != null && !sinceText.isEmpty()) {
            since = Units.duration(sinceText).filter(d -> !d.isNegative())
                    .orElseThrow(() -> new LokiBadRequest("could not parse 'since' parameter: not a valid duration string: "
                            + quote(sinceText)));
        }
        Instant end = timestamp(first(params, "end"), now, "end");
        Instant endOrNow = end.isAfter(now) ? now : end;
        Instant start = timestamp(first(params, "start"), endOrNow.minus(since), "start");
        return new Instant[]{start, end};
    }

    private static void window(Instant start, Instant end, Duration maxWindow) {
        Duration length = Duration.between(start, end);
        if (maxWindow != null && length.compareTo(maxWindow) > 0) {
            throw new LokiBadRequest("the query time range exceeds the limit (query length: " + hours(length)
                    + ", limit: " + hours(maxWindow) + ")");
        }
    }

    private static String hours(Duration d) {
        return d.toSeconds() % 3600 == 0 ? d.toHours() + "h" : d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    static String query(Map<String, List<String>> params) {
        String q = first(params, "query");
        return q == null ? "" : q;
    }

    static int limit(Map<String, List<String>> params, int maxLimit) {
        String s = first(params, "limit");
        if (s == null || s.isEmpty()) {
            return Math.min(DEFAULT_LIMIT, maxLimit);
        }
        long limit;
        try {
            limit = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new LokiBadRequest("strconv.Atoi: parsing " + quote(s) + ": invalid syntax");
        }
        if (limit <= 0) {
            throw new LokiBadRequest("limit must be a positive value");
        }
        if (limit > maxLimit) {
            throw new LokiBadRequest("max entries limit per query exceeded, limit > max_entries_limit_per_query ("
                    + limit + " > " + maxLimit + ")");
        }
        return (int) limit;
    }

    static boolean forward(Map<String, List<String>> params) {
        String s = first(params, "direction");
        if (s == null || s.isEmpty() || s.equalsIgnoreCase("backward")) {
            return false;
        }
        if (s.equalsIgnoreCase("forward")) {
            return true;
        }
        throw new LokiBadRequest("invalid direction '" + s + "'");
    }

    /** Loki's {@code parseTimestamp}; {@code def} when absent or empty. */
    static Instant timestamp(String value, Instant def, String name) {
        if (value == null || value.isEmpty()) {
            return def;
        }
        try {
            if (value.contains(".")) {
                OptionalDouble d = Units.number(value);
                if (d.isPresent() && !value.contains("e") && !value.contains("E")) {
                    // seconds, fraction rounded to milliseconds
                    BigDecimal seconds = new BigDecimal(value.strip());
                    BigDecimal millis = seconds.movePointRight(3).setScale(0, RoundingMode.HALF_EVEN);
                    return Instant.ofEpochMilli(millis.longValueExact());
                }
            }
            if (value.matches("[+-]?[0-9]+")) {
                long n = Long.parseLong(value);
                return value.length() <= 10 ? Instant.ofEpochSecond(n) : Instant.ofEpochSecond(0, n);
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw new LokiBadRequest("could not parse '" + name + "' parameter: cannot parse " + quote(value)
                    + " as a timestamp (integer nanoseconds, integer seconds, float seconds or RFC 3339)");
        }
    }

    /** A step or interval: float seconds, or a duration such as {@code 1500ms}. */
    static Duration secondsOrDuration(String value) {
        OptionalDouble seconds = Units.number(value);
        if (seconds.isPresent() && !Double.isNaN(seconds.getAsDouble()) && !Double.isInfinite(seconds.getAsDouble())) {
            double ns = seconds.getAsDouble() * 1e9;
            if (Math.abs(ns) > Long.MAX_VALUE) {
                throw new LokiBadRequest("cannot parse " + quote(value) + " to a valid duration. It overflows int64");
            }
            return Duration.ofNanos((long) ns);
        }
        return Units.duration(value)
                .orElseThrow(() -> new LokiBadRequest("cannot parse " + quote(value) + " to a valid duration"));
    }

    static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String quote(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return "\"" + t.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
