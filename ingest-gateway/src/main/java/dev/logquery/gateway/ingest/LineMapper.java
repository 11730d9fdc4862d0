package dev.logquery.gateway.ingest;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a {@link RawLine} onto the Kafka record a partition node stores, or refuses it.
 *
 * <ul>
 *   <li>Every key is first normalised to a Loki label name ({@link Attributes#labelName}: {@code service.name} →
 *       {@code service_name}); where two keys of one rank normalise alike, the first wins.</li>
 *   <li>{@code service}: the first non-empty of {@code service_name}, {@code service}, {@code app},
 *       {@code application}, {@code k8s_deployment_name}, {@code job}, looked for among the primary keys, then
 *       among the secondary ones; none: {@code unknown_service}. {@code namespace}: {@code namespace},
 *       {@code k8s_namespace_name}; {@code pod}: {@code pod}, {@code k8s_pod_name}; {@code container}:
 *       {@code container}, {@code k8s_container_name}, the same way.</li>
 *   <li>{@code level}: the first of {@code level}, {@code detected_level}, {@code severity} (primary, then
 *       secondary) whose value names a level ({@link Levels#named}); else OTLP's severity text, else its severity
 *       number; else detected from the line ({@link Levels#detect}); else {@link LogLevel#UNKNOWN}.</li>
 *   <li>The keys that gave a field are used up; every other key becomes an attribute (primary over secondary
 *       where both have it), bounded by {@link Attributes#bound} (what is cut is counted).</li>
 *   <li>Refused: a timestamp older than {@code maxAge} ({@link #TOO_OLD}) or more than {@code maxFuture} ahead
 *       ({@link #TOO_NEW}), the partition node's acceptance window; a line the record codec would reject
 *       ({@link #INVALID}: a service over 128 characters, a pod name over 253...). A message over 64 KiB is
 *       stored cut, as the codec does. The record is checked by the codec's own rules
 *       ({@link LogEntryCodec#check}), so the gateway never writes what a node would reject.</li>
 * </ul>
 */
public final class LineMapper {

    public static final String TOO_OLD = "too_old";
    public static final String TOO_NEW = "too_new";
    public static final String INVALID = "invalid";
    public static final String UNKNOWN_SERVICE = "unknown_service";

    static final List<String> SERVICE_KEYS =
            List.of("service_name", "service", "app", "application", "k8s_deployment_name", "job");
    static final List<String> NAMESPACE_KEYS = List.of("namespace", "k8s_namespace_name");
    static final List<String> POD_KEYS = List.of("pod", "k8s_pod_name");
    static final List<String> CONTAINER_KEYS = List.of("container", "k8s_container_name");
    static final List<String> LEVEL_KEYS = List.of("level", "detected_level", "severity");

    private final Duration maxAge;
    private final Duration maxFuture;
    private final Clock clock;

    public LineMapper(Duration maxAge, Duration maxFuture, Clock clock) {
        this.maxAge = maxAge;
        this.maxFuture = maxFuture;
        this.clock = clock;
    }

    /** What became of one line. */
    public sealed interface Result {
    }

    /** A record to write: key (the service) and value ({@link LogEntryCodec#encode}). */
    public record Line(LogEntry entry, String key, byte[] value, int attributesCut) implements Result {
    }

    /** Not written: {@code reason} is {@link #TOO_OLD}, {@link #TOO_NEW} or {@link #INVALID}. */
    public record Refused(String reason, String detail) implements Result {
    }

    /** The instant lines are checked against, the same for every line of one push. */
    public Instant now() {
        return clock.instant();
    }

    public Result map(RawLine raw, Instant now) {
        Map<String, String> primary = normalise(raw.primary());
        Map<String, String> secondary = normalise(raw.secondary());
        String service = take(primary, secondary, SERVICE_KEYS);
        String namespace = take(primary, secondary, NAMESPACE_KEYS);
        String pod = take(primary, secondary, POD_KEYS);
        String container = take(primary, secondary, CONTAINER_KEYS);
        String message = raw.line() == null ? "" : raw.line();
        LogLevel level = level(primary, secondary, raw, message);

        Instant ts = raw.timestamp();
        if (ts.isBefore(now.minus(maxAge))) {
            return new Refused(TOO_OLD, "timestamp " + ts + " is older than " + maxAge
                    + " (logquery.gateway.max-age)");
        }
        if (ts.isAfter(now.plus(maxFuture))) {
            return new Refused(TOO_NEW, "timestamp " + ts + " is more than " + maxFuture
                    + " ahead (logquery.gateway.max-future)");
        }
        Map<String, String> attributes = new LinkedHashMap<>(secondary);
        attributes.putAll(primary);
        Attributes.Bounded bounded = Attributes.bound(attributes);
        LogEntry candidate = new LogEntry(ts, service == null ? UNKNOWN_SERVICE : service, level, namespace, pod,
                container, message, bounded.attributes());
        DecodeResult decoded = LogEntryCodec.check(candidate);
        if (decoded instanceof DecodeResult.Rejected r) {
            return new Refused(INVALID, r.reason());
        }
        LogEntry entry = ((DecodeResult.Accepted) decoded).entry();
        return new Line(entry, entry.service(), LogEntryCodec.encode(entry), bounded.cut());
    }

    private static LogLevel level(Map<String, String> primary, Map<String, String> secondary, RawLine raw,
                                  String message) {
        for (Map<String, String> rank : List.of(primary, secondary)) {
            for (String key : LEVEL_KEYS) {
                Optional<LogLevel> named = Levels.named(rank.get(key));
                if (named.isPresent()) {
                    rank.remove(key);
                    return named.get();
                }
            }
        }
        Optional<LogLevel> level = Levels.named(raw.severityText());
        if (level.isEmpty()) {
            level = Levels.fromSeverityNumber(raw.severityNumber());
        }
        return level.orElseGet(() -> Levels.detect(message));
    }

    /** The first non-blank value of {@code keys} in {@code primary}, then in {@code secondary}; its key is used up. */
    private static String take(Map<String, String> primary, Map<String, String> secondary, List<String> keys) {
        for (Map<String, String> rank : List.of(primary, secondary)) {
            for (String key : keys) {
                String v = rank.get(key);
                if (v != null && !v.isBlank()) {
                    rank.remove(key);
                    return v;
                }
            }
        }
        return null;
    }

    private static Map<String, String> normalise(Map<String, String> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            for (Map.Entry<String, String> e : raw.entrySet()) {
                if (e.getKey() != null) {
                    out.putIfAbsent(Attributes.labelName(e.getKey()), e.getValue() == null ? "" : e.getValue());
                }
            }
        }
        return out;
    }
}
