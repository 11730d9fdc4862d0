package dev.logquery.node.publish;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * When the node publishes its metadata: pure timing, no I/O, so that it can be tested in virtual time.
 *
 * <ul>
 *   <li>A change is published at once when the last publish started at least {@code minGap} ago;
 *       otherwise once, {@code minGap} after the last one started, covering every change since
 *       (the publish reads the metadata when it runs; a change carries nothing).</li>
 *   <li>Every {@code refresh}, and once right away, a publish happens without any change, so that what
 *       was published does not expire while nothing is ingested.</li>
 *   <li>Publishes never overlap: the next waits for the previous to end, however long it takes.</li>
 *   <li>Publishes start on {@code timer}, never on the thread that signalled the change.</li>
 * </ul>
 *
 * <p>Built from Reactor operators: changes and refresh ticks are merged, {@code onBackpressureLatest}
 * keeps at most one waiting trigger (memory does not grow with the number of changes), and
 * {@code concatMap} without prefetch runs one publish at a time, each paired with a {@code minGap} delay
 * that holds back the next one.
 */
final class PublishPacing {

    private PublishPacing() {
    }

    /**
     * Runs {@code publish} as described above until the subscription is cancelled (the refresh ticks never
     * end by themselves). {@code publish} must not fail: an error would end the pacing.
     *
     * @param timer where the delays and ticks run
     */
    static Flux<Void> pace(Flux<?> changes, Duration minGap, Duration refresh, Mono<Void> publish, Scheduler timer) {
        return Flux.merge(changes.cast(Object.class), Flux.interval(Duration.ZERO, refresh, timer))
                .onBackpressureLatest()
                .concatMap(trigger -> Mono.when(publish.subscribeOn(timer), Mono.delay(minGap, timer)), 0);
    }
}
