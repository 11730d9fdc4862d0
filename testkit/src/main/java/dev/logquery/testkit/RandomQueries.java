package dev.logquery.testkit;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

/**
 * Random queries over lines made by {@link KnownLines#forQueries}, for comparing answers with the {@link Truth}: windows
 * from empty to longer than the data, starts and ends right on a line (both ends are inclusive), on an hour (where
 * chunks meet) and on the last microsecond of an hour; some filters absent, some matching nothing; {@code contains}
 * with the {@code LIKE} wildcards and backslash as text, other cases and non-ASCII. The same seed gives the same
 * queries, so a failure can be replayed.
 */
public final class RandomQueries {

    /** Texts to search for: words of the generated messages, wildcards and escapes as text, nothing at all. */
    public static final List<String> CONTAINS = List.of("timeout", "TIMED OUT", "refused", "cache", "50%", "user_id",
            "_", "%", "C:\\temp", "\\", "é€", "#1", "no such text");

    private final Truth sample;
    private final Instant oldest;
    private final Instant newest;
    private final int services;
    private final int maxLimit;
    private final Duration longest;

    /**
     * @param sample   the lines whose timestamps, namespaces and pods queries borrow (the same whatever ran before)
     * @param services how many services the lines were spread over ({@code svc-0} ...)
     * @param maxLimit the largest limit a query asks for
     * @param longest  the longest window (more than the data's span makes some queries cover everything)
     */
    public RandomQueries(Truth sample, int services, int maxLimit, Duration longest) {
        this.sample = sample;
        this.oldest = sample.oldest();
        this.newest = sample.newest();
        this.services = services;
        this.maxLimit = maxLimit;
        this.longest = longest;
    }

    public LogQuery next(Random r) {
        long[] lengthsSeconds = {0, 1, 60, 600, 3_600, 3 * 3_600, 12 * 3_600, 86_400, longest.toSeconds()};
        Duration length = Duration.ofSeconds(lengthsSeconds[r.nextInt(lengthsSeconds.length)]);
        Instant from = oldest.minus(Duration.ofHours(2));
        long spanMicros = ChronoUnit.MICROS.between(from, newest.plus(Duration.ofHours(2)));
        Instant start = from.plus((long) (r.nextDouble() * spanMicros), ChronoUnit.MICROS);
        int edge = r.nextInt(10);
        if (edge == 0) {
            start = row(r).entry().timestamp(); // the start is inclusive: a row sits right on it
        } else if (edge == 1) {
            start = row(r).entry().timestamp().minus(length); // so is the end
        } else if (edge == 2) {
            start = start.truncatedTo(ChronoUnit.HOURS); // on an hour, where chunks meet
        }
        Instant end = start.plus(length);
        if (edge == 3) {
            end = end.truncatedTo(ChronoUnit.HOURS).minusNanos(1000); // the last microsecond of an hour
            start = end.minus(length);
        }
        StoredLogEntry row = row(r);
        String service = r.nextInt(10) < 4 ? "svc-" + r.nextInt(services) : r.nextInt(20) == 0 ? "svc-absent" : null;
        LevelSet levels = r.nextInt(10) < 4 ? new LevelSet(1 + r.nextInt(LevelSet.ALL.bits())) : null;
        String namespace = r.nextInt(10) < 2 ? row.entry().namespace() : null;
        String pod = r.nextInt(10) == 0 ? row.entry().pod() : null;
        String contains = r.nextInt(10) < 2 ? CONTAINS.get(r.nextInt(CONTAINS.size())) : null;
        return LogQueryBuilder.between(start, end).service(service).levels(levels).namespace(namespace).pod(pod)
                .contains(contains).limit(1 + r.nextInt(maxLimit)).build();
    }

    /** A line of the sample. */
    public StoredLogEntry row(Random r) {
        return sample.rows().get(r.nextInt(sample.size()));
    }
}
