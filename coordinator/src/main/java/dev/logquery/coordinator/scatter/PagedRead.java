package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.coordinator.merge.NextCursor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * A plan's pages read one statement at a time, each only when the reader asks for one more: {@link ShardQuery}
 * flattens pages into rows one page at a time and asks for the next once the merge has taken the last row of the
 * one before, never earlier. So a shard whose first page held its part of the answer (plus the merge's
 * look-ahead) runs one statement. While a statement runs, an empty {@link NodeAnswer.Rows} goes out
 * every {@code keepAlive} (when asked for), as a node sends blank lines while it scans: a statement that searches
 * long for rare rows is not taken for a stalled replica; the query's deadline and the statement timeout bound
 * it. A page that comes while nothing is asked for waits here (one page at most).
 */
final class PagedRead {

    /** A sign of life while a statement runs (no row). */
    private static final NodeAnswer.Rows ALIVE = new NodeAnswer.Rows(List.of());

    private final FluxSink<NodeAnswer> sink;
    private final Function<Page, Mono<Page>> statement;
    private final ScanPlan plan;
    private final int pageRows;
    private final Disposable ticks;
    /** Serializes {@link #drain}: whoever raises it from 0 drains, the others only tell it to go round again. */
    private final AtomicInteger wip = new AtomicInteger();
    /** The page to read next (drain only); null when none is left. */
    private Page next;
    private boolean done;
    /** A statement runs (set by drain, cleared by its outcome). */
    private volatile boolean running;
    /** A page read and not sent yet. */
    private volatile Page read;
    private volatile Throwable failed;
    private volatile boolean tick;
    private volatile Disposable current;

    PagedRead(FluxSink<NodeAnswer> sink, Function<Page, Mono<Page>> statement, ScanPlan plan, int pageRows,
            Page first, Duration keepAlive) {
        this.sink = sink;
        this.statement = statement;
        this.plan = plan;
        this.pageRows = pageRows;
        this.next = first;
        this.ticks = Flux.interval(keepAlive, keepAlive).subscribe(t -> {
            tick = true;
            drain();
        });
        sink.onRequest(n -> drain());
        sink.onDispose(this::stop);
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!done) {
                step();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    /** Sends what may be sent, then starts the next statement if rows beyond those sent are asked for. */
    private void step() {
        Throwable e = failed;
        if (e != null) {
            done = true;
            sink.error(e);
            return;
        }
        Page page = read;
        if (page != null && sink.requestedFromDownstream() > 0) {
            read = null;
            next = page.next(plan, pageRows);
            sink.next(new NodeAnswer.Rows(page.rows()));
            if (next == null) {
                done = true;
                sink.complete();
                return;
            }
        }
        if (tick) {
            tick = false;
            if (running && sink.requestedFromDownstream() > 0) {
                sink.next(ALIVE);
            }
        }
        if (!running && read == null && next != null && sink.requestedFromDownstream() > 0) {
            Page start = next;
            next = null;
            running = true;
            current = statement.apply(start).subscribe(rows -> {
                read = rows;
                running = false;
                drain();
            }, error -> {
                failed = error;
                running = false;
                drain();
            });
        }
    }

    private void stop() {
        ticks.dispose();
        Disposable d = current;
        if (d != null) {
            d.dispose();
        }
    }

    /**
     * One statement's rows: range {@code range} of the plan, from {@code query}'s cursor on, at most {@code asked}
     * rows ({@code remaining} of the limit are still wanted).
     */
    record Page(int range, LogQuery query, int remaining, int asked, List<StoredLogEntry> rows) {

        /** The page after this one, or null when the answer is complete. */
        Page next(ScanPlan plan, int pageRows) {
            int left = remaining - rows.size();
            if (left <= 0) {
                return null;
            }
            if (rows.size() == asked) { // a full page: the range may hold more
                return new Page(range, query.withAfter(NextCursor.position(rows.get(rows.size() - 1))), left,
                        Math.min(left, pageRows), List.of());
            }
            if (range + 1 < plan.ranges().size()) {
                return new Page(range + 1, query, left, Math.min(left, pageRows), List.of());
            }
            return null;
        }
    }
}
