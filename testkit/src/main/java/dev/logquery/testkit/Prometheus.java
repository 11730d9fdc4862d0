package dev.logquery.testkit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a value from a Prometheus text exposition ({@code /actuator/prometheus}) as a test asserts on it. */
public final class Prometheus {

    private Prometheus() {
    }

    /**
     * The value of the first series of {@code name} whose label text contains {@code label} (for example
     * {@code pruner="time"}; empty for any, also a series without labels); fails when no such series is exported.
     */
    public static double value(String exposition, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$").matcher(exposition);
        while (m.find()) {
            if ((m.group(1) == null ? "" : m.group(1)).contains(label)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(name + "{" + label + "} is not exported");
    }

    /** The sum of every series of {@code name} whose label text contains {@code label}; 0 when none is exported. */
    public static double sum(String exposition, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$").matcher(exposition);
        double sum = 0;
        while (m.find()) {
            if ((m.group(1) == null ? "" : m.group(1)).contains(label)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}
