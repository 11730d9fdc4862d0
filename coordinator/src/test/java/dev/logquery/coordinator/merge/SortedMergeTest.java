package dev.logquery.coordinator.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class SortedMergeTest {

    private static final Instant BASE = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A row {@code microsAgo} microseconds before {@link #BASE}; the shard is derived from the partition. */
    private static StoredLogEntry row(long microsAgo, int partition, long offset) {
        LogEntry e = new LogEntry(BASE.minus(microsAgo, ChronoUnit.MICROS), "svc-" + partition, LogLevel.INFO,
                null, null, null, "line " + offset);
        return new StoredLogEntry(e, partition % 3, partition, offset);
    }

    /** Sorted random rows of source {@code s}: few distinct timestamps, so that ties are common. */
    private static List<StoredLogEntry> randomSource(Random rnd, int s, int maxRows, AtomicLong offsets) {
        int n = rnd.nextInt(maxRows + 1);
        List<StoredLogEntry> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int partition = s + 5 * rnd.nextInt(2); // a shard holds several Kafka partitions
            rows.add(row(rnd.nextInt(400), partition, offsets.getAndIncrement()));
        }
        rows.sort(LogOrder.NEWEST_FIRST);
        return rows;
    }

    private static List<StoredLogEntry> sortedFirst(List<List<StoredLogEntry>> sources, int limit) {
        return sources.stream().flatMap(List::stream).sorted(LogOrder.NEWEST_FIRST).limit(limit).toList();
    }

    @ParameterizedTest(name = "{0} sources, limit {1}")
    @CsvSource({"1,1", "1,50", "1,10000", "2,10", "2,600", "3,1", "3,100", "3,2000", "4,37", "4,1000", "5,7",
            "5,500", "5,10000"})
    void mergesToTheGloballySortedFirstRows(int sourceCount, int limit) {
        Random rnd = new Random(1_000L * sourceCount + limit);
        AtomicLong offsets = new AtomicLong();
        List<List<StoredLogEntry>> sources = new ArrayList<>();
        for (int s = 0; s < sourceCount; s++) {
            sources.add(randomSource(rnd, s, 800, offsets));
        }
        List<StoredLogEntry> expected = sortedFirst(sources, limit);

        StepVerifier.create(SortedMerge.merge(sources.stream().map(Flux::fromIterable).toList(), limit))
                .expectNextSequence(expected)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @ParameterizedTest(name = "{0} shards with a replica each, limit {1}")
    @CsvSource({"1,100", "2,300", "3,10000", "3,17"})
    void dropsTheCopiesThatReplicasSend(int shardCount, int limit) {
        Random rnd = new Random(7L * shardCount + limit);
        AtomicLong offsets = new AtomicLong();
        List<List<StoredLogEntry>> shards = new ArrayList<>();
        List<Flux<StoredLogEntry>> streams = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            List<StoredLogEntry> rows = randomSource(rnd, s, 500, offsets);
            shards.add(rows);
            streams.add(Flux.fromIterable(rows));
            // the replica lags: it lacks the newest few rows, and sends equal but not identical objects
            List<StoredLogEntry> replica = rows.subList(Math.min(rows.size(), rnd.nextInt(5)), rows.size()).stream()
                    .map(r -> new StoredLogEntry(r.entry(), r.shard(), r.kafkaPartition(), r.offset()))
                    .toList();
            streams.add(Flux.fromIterable(replica));
        }

        StepVerifier.create(SortedMerge.merge(streams, limit))
                .expectNextSequence(sortedFirst(shards, limit))
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void theLimitCountsDistinctRows() {
        List<StoredLogEntry> rows = IntStream.range(0, 10).mapToObj(i -> row(i, 0, 100 - i)).toList();
        StepVerifier.create(SortedMerge.merge(List.of(Flux.fromIterable(rows), Flux.fromIterable(rows)), 4))
                .expectNextSequence(rows.subList(0, 4))
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void onlyAdjacentCopiesAreDropped() {
        // the same (partition, offset) under two timestamps cannot come from honest replicas; both are kept
        StoredLogEntry newer = row(10, 1, 5);
        StoredLogEntry older = row(20, 1, 5);
        StoredLogEntry between = row(15, 2, 9);
        StepVerifier.create(SortedMerge.merge(List.of(Flux.just(newer, between), Flux.just(older)), 10))
                .expectNext(newer, between, older)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void endsAtTheLimitAndCancelsEverySource() {
        List<Probe> probes = List.of(new Probe(), new Probe(), new Probe());
        List<Flux<StoredLogEntry>> sources = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            sources.add(probes.get(s).watch(endless(s)));
        }

        StepVerifier.create(SortedMerge.merge(sources, 10))
                .expectNextCount(10)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(probes).allSatisfy(p -> {
            assertThat(p.cancelled).isTrue();
            assertThat(p.requested.get()).isEqualTo(SortedMerge.PREFETCH);
        });
    }

    @Test
    void aSourceThatCompletesEarlyIsNotWaitedFor() {
        Probe endlessProbe = new Probe();
        List<Flux<StoredLogEntry>> sources = List.of(Flux.just(row(0, 1, 1), row(5, 1, 0)), Flux.empty(),
                endlessProbe.watch(endless(2)));
        StepVerifier.create(SortedMerge.merge(sources, 50))
                .expectNextCount(50)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(endlessProbe.cancelled).isTrue();
    }

    @Test
    void neverRequestsMoreThanThePrefetchAhead() {
        List<Probe> probes = List.of(new Probe(), new Probe(), new Probe(), new Probe());
        List<Flux<StoredLogEntry>> sources = new ArrayList<>();
        for (int s = 0; s < probes.size(); s++) {
            sources.add(probes.get(s).watch(endless(s)));
        }

        StepVerifier.create(SortedMerge.merge(sources, 5_000), 0)
                .thenRequest(1).expectNextCount(1)
                .thenRequest(7).expectNextCount(7)
                .thenRequest(200).expectNextCount(200)
                .thenRequest(Long.MAX_VALUE).expectNextCount(5_000 - 208)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(probes).allSatisfy(p -> {
            assertThat(p.maxAhead.get()).isBetween(1L, (long) SortedMerge.PREFETCH);
            assertThat(p.emitted.get()).isGreaterThan(1_000); // all four advanced: the rows interleave
        });
        assertThat(probes.stream().mapToLong(p -> p.emitted.get()).sum())
                .isLessThanOrEqualTo(5_000 + 4L * SortedMerge.PREFETCH);
    }

    @Test
    void aSlowConsumerHoldsTheSourcesBack() {
        Probe first = new Probe();
        Probe second = new Probe();
        StepVerifier.create(SortedMerge.merge(List.of(first.watch(endless(0)), second.watch(endless(1))), 10_000), 0)
                .thenRequest(3).expectNextCount(3)
                .then(() -> {
                    assertThat(first.requested.get()).isEqualTo(SortedMerge.PREFETCH);
                    assertThat(second.requested.get()).isEqualTo(SortedMerge.PREFETCH);
                })
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(first.cancelled).isTrue();
        assertThat(second.cancelled).isTrue();
    }

    @Test
    void aSingleSourceIsAskedForExactlyTheDemand() {
        // Reactor merges one source by passing it through: no prefetch at all
        Probe probe = new Probe();
        StepVerifier.create(SortedMerge.merge(List.of(probe.watch(endless(0))), 10_000), 0)
                .thenRequest(3).expectNextCount(3)
                .then(() -> assertThat(probe.requested.get()).isEqualTo(3))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(probe.cancelled).isTrue();
    }

    @Test
    void aFailingSourceFailsTheMergeAndCancelsTheOthers() {
        IllegalStateException boom = new IllegalStateException("shard 1 is gone");
        Probe other = new Probe();
        Flux<StoredLogEntry> failing = Flux.concat(Flux.fromIterable(
                IntStream.range(0, 100).mapToObj(i -> row(i * 3L, 1, 1_000 - i)).toList()), Flux.error(boom));

        StepVerifier.create(SortedMerge.merge(List.of(other.watch(endless(0)), failing), 10_000))
                .thenConsumeWhile(e -> true)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(TIMEOUT);
        assertThat(other.cancelled).isTrue();
    }

    @Test
    void aSourceFailingAtOnceFailsTheMerge() {
        IllegalStateException boom = new IllegalStateException("connection refused");
        StepVerifier.create(SortedMerge.merge(List.of(endless(0), Flux.error(boom)), 10))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(TIMEOUT);
    }

    @Test
    void millionsOfRowsWithASmallLimitCostLittle() {
        int rowsPerSource = 1_000_000;
        List<Probe> probes = List.of(new Probe(), new Probe(), new Probe());
        List<Flux<StoredLogEntry>> sources = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int source = s;
            sources.add(probes.get(s).watch(Flux.range(0, rowsPerSource)
                    .map(i -> row(3L * i + source, source, rowsPerSource - i))));
        }
        List<StoredLogEntry> expected = IntStream.range(0, 10)
                .mapToObj(k -> row(k, k % 3, rowsPerSource - k / 3)).toList();

        long started = System.nanoTime();
        StepVerifier.create(SortedMerge.merge(sources, 10))
                .expectNextSequence(expected)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

        assertThat(probes).allSatisfy(p -> {
            assertThat(p.requested.get()).isLessThanOrEqualTo(SortedMerge.PREFETCH);
            assertThat(p.emitted.get()).isLessThanOrEqualTo(SortedMerge.PREFETCH);
            assertThat(p.cancelled).isTrue();
        });
    }

    @Test
    void millionsOfRowsDrainInConstantMemory() {
        int rowsPerSource = 1_000_000;
        List<Probe> probes = List.of(new Probe(), new Probe(), new Probe());
        List<Flux<StoredLogEntry>> sources = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int source = s;
            sources.add(probes.get(s).watch(Flux.range(0, rowsPerSource)
                    .map(i -> row(3L * i + source, source, rowsPerSource - i))));
        }
        AtomicLong previousMicrosAgo = new AtomicLong(-1);
        StepVerifier.create(SortedMerge.merge(sources, 10_000))
                .thenConsumeWhile(e -> {
                    long microsAgo = ChronoUnit.MICROS.between(e.entry().timestamp(), BASE);
                    return microsAgo == previousMicrosAgo.incrementAndGet();
                })
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(previousMicrosAgo.get()).isEqualTo(9_999);
        assertThat(probes).allSatisfy(p -> assertThat(p.maxAhead.get()).isLessThanOrEqualTo(SortedMerge.PREFETCH));
    }

    @Test
    void noSourcesNoRows() {
        StepVerifier.create(SortedMerge.merge(List.of(), 10)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(SortedMerge.merge(List.of(Flux.empty(), Flux.empty()), 10)).expectComplete().verify(TIMEOUT);
    }

    @Test
    void eachSourceIsSubscribedOnceAndOnlyWhenTheResultIs() {
        AtomicInteger subscriptions = new AtomicInteger();
        Flux<StoredLogEntry> source = Flux.defer(() -> {
            subscriptions.incrementAndGet();
            return Flux.just(row(0, 0, 1));
        });
        Flux<StoredLogEntry> merged = SortedMerge.merge(List.of(source, source), 5);
        assertThat(subscriptions).hasValue(0);
        StepVerifier.create(merged).expectNextCount(1).expectComplete().verify(TIMEOUT);
        assertThat(subscriptions).hasValue(2);
    }

    @Test
    void limitMustBeInRange() {
        assertThatThrownBy(() -> SortedMerge.merge(List.of(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SortedMerge.merge(List.of(), dev.logquery.common.query.LogQuery.HARD_MAX_LIMIT + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Rows of partition {@code p}, one microsecond apart and newest first, without end. */
    private static Flux<StoredLogEntry> endless(int p) {
        return Flux.<StoredLogEntry, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(row(i, p, Long.MAX_VALUE - i));
            return i + 1;
        });
    }

    /** Watches one source: what was requested, emitted, how far ahead requests ran, and cancellation. */
    private static final class Probe {
        final AtomicLong requested = new AtomicLong();
        final AtomicLong emitted = new AtomicLong();
        final AtomicLong maxAhead = new AtomicLong();
        volatile boolean cancelled;

        Flux<StoredLogEntry> watch(Flux<StoredLogEntry> source) {
            return source
                    .doOnNext(e -> emitted.incrementAndGet())
                    .doOnRequest(n -> {
                        long total = requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                        maxAhead.accumulateAndGet(total - emitted.get(), Math::max);
                    })
                    .doOnCancel(() -> cancelled = true);
        }
    }
}
