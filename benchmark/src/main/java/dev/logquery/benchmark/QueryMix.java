package dev.logquery.benchmark;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
     * somewhere in the period; <b>contains-rare</b> {@code rareText} (found in about 50 lines of a day, see
     * {@link #rareText}) over 24 hours; <b>contains-common</b> a text found in many lines ({@value #COMMON_TEXT})
     * over 24 hours. Limit 100 each.
     */
    static List<Kind> kinds(List<String> services, Instant from, Instant end, String rareText) {
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
                new Kind("contains-rare", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(LogQueryBuilder.between(s, s.plusSeconds(86_400))
                            .contains(rareText).limit(100).build(), null);
                }),
                new Kind("contains-common", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(LogQueryBuilder.between(s, s.plusSeconds(86_400))
                            .contains(COMMON_TEXT).limit(100).build(), null);
                }));
    }

    /** The text of {@code contains-common}: part of every outgoing-request and slow-request line. */
    static final String COMMON_TEXT = "took";

    /** How many lines of a day {@code contains-rare}'s text should be found in. */
    static final int RARE_LINES_PER_DAY = 50;

    /**
     * The text of {@code contains-rare}, chosen on the loaded data: the synthetic lines {@code entering
     * XController.getX(id=N)} carry a uniform id of 4 or 5 digits, so the prefix {@code (id=} plus 1 to 4 digits
     * is found in a share of them that shrinks tenfold per digit. Each candidate is counted with SQL in the day
     * before {@code end} on {@code baseline} (a database with every line), and the one whose count is closest to
     * {@link #RARE_LINES_PER_DAY} (by ratio) is taken; the count is returned beside it.
     */
    static Rare rareText(Connection baseline, Instant end) throws SQLException {
        Random r = new Random(17);
        Rare best = null;
        for (int digits = 1; digits <= 4; digits++) {
            for (int attempt = 0; attempt < 3; attempt++) {
                StringBuilder text = new StringBuilder("(id=").append(1 + r.nextInt(9));
                for (int d = 1; d < digits; d++) {
                    text.append(r.nextInt(10));
                }
                long n = count(baseline, text.toString(), end.minus(Duration.ofDays(1)), end);
                Rare candidate = new Rare(text.toString(), n);
                if (best == null || candidate.distance() < best.distance()) {
                    best = candidate;
                }
            }
        }
        return best;
    }

    /** A text and the lines of one day it was found in. */
    record Rare(String text, long linesPerDay) {
        double distance() {
            return Math.abs(Math.log(Math.max(1, linesPerDay) / (double) RARE_LINES_PER_DAY));
        }
    }

    private static long count(Connection c, String text, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM logs WHERE ts >= ? AND ts < ? AND message ILIKE ?")) {
            ps.setObject(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            ps.setObject(2, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            ps.setString(3, "%" + text + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
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
