package dev.logquery.coordinator.ui;

import static dev.logquery.coordinator.api.Quoting.abbreviate;

import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.api.FieldProblem;
import dev.logquery.coordinator.api.LogQueryRequestParser;
import dev.logquery.coordinator.api.ParsedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the body of {@code POST /api/query/volume}: the body of {@code POST /api/query/logs} (read by
 * {@link LogQueryRequestParser}, with all its rules and problems) plus an optional {@code step}, the width of a
 * bucket in whole seconds. Without {@code step} the smallest of {@link #NICE_STEPS} that cuts the window into at
 * most {@value #TARGET_BUCKETS} buckets is taken. Buckets are aligned to multiples of the step (since the epoch):
 * bucket {@code k} holds {@code [first + k * step, first + (k + 1) * step)} where {@code first} is the start time
 * rounded down to the step; at most {@value #MAX_BUCKETS} buckets. {@code limit} and {@code cursor} are read as
 * for a search and do not narrow the count: a volume counts the whole window. Pure: no I/O, and no input makes it
 * throw.
 */
public final class VolumeRequestParser {

    /** Buckets an answer may hold at most. */
    public static final int MAX_BUCKETS = 1_000;
    /** Buckets an automatic step aims at, at most. */
    public static final int TARGET_BUCKETS = 120;
    /** The steps an automatic choice picks from, in seconds. */
    static final long[] NICE_STEPS = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800,
            21_600, 43_200, 86_400};
    /** The largest step, in seconds (a week). */
    public static final long MAX_STEP_SECONDS = 604_800;

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private VolumeRequestParser() {
    }

    /** What a body asks for: a valid volume, or every problem with it. */
    public sealed interface Parsed {
    }

    /**
     * A valid volume request.
     *
     * @param query       the window and filters (no cursor position)
     * @param allowPartial false: a count missing a failed shard's lines is refused (503)
     * @param step        bucket width
     * @param first       start of bucket 0: the start time rounded down to a multiple of the step
     * @param buckets     number of buckets, 1..{@value #MAX_BUCKETS}
     */
    public record Valid(LogQuery query, boolean allowPartial, Duration step, Instant first, int buckets)
            implements Parsed {
    }

    public record Invalid(List<FieldProblem> problems) implements Parsed {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }

    public static Parsed parse(byte[] body, int maxLimit, Duration maxWindow) {
        JsonNode tree;
        try {
            tree = STRICT.readTree(body);
        } catch (JacksonException | IllegalArgumentException e) {
            tree = null;
        }
        if (!(tree instanceof ObjectNode object)) {
            // not one JSON object (or a field given twice): the search's parser names the problem
            return invalid(LogQueryRequestParser.parse(body, maxLimit, maxWindow), List.of());
        }
        List<FieldProblem> stepProblems = new ArrayList<>();
        Long stepSeconds = null;
        JsonNode step = object.remove("step");
        if (step != null && !step.isNull()) {
            if (step.isIntegralNumber() && step.canConvertToLong() && step.asLong() >= 1
                    && step.asLong() <= MAX_STEP_SECONDS) {
                stepSeconds = step.asLong();
            } else {
                stepProblems.add(new FieldProblem("step", "step must be an integer number of seconds from 1 to "
                        + MAX_STEP_SECONDS + ", is " + abbreviate(step.toString())));
            }
        }
        ParsedRequest parsed = LogQueryRequestParser.parse(STRICT.writeValueAsBytes(object), maxLimit, maxWindow);
        if (!(parsed instanceof ParsedRequest.Valid valid) || !stepProblems.isEmpty()) {
            return invalid(parsed, stepProblems);
        }
        LogQuery q = valid.query();
        long windowSeconds = Math.max(0, Duration.between(q.startTime(), q.endTime()).toSeconds());
        long seconds = stepSeconds != null ? stepSeconds : automaticStep(windowSeconds);
        Instant first = Instant.ofEpochSecond(Math.floorDiv(q.startTime().getEpochSecond(), seconds) * seconds);
        long buckets = bucketCount(first, q.endTime(), seconds);
        if (buckets > MAX_BUCKETS) {
            return new Invalid(List.of(new FieldProblem("step", "step " + seconds + " makes " + buckets
                    + " buckets of the window, more than " + MAX_BUCKETS + ": give a step of at least "
                    + minimumStep(windowSeconds) + " seconds")));
        }
        return new Valid(q.withAfter(null), valid.allowPartial(), Duration.ofSeconds(seconds), first, (int) buckets);
    }

    /** The smallest nice step giving at most {@value #TARGET_BUCKETS} buckets (a day's multiple beyond them). */
    static long automaticStep(long windowSeconds) {
        for (long s : NICE_STEPS) {
            if (windowSeconds / s + 2 <= TARGET_BUCKETS) {
                return s;
            }
        }
        long days = windowSeconds / 86_400 / (TARGET_BUCKETS - 2) + 1;
        return Math.min(MAX_STEP_SECONDS, days * 86_400);
    }

    /** Buckets from {@code first} to {@code end} inclusive. */
    static long bucketCount(Instant first, Instant end, long stepSeconds) {
        long micros = Duration.between(first, end).toNanos() / 1_000;
        return micros / (stepSeconds * 1_000_000L) + 1;
    }

    private static long minimumStep(long windowSeconds) {
        return windowSeconds / (MAX_BUCKETS - 2) + 1;
    }

    private static Invalid invalid(ParsedRequest parsed, List<FieldProblem> more) {
        List<FieldProblem> all = new ArrayList<>();
        if (parsed instanceof ParsedRequest.Invalid invalid) {
            all.addAll(invalid.problems());
        }
        all.addAll(more);
        return new Invalid(all);
    }
}
