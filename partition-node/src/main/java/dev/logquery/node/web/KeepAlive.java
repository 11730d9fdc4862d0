package dev.logquery.node.web;

import java.time.Duration;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A streamed answer with a blank line every {@code every} while it runs: a scan that finds no row for seconds
 * (a rare {@code contains} over many hours) still shows the coordinator that the node is working on it, so it
 * is told from a node that hangs. Readers of NDJSON skip blank lines. When the client does not ask for more,
 * at most {@code prefetch} blank lines wait and later ones are dropped; none follows the end of the answer.
 */
final class KeepAlive {

    private KeepAlive() {
    }

    /**
     * @param prefetch rows (batches) requested ahead from {@code answer}: the bound it had before
     */
    static <T> Flux<T> around(Flux<T> answer, Duration every, Supplier<T> blank, Scheduler timer, int prefetch) {
        if (every.isZero()) {
            return answer;
        }
        return Flux.defer(() -> {
            Sinks.Empty<Void> ended = Sinks.empty();
            Flux<T> rows = answer.doFinally(signal -> ended.tryEmitEmpty());
            Flux<T> blanks = Flux.interval(every, every, timer)
                    .onBackpressureDrop()
                    .map(tick -> blank.get())
                    .takeUntilOther(ended.asMono().thenReturn(Boolean.TRUE));
            return Flux.merge(prefetch, rows, blanks);
        });
    }
}
