package dev.logquery.benchmark;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** The query benchmark's workload: the kinds of query it runs and their JSON bodies for the coordinator. */
final class QueryMix {

    /** One query of the mix, and where a deep page starts (null for a first page). */
    record Request(LogQuery query, LogQuery.Position after) {
    }

    /** A kind of query: a name and a generator of random instances. */
    record Kind(String name, Function<Random, Request> next) {
    }

    private QueryMix() {
    }

    /**
     * The mix: <b>selective</b> one service, one hour; <b>errors</b> ERROR and FATAL over 24 hours;
     * <b>broad</b> everything over the whole period; <b>deep page</b> a broad query continued from a cursor
     * somewhere in the period; <b>contains</b> a rare text over 24 hours. Limit 100 each.
     */
    static List<Kind> kinds(List<String> services, Instant from, Instant end) {
        long spanSeconds = Duration.between(from, end).getSeconds();
        return List.of(
                new Kind("selective", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 3600)));
                    return new Request(LogQueryBuilder.between(s, s.plusSeconds(3600))
                            .service(services.get(r.nextInt(services.size()))).limit(100).build(), null);
                }),
                new Kind("errors-24h", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(LogQueryBuilder.between(s, s.plusSeconds(86_400))
                            .levels(LogLevel.ERROR, LogLevel.FATAL).limit(100).build(), null);
                }),
                new Kind("broad", r -> new Request(LogQueryBuilder.between(from, end).limit(100).build(), null)),
                new Kind("deep-page", r -> {
                    Instant at = from.plusSeconds((long) (r.nextDouble() * spanSeconds)).truncatedTo(ChronoUnit.MICROS);
                    return new Request(LogQueryBuilder.between(from, end).limit(100).build(),
                            new LogQuery.Position(at, 5, Long.MAX_VALUE));
                }),
                new Kind("contains", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(LogQueryBuilder.between(s, s.plusSeconds(86_400))
                            .contains("outofmemoryerror").limit(100).build(), null);
                }));
    }

    /** The body of {@code POST /api/query/logs} for {@code r}, a deep page as the cursor a client would send. */
    static String body(Request r) {
        LogQuery q = r.query();
        StringBuilder b = new StringBuilder("{\"startTime\":\"").append(Rfc3339.format(q.startTime()))
                .append("\",\"endTime\":\"").append(Rfc3339.format(q.endTime())).append('"');
        if (q.service() != null) {
            b.append(",\"serviceName\":\"").append(q.service()).append('"');
        }
        if (q.levels() != null) {
            b.append(",\"levels\":[");
            List<LogLevel> levels = q.levels().levels();
            for (int i = 0; i < levels.size(); i++) {
                b.append(i == 0 ? "\"" : ",\"").append(levels.get(i).name()).append('"');
            }
            b.append(']');
        }
        if (q.contains() != null) {
            b.append(",\"contains\":\"").append(q.contains()).append('"');
        }
        b.append(",\"limit\":").append(q.limit());
        if (r.after() != null) {
            b.append(",\"cursor\":\"").append(CursorCodec.encode(q, r.after())).append('"');
        }
        return b.append('}').toString();
    }
}
