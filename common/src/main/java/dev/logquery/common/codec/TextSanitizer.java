package dev.logquery.common.codec;

import java.nio.charset.StandardCharsets;

/**
 * Makes producer text storable: PostgreSQL {@code text} cannot hold NUL, and an unpaired UTF-16
 * surrogate has no UTF-8 form, so both become U+FFFD. Messages longer than a byte budget are cut at a
 * character boundary and end with a visible marker.
 */
public final class TextSanitizer {

    static final char REPLACEMENT = '\uFFFD';

    private TextSanitizer() {
    }

    /** Replaces NUL and unpaired surrogates with U+FFFD; returns the same instance when nothing changes. */
    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == 0) {
                break;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder b = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                b.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append(REPLACEMENT);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** UTF-8 length of a string that {@link #clean} has already seen. */
    public static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c)) {
                    bytes += 2; // 4 bytes for the pair, 2 chars already counted
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /**
     * Cuts {@code s} (already clean) so that it plus the marker fits in {@code maxBytes} UTF-8 bytes, and
     * appends the marker {@code " …[truncated, N bytes in all]"}. Returns {@code s} when it already fits.
     */
    public static String truncateUtf8(String s, int maxBytes) {
        int total = utf8Length(s);
        if (total <= maxBytes) {
            return s;
        }
        String marker = " \u2026[truncated, " + total + " bytes in all]";
        int budget = maxBytes - marker.getBytes(StandardCharsets.UTF_8).length;
        int used = 0;
        int end = 0;
        while (end < s.length()) {
            char c = s.charAt(end);
            int width;
            int chars = 1;
            if (c < 0x80) {
                width = 1;
            } else if (c < 0x800) {
                width = 2;
            } else if (Character.isHighSurrogate(c)) {
                width = 4;
                chars = 2;
            } else {
                width = 3;
            }
            if (used + width > budget) {
                break;
            }
            used += width;
            end += chars;
        }
        return s.substring(0, end) + marker;
    }
}
