package dev.logquery.node.ingest;

import dev.logquery.node.ingest.IngestLoop.State;
import dev.logquery.node.storage.OffsetStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the loop's batches on a second thread, so that the next batch is fetched and decoded while the
 * previous one is written. At most one batch is being written while another is gathered ({@link #submit} waits
 * for the one before), so memory is bounded by two batches plus the consumer's fetch buffers. A failed write
 * is retried with backoff ({@link Backoff}), never skipped, and reported ({@link State#RETRYING}, the kind of
 * failure in words, the count of failures in a row); a fenced write (the stored offsets moved under it) is not
 * retried: it ends the write with {@link OffsetStore.FencedException}, which the loop sees at its next
 * {@link #submit} or {@link #await}, drops its batch, reloads its state and seeks again.
 *
 * <p>{@code submit}, {@code await} and {@code finish} are called by the consumer thread only; the failure
 * details are read by health.
 */
final class WritePipeline {

    private static final Logger log = LoggerFactory.getLogger(WritePipeline.class);

    /** Writes one batch read under topic id {@code topicId}, all of it or nothing; see {@link BatchWriter#write}. */
    @FunctionalInterface
    interface Sink {
        void write(List<DecodedRecord> batch, String topicId) throws Exception;
    }

    private final Sink sink;
    private final ExecutorService writerThread;
    private final LoopStatus status;
    private final IngestMetrics metrics;
    private final BooleanSupplier running;
    private final Running.Pause pause;
    private final Clock clock;
    private Future<?> inFlight; // consumer thread only
    private volatile WriteFailure failure; // why the last write failed, null once one succeeded
    private volatile int consecutiveFailures;
    private volatile Instant lastBatchAt;

    WritePipeline(Sink sink, ExecutorService writerThread, LoopStatus status, IngestMetrics metrics,
                  BooleanSupplier running, Running.Pause pause, Clock clock) {
        this.sink = sink;
        this.writerThread = writerThread;
        this.status = status;
        this.metrics = metrics;
        this.running = running;
        this.pause = pause;
        this.clock = clock;
    }

    /** The one writer thread of shard {@code shard}. */
    static ExecutorService writerThread(int shard) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ingest-writer-shard-" + shard);
            t.setDaemon(true); // a write hung on a dead connection must not keep a stopping JVM alive
            return t;
        });
    }

    /**
     * Hands a batch to the writer thread once the previous one is written; rethrows what ended that one.
     * {@code topicId} is the id the batch was read under, confirmed just before.
     */
    void submit(List<DecodedRecord> batch, String topicId) throws Exception {
        await();
        inFlight = writerThread.submit(() -> {
            writeWithRetry(batch, topicId);
            return null;
        });
    }

    /** Whether no batch is being written (the last one, if any, has ended; its outcome is seen by the next call). */
    boolean idle() {
        return inFlight == null || inFlight.isDone();
    }

    /** Waits for the batch being written, if any; a failure that ended it is rethrown here. */
    void await() throws Exception {
        while (inFlight != null) {
            try {
                inFlight.get(200, TimeUnit.MILLISECONDS);
                inFlight = null;
            } catch (TimeoutException stillWriting) {
                // writeWithRetry gives up by itself once the node stops
            } catch (ExecutionException e) {
                inFlight = null;
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    /** Before reloading state or closing: no write may be running. Its outcome is already logged. */
    void finish() {
        try {
            await();
        } catch (Exception e) {
            log.debug("batch in flight ended with {}", e.toString());
        } finally {
            inFlight = null;
        }
    }

    /** Stops the writer thread (the node stops): a write still running is interrupted. */
    void shutdown() {
        writerThread.shutdownNow();
    }

    /** Writes until it succeeds or the node stops; a fenced write ends this consumer's life instead. */
    void writeWithRetry(List<DecodedRecord> batch, String topicId) throws Exception {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                sink.write(batch, topicId);
                failure = null;
                consecutiveFailures = 0;
                lastBatchAt = clock.instant();
                status.set(State.RUNNING);
                return;
            } catch (OffsetStore.FencedException e) {
                throw e;
            } catch (Exception e) {
                metrics.batchFailed();
                WriteFailure kind = WriteFailure.of(e);
                failure = kind;
                consecutiveFailures++;
                status.set(State.RETRYING);
                status.failed("batch of " + batch.size() + " records failed (attempt " + consecutiveFailures + ", "
                        + kind.label() + "), retrying: " + e, consecutiveFailures == 1 ? e : null);
                if (!running.getAsBoolean()) {
                    throw e; // nothing committed; the stored offsets bring these records back on restart
                }
                pause.pause(backoff.next());
            }
        }
    }

    /** Why the last write failed; null once one succeeded. */
    WriteFailure failure() {
        return failure;
    }

    int consecutiveFailures() {
        return consecutiveFailures;
    }

    Instant lastBatchAt() {
        return lastBatchAt;
    }
}
