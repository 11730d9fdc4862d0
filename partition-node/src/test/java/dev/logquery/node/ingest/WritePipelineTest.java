package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.testkit.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WritePipeline}: a failed write is retried with doubling backoff, never skipped, and reported while it
 * fails; a fenced write is not retried; batches are written one at a time, in order, and what ended a write
 * reaches the consumer thread. Waits are recorded, not slept.
 */
class WritePipelineTest {

    static final String ID = "Hh3X8kdlQWCUt8dxvT7rCw";

    /** What a pause saw of the pipeline while it waited. */
    record Seen(long millis, State state, int failures, WriteFailure failure) {
    }

    final FakeTime time = new FakeTime();
    final LoopStatus status = new LoopStatus(time);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Seen> pauses = new ArrayList<>();
    /** What the sink does at each attempt in turn: throw the exception, or write when none is left. */
    final Deque<Exception> failures = new ArrayDeque<>();
    final List<String> written = new ArrayList<>();
    final List<String> attempts = new ArrayList<>();
    final ExecutorService writerThread = Executors.newSingleThreadExecutor();
    WritePipeline pipeline;

    {
        pipeline = new WritePipeline(this::write, writerThread, status, new IngestMetrics(registry, () -> 0),
                running::get, millis -> {
                    pauses.add(new Seen(millis, status.state(), pipeline.consecutiveFailures(), pipeline.failure()));
                    time.advanceMillis(millis);
                }, time);
    }

    /** Holds each write until it counts down; open unless a test closes it. */
    volatile CountDownLatch gate = new CountDownLatch(0);

    void write(List<DecodedRecord> batch, String topicId) throws Exception {
        if (!gate.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never opened the gate");
        }
        String name = batch.get(0).offset() + "-" + batch.get(batch.size() - 1).offset() + "@" + topicId;
        attempts.add(name);
        Exception failure = failures.poll();
        if (failure != null) {
            throw failure;
        }
        written.add(name);
    }

    static List<DecodedRecord> batch(long from, long to) {
        List<DecodedRecord> batch = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            batch.add(DecodedRecord.rejected(0, o, "x", new byte[0]));
        }
        return batch;
    }

    static SQLException diskFull() {
        return new SQLException("could not extend file \"base/5/16404.1\": No space left on device", "53100");
    }

    double failuresCounted() {
        return registry.get("ingest.batch.failures").counter().count();
    }

    @AfterEach
    void stopWriter() {
        writerThread.shutdownNow();
    }

    @Test
    void idleOnlyWhileNoBatchIsBeingWritten() throws Exception {
        assertThat(pipeline.idle()).as("nothing submitted yet").isTrue();
        gate = new CountDownLatch(1);
        pipeline.submit(batch(10, 11), ID);
        assertThat(pipeline.idle()).as("the write waits at the gate").isFalse();
        gate.countDown();
        Await.until(Duration.ofSeconds(10), "the write ends", pipeline::idle);
        assertThat(written).containsExactly("10-11@" + ID);
        pipeline.await();
        assertThat(pipeline.idle()).isTrue();
    }

    @Test
    void aFailedWriteIsRetriedWithDoublingBackoffUntilItSucceeds() throws Exception {
        for (int i = 0; i < 7; i++) {
            failures.add(diskFull());
        }
        pipeline.writeWithRetry(batch(10, 11), ID);

        assertThat(pauses).extracting(Seen::millis).containsExactly(100L, 200L, 400L, 800L, 1_600L, 3_200L, 5_000L);
        assertThat(attempts).hasSize(8).containsOnly("10-11@" + ID);
        assertThat(written).containsExactly("10-11@" + ID);
        assertThat(failuresCounted()).isEqualTo(7);
        assertThat(pauses.get(0)).isEqualTo(new Seen(100, State.RETRYING, 1, WriteFailure.DISK_FULL));
        assertThat(pauses.get(6)).isEqualTo(new Seen(5_000, State.RETRYING, 7, WriteFailure.DISK_FULL));
        assertThat(status.lastError()).startsWith("batch of 2 records failed (attempt 7, disk full), retrying: ");

        assertThat(status.state()).isEqualTo(State.RUNNING);
        assertThat(pipeline.consecutiveFailures()).isZero();
        assertThat(pipeline.failure()).isNull();
        assertThat(pipeline.lastBatchAt()).isEqualTo(time.instant());
    }

    @Test
    void theFailureReportedIsTheLatestOnes() throws Exception {
        failures.add(diskFull());
        failures.add(new SQLException("Connection refused", "08001"));
        pipeline.writeWithRetry(batch(0, 0), ID);
        assertThat(pauses).extracting(Seen::failure)
                .containsExactly(WriteFailure.DISK_FULL, WriteFailure.DATABASE_UNREACHABLE);
    }

    @Test
    void aFencedWriteIsNotRetried() {
        failures.add(new OffsetStore.FencedException("stored offset of pod-logs-0 is not 10: another writer moved it"));
        assertThatThrownBy(() -> pipeline.writeWithRetry(batch(10, 11), ID))
                .isInstanceOf(OffsetStore.FencedException.class);
        assertThat(attempts).hasSize(1);
        assertThat(pauses).isEmpty();
        assertThat(failuresCounted()).isZero();
        assertThat(pipeline.consecutiveFailures()).isZero();
    }

    @Test
    void aStoppingNodeGivesUpAfterTheAttemptThatFailed() {
        running.set(false);
        SQLException failure = diskFull();
        failures.add(failure);
        assertThatThrownBy(() -> pipeline.writeWithRetry(batch(10, 11), ID)).isSameAs(failure);
        assertThat(attempts).hasSize(1);
        assertThat(pauses).isEmpty();
        assertThat(status.state()).isEqualTo(State.RETRYING);
        assertThat(pipeline.consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void batchesAreWrittenInOrderOnTheWriterThread() throws Exception {
        pipeline.submit(batch(0, 9), ID);
        pipeline.submit(batch(10, 19), ID);
        pipeline.submit(batch(20, 20), "newer");
        pipeline.await();
        assertThat(written).containsExactly("0-9@" + ID, "10-19@" + ID, "20-20@newer");
        pipeline.await(); // nothing in flight: returns at once
    }

    @Test
    void whatEndedAWriteIsRethrownAndTheNextBatchNotWritten() throws Exception {
        failures.add(new OffsetStore.FencedException("moved"));
        pipeline.submit(batch(0, 9), ID);
        assertThatThrownBy(() -> pipeline.submit(batch(10, 19), ID)).isInstanceOf(OffsetStore.FencedException.class)
                .hasMessage("moved");
        pipeline.await();
        assertThat(attempts).containsExactly("0-9@" + ID);
        assertThat(written).isEmpty();
    }

    @Test
    void finishForgetsHowTheLastWriteEnded() throws Exception {
        failures.add(new OffsetStore.FencedException("moved"));
        pipeline.submit(batch(0, 9), ID);
        pipeline.finish();
        pipeline.submit(batch(0, 9), ID); // read again after a reload
        pipeline.await();
        assertThat(written).containsExactly("0-9@" + ID);
    }
}
