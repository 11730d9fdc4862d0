package dev.logquery.coordinator.loki;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers, durations and byte sizes as LogQL and Loki's HTTP API write them. The patterns here are short and
 * simple (no nested quantifiers), so {@code java.util.regex} is safe on any input.
 */
final class Units {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|\u00b5s|ms|s|m|h|d|w|y)");
    private static final Pattern BYTES = Pattern.compile("([0-9]+(?:\\.[0-9]+)?) ?([kmgtpe]?i?b?)", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** A decimal number as Go's {@code strconv.ParseFloat} reads one (plus NaN and ±Inf); empty if it is not one. */
    static OptionalDouble number(String s) {
        if (s == null) {
            return OptionalDouble.empty();
        }
        String t = s.strip();
        if (DECIMAL.matcher(t).matches()) {
            return OptionalDouble.of(Double.parseDouble(t));
        }
        switch (t.toLowerCase(Locale.ROOT)) {
            case "nan":
                return OptionalDouble.of(Double.NaN);
            case "inf", "+inf", "infinity", "+infinity":
                return OptionalDouble.of(Double.POSITIVE_INFINITY);
            case "-inf", "-infinity":
                return OptionalDouble.of(Double.NEGATIVE_INFINITY);
            default:
                return OptionalDouble.empty();
        }
    }

    /**
     * A duration such as {@code 5m}, {@code 1h30m}, {@code 250ms}, {@code 1.5s}, {@code 2d}, {@code 1w}, {@code 1y}
     * (365 days), with an optional sign: in seconds. Empty if it is not one.
     */
    static OptionalDouble durationSeconds(String s) {
        if (s == null || s.isEmpty()) {
            return OptionalDouble.empty();
        }
        String t = s;
        double sign = 1;
        if (t.startsWith("-") || t.startsWith("+")) {
            sign = t.charAt(0) == '-' ? -1 : 1;
            t = t.substring(1);
        }
        if (t.equals("0")) {
            return OptionalDouble.of(0);
        }
        Matcher m = DURATION_PART.matcher(t);
        int at = 0;
        double seconds = 0;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                return OptionalDouble.empty();
            }
            seconds += Double.parseDouble(m.group(1)) * unitSeconds(m.group(2));
            at = m.end();
        }
        return at == 0 ? OptionalDouble.empty() : OptionalDouble.of(sign * seconds);
    }

    /** A duration literal as a {@link Duration} (nanosecond precision); empty if it is not one. */
    static java.util.Optional<Duration> duration(String s) {
        OptionalDouble seconds = durationSeconds(s);
        if (seconds.isEmpty() || Double.isNaN(seconds.getAsDouble()) || Math.abs(seconds.getAsDouble()) > 9.2e9) {
            return java.util.Optional.empty();
        }
        BigDecimal nanos = BigDecimal.valueOf(seconds.getAsDouble()).movePointRight(9);
        return java.util.Optional.of(Duration.ofNanos(nanos.longValue()));
    }

    private static double unitSeconds(String unit) {
        return switch (unit) {
            case "ns" -> 1e-9;
            case "us", "\u00b5s" -> 1e-6;
            case "ms" -> 1e-3;
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3_600;
            case "d" -> 86_400;
            case "w" -> 7 * 86_400;
            case "y" -> 365 * 86_400;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    /** A byte size such as {@code 10KB} (1000), {@code 1.5MiB} (1024²), {@code 20b}, {@code 300}: in bytes. */
    static OptionalDouble bytes(String s) {
        if (s == null) {
            return OptionalDouble.empty();
        }
        Matcher m = BYTES.matcher(s.strip());
        if (!m.matches()) {
            return OptionalDouble.empty();
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        if (unit.isEmpty() || unit.equals("b")) {
            return OptionalDouble.of(value);
        }
        boolean binary = unit.contains("i");
        if (binary && !unit.endsWith("b") && unit.length() == 2) {
            return OptionalDouble.empty(); // "ki" without b
        }
        int power = "kmgtpe".indexOf(unit.charAt(0)) + 1;
        if (power == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(value * Math.pow(binary ? 1024 : 1000, power));
    }

    /** A sample value as Prometheus writes it: the shortest exact decimal, no exponent; NaN, +Inf, -Inf. */
    static String sample(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }
}
