package dev.logquery.common.model;

import java.util.Locale;
import java.util.Optional;

/** Severity of a log line. The ordinal order is the severity order; {@link #code()} is what storage keeps. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    private static final LogLevel[] VALUES = values();

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
