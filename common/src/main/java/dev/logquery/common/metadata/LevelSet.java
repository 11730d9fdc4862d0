package dev.logquery.common.metadata;

import dev.logquery.common.model.LogLevel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** An immutable set of levels as a bit mask (bit {@link LogLevel#bit()} per level); stored as {@code smallint}. */
public record LevelSet(int bits) {

    public static final LevelSet EMPTY = new LevelSet(0);
    public static final LevelSet ALL = new LevelSet((1 << LogLevel.values().length) - 1);

    public LevelSet {
        if ((bits & ~((1 << LogLevel.values().length) - 1)) != 0) {
            throw new IllegalArgumentException("level bits out of range: " + bits);
        }
    }

    public static LevelSet of(Collection<LogLevel> levels) {
        int bits = 0;
        for (LogLevel level : levels) {
            bits |= level.bit();
        }
        return new LevelSet(bits);
    }

    public static LevelSet ofNames(Collection<String> names) {
        int bits = 0;
        for (String name : names) {
            bits |= LogLevel.parse(name)
                    .orElseThrow(() -> new IllegalArgumentException("unknown level " + name)).bit();
        }
        return new LevelSet(bits);
    }

    public LevelSet with(LogLevel level) {
        return new LevelSet(bits | level.bit());
    }

    public LevelSet union(LevelSet other) {
        return new LevelSet(bits | other.bits);
    }

    public boolean contains(LogLevel level) {
        return (bits & level.bit()) != 0;
    }

    /** True when the two sets share at least one level. */
    public boolean intersects(LevelSet other) {
        return (bits & other.bits) != 0;
    }

    public boolean isEmpty() {
        return bits == 0;
    }

    public List<LogLevel> levels() {
        List<LogLevel> out = new ArrayList<>();
        for (LogLevel level : LogLevel.values()) {
            if (contains(level)) {
                out.add(level);
            }
        }
        return out;
    }

    public List<String> names() {
        return levels().stream().map(Enum::name).toList();
    }
}
