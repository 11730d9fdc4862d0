package dev.logquery.common.codec;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
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

    private static final long FIRST_FAST_DAY = LocalDate.of(0, 1, 1).toEpochDay();
    private static final long LAST_FAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    /**
     * Formats in UTC with as many fractional digits as needed (0, 3, 6 or 9), exactly as
     * {@link DateTimeFormatter#ISO_INSTANT} does. Years 0 to 9999 are written by fixed positions (every
     * row of every answer passes here, twice); others go to the formatter.
     */
    public static String format(Instant instant) {
        long epochSecond = instant.getEpochSecond();
        long epochDay = Math.floorDiv(epochSecond, 86_400);
        if (epochDay < FIRST_FAST_DAY || epochDay > LAST_FAST_DAY) {
            return DateTimeFormatter.ISO_INSTANT.format(instant);
        }
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400);
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        int nanos = instant.getNano();
        byte[] b = new byte[30];
        put(b, 0, date.getYear(), 4);
        b[4] = '-';
        put(b, 5, date.getMonthValue(), 2);
        b[7] = '-';
        put(b, 8, date.getDayOfMonth(), 2);
        b[10] = 'T';
        put(b, 11, secondOfDay / 3600, 2);
        b[13] = ':';
        put(b, 14, secondOfDay / 60 % 60, 2);
        b[16] = ':';
        put(b, 17, secondOfDay % 60, 2);
        int at = 19;
        if (nanos != 0) {
            b[at++] = '.';
            if (nanos % 1_000_000 == 0) {
                put(b, at, nanos / 1_000_000, 3);
                at += 3;
            } else if (nanos % 1000 == 0) {
                put(b, at, nanos / 1000, 6);
                at += 6;
            } else {
                put(b, at, nanos, 9);
                at += 9;
            }
        }
        b[at++] = 'Z';
        return new String(b, 0, at, StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code value} as exactly {@code width} decimal digits (zero-padded) at {@code b[at]}. */
    private static void put(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
