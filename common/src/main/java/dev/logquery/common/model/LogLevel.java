package dev.logquery.common.model;

import java.util.Locale;
import java.util.Optional;

/**
 * Severity of a log line; {@link #code()} is what storage keeps, so constants are only ever appended.
 * {@code TRACE} to {@code FATAL} are in severity order; {@code UNKNOWN} is a line whose severity neither its
 * sender said nor its text shows (a pushed line without any level), ordered after the others but not "more
 * severe" than any of them.
 */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN;

    private static final LogLevel[] VALUES = values();

    /** The names, for error messages: "TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN". */
    public static final String NAMES = String.join(", ", java.util.Arrays.stream(VALUES).map(Enum::name).toList());

    /** Stable small integer stored in PostgreSQL ({@code smallint}); never reorder the constants. */
    public short code() {
        return (short) ordinal();
    }

    /** The bit of this level in a {@link dev.logquery.common.metadata.LevelSet}. */
    public int bit() {
        return 1 << ordinal();
    }

    public static LogLevel fromCode(int code) {
        if (code < 0 || code >= VALUES.length) {
            throw new IllegalArgumentException("unknown level code " + code);
        }
        return VALUES[code];
    }

    /** Parses a level name case-insensitively ("warn", "WARN", "Warn"); empty for anything else. */
    public static Optional<LogLevel> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        for (LogLevel level : VALUES) {
            if (level.name().equals(upper)) {
                return Optional.of(level);
            }
        }
        return Optional.empty();
    }
}
