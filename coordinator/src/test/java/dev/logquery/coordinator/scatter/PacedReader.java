package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Schedulers;

/**
 * A reader that asks for its first row after {@code firstAfterMs}, for each next one {@code nextAfterMs} after
 * the last arrived, and stops after {@code max} rows; {@code ended} is its error, or null.
 */
final class PacedReader extends BaseSubscriber<StoredLogEntry> {
    final List<StoredLogEntry> rows = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    private final long firstAfterMs;
    private final long nextAfterMs;
    private final int max;

    PacedReader(long firstAfterMs, long nextAfterMs, int max) {
        this.firstAfterMs = firstAfterMs;
        this.nextAfterMs = nextAfterMs;
        this.max = max;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        Schedulers.parallel().schedule(() -> request(1), firstAfterMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void hookOnNext(StoredLogEntry row) {
        rows.add(row);
        if (rows.size() == max) {
            cancel();
            ended.complete(null);
            return;
        }
        Schedulers.parallel().schedule(() -> request(1), nextAfterMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void hookOnError(Throwable e) {
        ended.complete(e);
    }

    @Override
    protected void hookOnComplete() {
        ended.complete(null);
    }
}
