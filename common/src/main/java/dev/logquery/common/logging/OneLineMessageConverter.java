package dev.logquery.common.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The {@code %m} of the services' log lines with line breaks escaped: a service name, a {@code contains} text or a
 * stored message that reaches a log statement cannot start a forged log line (CR and LF become backslash-r and
 * backslash-n; NEL, the Unicode line and paragraph separators and the other control characters but tab become
 * backslash-u and four hex digits). Installed by {@code logback-spring.xml} for {@code %m},
 * {@code %msg} and {@code %message}.
 */
public class OneLineMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return escape(event.getFormattedMessage());
    }

    /** {@code s} with every character that could end a log line escaped; the same string when there is none. */
    public static String escape(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !needsEscape(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                default -> {
                    if (needsEscape(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f || c == 0x85 || c == '\u2028' || c == '\u2029';
    }
}
