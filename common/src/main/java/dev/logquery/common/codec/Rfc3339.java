package dev.logquery.common.codec;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * RFC 3339 timestamps in and out, kept to the microsecond (the precision PostgreSQL stores). Parsing is
 * by fixed positions, without regular expressions or formatters, because every ingested line passes here.
 */
public final class Rfc3339 {

    private Rfc3339() {
    }

    /**
     * Parses an RFC 3339 {@code date-time}: {@code 2024-12-01T10:15:30.123456Z} or
     * {@code 2024-12-01T12:15:30+02:00}; seconds are required, a fraction of 1 to 9 digits is optional,
     * the offset is {@code Z} or {@code ±hh:mm}, and a space or a lower-case {@code t}/{@code z} is
     * accepted as RFC 3339 allows. Digits past the microsecond are cut off.
     */
    public static Optional<Instant> parse(String s) {
        if (s == null || s.length() < 20 || s.length() > 35) {
            return Optional.empty();
        }
        char sep = s.charAt(10);
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || (sep != 'T' && sep != 't' && sep != ' ')
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Optional.empty();
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return Optional.empty();
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < s.length() && i - start < 9 && Character.isDigit(s.charAt(i))) {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            int count = i - start;
            if (count == 0) {
                return Optional.empty();
            }
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        char z = i < s.length() ? s.charAt(i) : 0;
        if ((z == 'Z' || z == 'z') && i + 1 == s.length()) {
            offsetSeconds = 0;
        } else if ((z == '+' || z == '-') && i + 6 == s.length() && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59) {
                return Optional.empty();
            }
            offsetSeconds = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return Optional.empty();
        }
        try {
            long epochSecond = LocalDateTime.of(year, month, day, hour, minute, second)
                    .toEpochSecond(ZoneOffset.ofTotalSeconds(offsetSeconds));
            return Optional.of(Instant.ofEpochSecond(epochSecond, nanos - nanos % 1000));
        } catch (DateTimeException e) {
            return Optional.empty(); // month 13, February 30, hour 24 and the like
        }
    }

    /** The non-negative number in {@code s[from, from + n)}, or -1 if any of those is not an ASCII digit. */
    private static int digits(String s, int from, int n) {
        int v = 0;
        for (int k = from; k < from + n; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Formats in UTC with as many fractional digits as needed (0, 3 or 6 here). */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
