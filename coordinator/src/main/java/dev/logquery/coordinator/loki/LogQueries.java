package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.search.LogSearch;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Answers a log query ({@code resultType: streams}): the nodes read what {@link Pushdown} gives them, the coordinator
 * applies the rest ({@link LinePipeline}) to the merged rows and groups the lines that pass into streams by their
 * labels.
 *
 * <ul>
 *   <li>{@code backward}: the newest {@code limit} matching lines; the scan stops there.</li>
 *   <li>{@code forward}: the oldest {@code limit} matching lines, oldest first. The merge reads newest first, so
 *       the whole window is read (up to the scan bound) keeping only the last {@code limit} matches seen — reversing a
 *       backward answer would give the oldest of the newest lines instead when the limit cuts.</li>
 *   <li>At most {@code maxScanRows} rows are read when the coordinator filters; when that bound ends the scan, the
 *       answer carries a warning saying which lines it holds.</li>
 * </ul>
 */
final class LogQueries {

    private LogQueries() {
    }

    /** One stream: its labels and its lines (timestamp, line) in the answer's order. */
    record Stream(SortedMap<String, String> labels, List<StoredLogEntry> entries) {
    }

    record Result(List<Stream> streams, int entries, RowScan.Stats stats, List<String> warnings) {
    }

    static Mono<Result> run(LogSearch search, LogExpr expr, Instant start, Instant end, int limit, boolean forward,
                            LokiProperties props, int maxLimit) {
        Pushdown push = Pushdown.of(expr);
        RowScan.Stats stats = new RowScan.Stats();
        if (push.none()) {
            return Mono.just(new Result(List.of(), 0, stats, List.of()));
        }
        LinePipeline pipeline = new LinePipeline(expr);
        int pageSize = push.exact() && !forward ? limit : Math.min(maxLimit, Math.max(limit, props.pageSize()));
        long maxRows = push.exact() && !forward ? limit : Math.max(props.maxScanRows(), limit);
        LogQuery first = push.query(start, end, pageSize);
        Flux<Matched> matched = RowScan.rows(search, first, pageSize, maxRows, stats)
                .handle((row, sink) -> {
                    SortedMap<String, String> labels = pipeline.apply(row.entry());
                    if (labels != null) {
                        sink.next(new Matched(row, labels));
                    }
                });
        Mono<List<Matched>> kept;
        if (!forward) {
            kept = matched.take(limit, true).collectList();
        } else {
            kept = matched.collect(() -> new ArrayDeque<Matched>(Math.min(limit, 1024) + 1), (deque, m) -> {
                deque.addLast(m);
                if (deque.size() > limit) {
                    deque.removeFirst(); // newer than the limit oldest
                }
            }).map(deque -> {
                List<Matched> oldestFirst = new ArrayList<>(deque);
                java.util.Collections.reverse(oldestFirst);
                return oldestFirst;
            });
        }
        return kept.map(lines -> {
            Map<SortedMap<String, String>, List<StoredLogEntry>> byLabels = new LinkedHashMap<>();
            for (Matched m : lines) {
                byLabels.computeIfAbsent(m.labels(), k -> new ArrayList<>()).add(m.row());
            }
            List<Stream> streams = new ArrayList<>(byLabels.size());
            byLabels.forEach((labels, rows) -> streams.add(new Stream(labels, rows)));
            List<String> warnings = new ArrayList<>(Warnings.partial(stats));
            if (stats.truncated() && lines.size() < limit || stats.truncated() && forward) {
                warnings.add("logquery read " + stats.rows() + " rows of the window, its bound for one query"
                        + " (logquery.coordinator.loki.max-scan-rows), before " + (forward ? "reaching the oldest line"
                        : "finding " + limit + " matching lines") + ": the answer holds the matches among the newest "
                        + stats.rows() + " rows; narrow the time range or the stream selector");
            }
            return new Result(streams, lines.size(), stats, warnings);
        });
    }

    private record Matched(StoredLogEntry row, SortedMap<String, String> labels) {
    }
}
