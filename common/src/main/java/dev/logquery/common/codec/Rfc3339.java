package dev.logquery.common.codec;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Pattern;

/** RFC 3339 timestamps in and out, kept to the microsecond (the precision PostgreSQL stores). */
public final class Rfc3339 {

    /** RFC 3339 {@code date-time}: seconds required, fraction optional, offset {@code Z} or {@code ±hh:mm}. */
    private static final Pattern SHAPE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

    private Rfc3339() {
    }

    /**
     * Parses {@code 2024-12-01T10:15:30.123456Z} or {@code 2024-12-01T12:15:30+02:00} (RFC 3339 also
     * allows a space or a lower-case {@code t}/{@code z}). Digits past the microsecond are cut off.
     */
    public static Optional<Instant> parse(String text) {
        if (text == null || text.length() < 20 || text.length() > 40 || !SHAPE.matcher(text).matches()) {
            return Optional.empty();
        }
        String normalized = text;
        char sep = text.charAt(10);
        if (sep == ' ' || sep == 't') {
            normalized = text.substring(0, 10) + 'T' + text.substring(11);
        }
        if (normalized.endsWith("z")) {
            normalized = normalized.substring(0, normalized.length() - 1) + 'Z';
        }
        try {
            Instant instant = OffsetDateTime.parse(normalized, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            return Optional.of(instant.truncatedTo(ChronoUnit.MICROS));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Formats in UTC with as many fractional digits as needed (0, 3 or 6 here). */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
