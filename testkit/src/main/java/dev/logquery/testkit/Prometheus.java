package dev.logquery.testkit;

import java.util.ArrayList;
import java.util.List;
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
        List<Double> values = values(exposition, name, label);
        if (values.isEmpty()) {
            throw new AssertionError(name + "{" + label + "} is not exported");
        }
        return values.get(0);
    }

    /** The sum of every series of {@code name} whose label text contains {@code label}; 0 when none is exported. */
    public static double sum(String exposition, String name, String label) {
        return values(exposition, name, label).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The values of the series of {@code name} whose label text contains {@code label}, in the exposition's order. */
    private static List<Double> values(String exposition, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$").matcher(exposition);
        List<Double> values = new ArrayList<>();
        while (m.find()) {
            if ((m.group(1) == null ? "" : m.group(1)).contains(label)) {
                values.add(Double.parseDouble(m.group(2)));
            }
        }
        return values;
    }
}
