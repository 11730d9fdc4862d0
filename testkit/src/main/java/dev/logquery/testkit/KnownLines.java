package dev.logquery.testkit;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Known log lines for tests: the same seed gives the same lines, so a failure can be replayed. */
public final class KnownLines {

    private KnownLines() {
    }

    /** {@code count} lines over {@code services} services, spread over the {@code window} before {@code end}. */
    public static List<LogEntry> generate(long seed, int count, int services, Instant end, Duration window) {
        Random random = new Random(seed);
        LogLevel[] levels = LogLevel.values();
        List<LogEntry> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String service = "svc-" + random.nextInt(services);
            long micros = (long) (random.nextDouble() * window.toNanos() / 1000);
            Instant ts = end.truncatedTo(ChronoUnit.MICROS).minus(micros, ChronoUnit.MICROS);
            LogLevel level = levels[random.nextInt(levels.length)];
            lines.add(new LogEntry(ts, service, level, "ns-" + (service.hashCode() & 3), service + "-pod-" + random.nextInt(3),
                    "app", "line " + seed + "/" + i + " tab\there \\ newline\nend é€😀"));
        }
        return lines;
    }

    /** The clusters {@link #withAttributes} picks from. */
    public static final List<String> CLUSTERS = List.of("eu-1", "eu-2", "us-1");

    /**
     * The same lines with attributes, as a gateway would give them: about one line in five has none, the others a
     * {@code cluster} of {@link #CLUSTERS} (skewed: {@code eu-1} most often), and about half of those a
     * {@code zone} ({@code a} or {@code b}) too, and some a {@code trace_id} unique to the line.
     */
    public static List<LogEntry> withAttributes(long seed, List<LogEntry> lines) {
        Random random = new Random(seed);
        List<LogEntry> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            LogEntry e = lines.get(i);
            java.util.Map<String, String> attributes = new java.util.TreeMap<>();
            if (random.nextInt(5) != 0) {
                int c = random.nextInt(6);
                attributes.put("cluster", CLUSTERS.get(c < 3 ? 0 : c < 5 ? 1 : 2));
                if (random.nextBoolean()) {
                    attributes.put("zone", random.nextBoolean() ? "a" : "b");
                }
                if (random.nextInt(4) == 0) {
                    attributes.put("trace_id", Long.toHexString(seed) + "-" + i);
                }
            }
            out.add(new LogEntry(e.timestamp(), e.service(), e.level(), e.namespace(), e.pod(), e.container(),
                    e.message(), attributes));
        }
        return out;
    }

    /** Message fragments with words to search for, mixed case, and the {@code LIKE} wildcards as text. */
    private static final List<String> MESSAGE_PARTS = List.of(
            "GET /api/orders took 35ms", "java.net.SocketTimeoutException: Read timed out", "Connection refused",
            "TIMEOUT waiting for lock", "user_id=42 logged in", "userXid=43 logged in", "progress 50% done",
            "progress 500 done", "path C:\\temp\\x", "cache miss", "Cache Hit", "retrying in 2s", "é€😀 unicode",
            "GC pause 12ms");

    /**
     * Lines for query tests: {@code services} services with three pods each, a namespace per service
     * (absent for some lines), several containers, messages built from {@link #MESSAGE_PARTS}, spread over
     * the {@code window} before {@code end}. About one line in ten repeats the timestamp of an earlier
     * line (ties that only the Kafka partition and offset can order), and some sit exactly on an hour.
     */
    public static List<LogEntry> forQueries(long seed, int count, int services, Instant end, Duration window) {
        Random random = new Random(seed);
        LogLevel[] levels = LogLevel.values();
        String[] containers = {"app", "sidecar", "init", null};
        List<LogEntry> lines = new ArrayList<>(count);
        Instant last = end.truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < count; i++) {
            int s = random.nextInt(services);
            String service = "svc-" + s;
            Instant ts;
            int kind = random.nextInt(100);
            if (kind < 10 && !lines.isEmpty()) {
                ts = lines.get(random.nextInt(lines.size())).timestamp();
            } else if (kind < 12) {
                ts = last.minus(1 + random.nextInt((int) window.toHours()), ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
            } else {
                ts = last.minus((long) (random.nextDouble() * window.toNanos() / 1000), ChronoUnit.MICROS);
            }
            String namespace = random.nextInt(10) == 0 ? null : "ns-" + (s % 3);
            String pod = service + "-pod-" + random.nextInt(3);
            String message = MESSAGE_PARTS.get(random.nextInt(MESSAGE_PARTS.size())) + " #" + i
                    + (random.nextBoolean() ? " | " + MESSAGE_PARTS.get(random.nextInt(MESSAGE_PARTS.size())) : "");
            lines.add(new LogEntry(ts, service, levels[random.nextInt(levels.length)], namespace, pod,
                    containers[random.nextInt(containers.length)], message));
        }
        return lines;
    }
}
