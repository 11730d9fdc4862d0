package dev.logquery.common.model;

import dev.logquery.common.codec.TextSanitizer;
import java.util.AbstractMap;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bounds and the one normal form of a log entry's {@code attributes}: every label, structured-metadata key
 * or OpenTelemetry attribute that is not one of the entry's own fields. Keys are sorted (so every copy of an
 * entry writes them in the same order), at most {@link #MAX_KEYS} of them, keys up to {@link #MAX_KEY_CHARS}
 * and values up to {@link #MAX_VALUE_CHARS} characters. What exceeds a bound is cut, never refused: keys beyond
 * the first {@link #MAX_KEYS} in key order are dropped, long keys and values are truncated; {@link Bounded#cut}
 * counts what was cut so that the caller can say so in its metrics.
 */
public final class Attributes {

    public static final int MAX_KEYS = 64;
    public static final int MAX_KEY_CHARS = 128;
    public static final int MAX_VALUE_CHARS = 2048;

    private Attributes() {
    }

    /** Attributes within the bounds, and how many keys or values were dropped or truncated to get there. */
    public record Bounded(SortedMap<String, String> attributes, int cut) {
    }

    /**
     * The bounded normal form of {@code raw}: NUL and lone surrogates replaced (as in every stored text), empty
     * keys dropped (counted as cut), sorted, bounded. Null values count as empty strings.
     */
    public static Bounded bound(Map<String, String> raw) {
        if (raw == null || raw.isEmpty()) {
            return new Bounded(Collections.emptySortedMap(), 0);
        }
        if (raw instanceof Normal) {
            return new Bounded((Normal) raw, 0); // bounded already: every LogEntry made from a bounded map keeps it
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        int cut = 0;
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String key = TextSanitizer.clean(e.getKey() == null ? "" : e.getKey());
            if (key.isEmpty()) {
                cut++;
                continue;
            }
            String value = TextSanitizer.clean(e.getValue() == null ? "" : e.getValue());
            if (key.length() > MAX_KEY_CHARS) {
                key = truncate(key, MAX_KEY_CHARS);
                cut++;
            }
            if (value.length() > MAX_VALUE_CHARS) {
                value = truncate(value, MAX_VALUE_CHARS);
                cut++;
            }
            sorted.put(key, value);
        }
        while (sorted.size() > MAX_KEYS) {
            sorted.pollLastEntry();
            cut++;
        }
        return new Bounded(new Normal(sorted), cut);
    }

    /**
     * Whether {@code attributes} is in the normal form already (made by {@link #bound}), so that bounding it again
     * would give the same map: what spares a line mapped, checked and decoded the same work at each step.
     */
    public static boolean isBounded(Map<String, String> attributes) {
        return attributes instanceof Normal;
    }

    /**
     * The normal form as {@link #bound} gives it: an unmodifiable view of its own sorted map, of a class no one
     * else can make, so that its type alone proves it within the bounds.
     */
    private static final class Normal extends AbstractMap<String, String> implements SortedMap<String, String> {
        private final SortedMap<String, String> map;

        Normal(TreeMap<String, String> sorted) {
            this.map = Collections.unmodifiableSortedMap(sorted);
        }

        @Override
        public Comparator<? super String> comparator() {
            return map.comparator();
        }

        @Override
        public SortedMap<String, String> subMap(String fromKey, String toKey) {
            return map.subMap(fromKey, toKey);
        }

        @Override
        public SortedMap<String, String> headMap(String toKey) {
            return map.headMap(toKey);
        }

        @Override
        public SortedMap<String, String> tailMap(String fromKey) {
            return map.tailMap(fromKey);
        }

        @Override
        public String firstKey() {
            return map.firstKey();
        }

        @Override
        public String lastKey() {
            return map.lastKey();
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }

        @Override
        public String get(Object key) {
            return map.get(key);
        }

        @Override
        public Set<String> keySet() {
            return map.keySet();
        }

        @Override
        public Collection<String> values() {
            return map.values();
        }

        @Override
        public Set<Map.Entry<String, String>> entrySet() {
            return map.entrySet();
        }
    }

    /**
     * A key in the form Loki and Prometheus give label names, {@code [a-zA-Z_][a-zA-Z0-9_]*}: every other
     * character becomes {@code _} and a leading digit gets a {@code _} before it ({@code k8s.pod.name} →
     * {@code k8s_pod_name}, {@code http.status-code} → {@code http_status_code}), so that every attribute can be
     * named in a LogQL label matcher. Loki's OTLP ingestion does the same.
     */
    public static String labelName(String key) {
        if (isLabelName(key)) {
            return key; // the usual case, once per key of every pushed line: no copy
        }
        StringBuilder b = new StringBuilder(key.length() + 1);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (i == 0 && c >= '0' && c <= '9') {
                b.append('_').append(c);
            } else {
                b.append(ok ? c : '_');
            }
        }
        return b.toString();
    }

    private static boolean isLabelName(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The text a bloom filter of {@code key=value} pairs holds for one attribute: the key's length first, so
     * that no two different pairs give the same text (a key may itself contain {@code =}).
     */
    public static String pair(String key, String value) {
        return key.length() + ":" + key + "=" + value;
    }

    private static String truncate(String s, int chars) {
        int end = chars;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
