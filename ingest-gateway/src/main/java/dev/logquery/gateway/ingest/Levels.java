package dev.logquery.gateway.ingest;

import dev.logquery.common.model.LogLevel;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A line's severity: from a level its sender named ({@link #named}), an OpenTelemetry severity number
 * ({@link #fromSeverityNumber}), or, as Loki's {@code detected_level} does, from the line itself
 * ({@link #detect}).
 */
public final class Levels {

    /** logfmt {@code level=warn}, {@code lvl="error"}, {@code severity=info} (a key at the start or after space). */
    private static final Pattern LOGFMT = Pattern.compile(
            "(?:^|[\\s,])(?i:level|lvl|severity|loglevel|log\\.level)=\"?([A-Za-z]+)");
    /** JSON {@code "level":"warn"}, {@code "severity": "ERROR"}. */
    private static final Pattern JSON = Pattern.compile(
            "\"(?i:level|lvl|severity|loglevel|log\\.level)\"\\s*:\\s*\"([A-Za-z]+)\"");
    /**
     * A severity keyword as a whole word, all lower or all upper case (Loki's {@code detectLevelFromLogLine} looks
     * for info, err/error, warn/warning, critical, debug; trace, fatal and panic are added).
     */
    private static final Pattern KEYWORD = Pattern.compile("(?<![A-Za-z0-9_])(info|INFO|err|ERR|error|ERROR|warn|WARN"
            + "|warning|WARNING|critical|CRITICAL|crit|CRIT|fatal|FATAL|panic|PANIC|debug|DEBUG|trace|TRACE)"
            + "(?![A-Za-z0-9_])");
    /** How far into a line the detection looks (Loki's looks at the whole line; a bound keeps it cheap). */
    private static final int SCAN_CHARS = 4096;

    private Levels() {
    }

    /**
     * The level a name means, case-insensitively: trace/trc, debug/dbg, info/inf/information/informational/notice,
     * warn/wrn/warning, err/error/eror, crit/critical/fatal/panic/emerg/emergency/alert → FATAL, unknown; an
     * OpenTelemetry severity text with a number ({@code INFO2}, {@code ERROR3}) as its name. Empty for anything
     * else.
     */
    public static Optional<LogLevel> named(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.length() > 1 && n.length() <= 16 && Character.isDigit(n.charAt(n.length() - 1))) {
            int end = n.length();
            while (end > 0 && Character.isDigit(n.charAt(end - 1))) {
                end--;
            }
            n = n.substring(0, end);
        }
        return Optional.ofNullable(switch (n) {
            case "trace", "trc" -> LogLevel.TRACE;
            case "debug", "dbg" -> LogLevel.DEBUG;
            case "info", "inf", "information", "informational", "notice" -> LogLevel.INFO;
            case "warn", "wrn", "warning" -> LogLevel.WARN;
            case "err", "error", "eror" -> LogLevel.ERROR;
            case "crit", "critical", "fatal", "panic", "emerg", "emergency", "alert" -> LogLevel.FATAL;
            case "unknown" -> LogLevel.UNKNOWN;
            default -> null;
        });
    }

    /** OpenTelemetry's severity number: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
    public static Optional<LogLevel> fromSeverityNumber(int number) {
        if (number < 1 || number > 24) {
            return Optional.empty();
        }
        return Optional.of(new LogLevel[] {LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN,
                LogLevel.ERROR, LogLevel.FATAL}[(number - 1) / 4]);
    }

    /**
     * The level a line shows, as Loki's {@code detected_level}: a JSON line's {@code level} (or {@code lvl},
     * {@code severity}...) field; a logfmt {@code level=...}; else whichever of the keywords info, error, warn,
     * critical/fatal/panic, debug, trace that comes first in the line (Loki tries them in that fixed order; the first
     * in the line is what a leading {@code ERROR} or {@code [WARN]} means); else {@link LogLevel#UNKNOWN}.
     */
    public static LogLevel detect(String line) {
        if (line == null || line.isEmpty()) {
            return LogLevel.UNKNOWN;
        }
        String head = line.length() <= SCAN_CHARS ? line : line.substring(0, SCAN_CHARS);
        String stripped = head.stripLeading();
        Matcher m = (stripped.startsWith("{") ? JSON : LOGFMT).matcher(head);
        if (m.find()) {
            Optional<LogLevel> level = named(m.group(1));
            if (level.isPresent()) {
                return level.get();
            }
        }
        Matcher k = KEYWORD.matcher(head);
        if (k.find()) {
            return named(k.group(1)).orElse(LogLevel.UNKNOWN);
        }
        return LogLevel.UNKNOWN;
    }
}
