package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.SearchSummary;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a window's rows newest first through the {@link LogSearch} (the same pruning, scatter and merge as
 * {@code POST /api/query/logs}), page after page through the cursor position, until the rows run out, the reader
 * stops asking, or {@code maxRows} rows were read ({@link Stats#truncated()}). A page is at most {@code pageSize}
 * rows in memory at once; the next page is asked only when the previous one was read.
 */
final class RowScan {

    private RowScan() {
    }

    /** What a scan did, for the answer's warnings and statistics; read it after the rows completed. */
    static final class Stats {
        private final AtomicLong rows = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong pages = new AtomicLong();
        private final AtomicBoolean truncated = new AtomicBoolean();
        private final Set<ShardFailure> failures = new TreeSet<>(ShardFailure.ORDER);
        private volatile int partitionsTotal;
        private volatile int partitionsQueried;
        private volatile int partitionsPruned;

        long rows() {
            return rows.get();
        }

        long bytes() {
            return bytes.get();
        }

        long pages() {
            return pages.get();
        }

        boolean truncated() {
            return truncated.get();
        }

        synchronized List<ShardFailure> failures() {
            return List.copyOf(failures);
        }

        boolean partial() {
            return !failures().isEmpty();
        }

        int partitionsQueried() {
            return partitionsQueried;
        }

        int partitionsTotal() {
            return partitionsTotal;
        }

        int partitionsPruned() {
            return partitionsPruned;
        }

        synchronized void add(SearchSummary s) {
            pages.incrementAndGet();
            partitionsTotal = s.partitionsTotal();
            partitionsQueried = Math.max(partitionsQueried, s.partitionsQueried());
            partitionsPruned = s.partitionsPruned();
            for (ShardFailure f : s.failedPartitions()) {
                failures.add(f);
            }
        }

        /**
         * What the nodes did for a query they counted themselves ({@link NodeVolumes}): {@code rows} lines and
         * {@code bytes} bytes counted in one request to {@code shards} shards, {@code failures} the shards that
         * failed.
         */
        static Stats counted(long rows, long bytes, int shards, List<ShardFailure> failures) {
            Stats s = new Stats();
            s.rows.set(rows);
            s.bytes.set(bytes);
            s.pages.set(1);
            s.partitionsQueried = shards;
            synchronized (s) {
                s.failures.addAll(failures);
            }
            return s;
        }

        void counted(StoredLogEntry row) {
            rows.incrementAndGet();
            bytes.addAndGet(row.entry().message().length());
        }
    }

    private record Page(List<StoredLogEntry> rows, LogQuery next) {
    }

    /** The rows of {@code first} (its limit ignored), newest first, at most {@code maxRows}. */
    static Flux<StoredLogEntry> rows(LogSearch search, LogQuery first, int pageSize, long maxRows, Stats stats) {
        return page(search, first, pageSize, maxRows, stats)
                .expand(page -> page.next() == null ? Mono.empty() : page(search, page.next(), pageSize, maxRows, stats))
                .concatMapIterable(Page::rows);
    }

    private static Mono<Page> page(LogSearch search, LogQuery q, int pageSize, long maxRows, Stats stats) {
        long left = maxRows - stats.rows();
        if (left <= 0) {
            stats.truncated.set(true);
            return Mono.empty();
        }
        int limit = (int) Math.min(pageSize, left);
        LogQuery pageQuery = new LogQuery(q.startTime(), q.endTime(), q.service(), q.levels(), q.namespace(), q.pod(),
                q.contains(), limit, q.after(), q.attributes());
        return search.search(pageQuery).flatMap(execution -> execution.rows().collectList()
                .flatMap(rows -> execution.summary().map(summary -> read(q, limit, maxRows, stats, rows, summary))));
    }

    /** A page read: counted, and followed by the next one when it came full and the bound is not reached. */
    private static Page read(LogQuery q, int limit, long maxRows, Stats stats, List<StoredLogEntry> rows,
                             SearchSummary summary) {
        stats.add(summary);
        rows.forEach(stats::counted);
        LogQuery next = null;
        if (rows.size() == limit) {
            if (stats.rows() >= maxRows) {
                stats.truncated.set(true);
            } else {
                StoredLogEntry last = rows.get(rows.size() - 1);
                next = q.withAfter(new LogQuery.Position(last.entry().timestamp(), last.kafkaPartition(), last.offset()));
            }
        }
        return new Page(rows, next);
    }
}
