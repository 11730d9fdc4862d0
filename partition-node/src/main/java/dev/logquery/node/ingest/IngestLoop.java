package dev.logquery.node.ingest;

import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.TimePartitions;
import dev.logquery.node.text.TextIndex;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The node's one consumer loop, on its own thread. It assigns itself the Kafka partitions
 * {@code p % shardCount == shard} (no group rebalancing), seeks each to the offset stored in PostgreSQL
 * ({@link PartitionAssignment}), decodes records ({@link AcceptanceWindow}), gathers them into a batch bounded
 * by count, bytes and time ({@link BatchAccumulator}), and writes the batch with {@link BatchWriter} on a
 * second thread ({@link WritePipeline}), so that the next batch is fetched and decoded while the previous one
 * is written. A failed write is retried with backoff, never skipped; if the stored offsets moved under it, or
 * anything unexpected happens, the loop drops its batch, reloads its state and seeks again. Nothing a
 * producer sends can stop it.
 *
 * <p>While Kafka is unreachable the consumer keeps its position and reconnects by itself; the loop notices
 * and reports {@link State#KAFKA_UNREACHABLE} ({@link KafkaReachability}) and goes on where it stopped once
 * Kafka answers again. A topic deleted and created again under the same name is told by its id
 * ({@link TopicIdentity}): a batch is written only under a confirmed id, and the new topic is read from its
 * beginning. This class only orchestrates those pieces and the Kafka consumer.
 */
public final class IngestLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(IngestLoop.class);
    private static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(30);

    /** What the loop is doing, for health and status. */
    public enum State { STARTING, WAITING_FOR_TOPIC, RUNNING, KAFKA_UNREACHABLE, RETRYING, OFFSET_PROBLEM, STOPPED }

    private final NodeProperties properties;
    private final OffsetStore offsets;
    private final ChunkStore chunks;
    private final TimePartitions partitions;
    private final IngestMetrics metrics;
    /** Next offset (and its topic id) per Kafka partition as committed; written by the writer thread, read for lag and seeks. */
    private final Map<Integer, OffsetStore.Stored> next = new ConcurrentHashMap<>();
    private final Running running = new Running();
    private final LoopStatus loopStatus = new LoopStatus(Clock.systemUTC());
    private final KafkaReachability kafka;
    private final KafkaClients.TopicIds topicIds; // asks for the topic id; lives as long as the consumer
    private final TopicIdentity topic;
    private final PartitionAssignment assignment;
    private final AcceptanceWindow window;
    private final WritePipeline pipeline;
    private boolean topicChanged; // consumer thread only: poll() found the topic re-created
    private final TextIndex text;
    private volatile Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    public IngestLoop(NodeProperties properties, DataSource dataSource, OffsetStore offsets,
                      ChunkStore chunks, TimePartitions partitions, IngestMetrics metrics, TextIndex text) {
        this.properties = properties;
        this.offsets = offsets;
        this.chunks = chunks;
        this.partitions = partitions;
        this.metrics = metrics;
        Clock clock = Clock.systemUTC();
        this.kafka = new KafkaReachability(properties.bootstrapServers(), loopStatus, next::toString, System::nanoTime,
                clock, this::topicMayHaveChanged);
        this.topicIds = new KafkaClients.TopicIds(properties);
        this.topic = new TopicIdentity(properties.topic(), topicIds, loopStatus, kafka, System::nanoTime);
        this.assignment = new PartitionAssignment(properties.topic(), properties.bootstrapServers(), properties.shard(),
                properties.shardCount(), next, topic, loopStatus, running, running::pause,
                chunks::setKafkaPartitions);
        this.window = new AcceptanceWindow(properties.accept(), clock);
        this.text = text;
        BatchWriter writer = new BatchWriter(dataSource, offsets, chunks, partitions, properties.bloom(), metrics, text);
        this.pipeline = new WritePipeline((batch, id) -> writer.write(batch, id, next),
                WritePipeline.writerThread(properties.shard()), loopStatus, metrics, running,
                running::pause, clock);
    }

    @Override
    public void start() {
        running.set(true);
        loopStatus.set(State.STARTING);
        Thread t = new Thread(this::run, "ingest-shard-" + properties.shard());
        t.setDaemon(false);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running.set(false);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pipeline.shutdown();
        loopStatus.set(State.STOPPED);
    }

    @Override
    public boolean isRunning() {
        return running.getAsBoolean();
    }

    /** Health and status of the loop. */
    public record Status(State state, boolean threadAlive, List<Integer> kafkaPartitions, int consecutiveFailures,
                         String lastError, Instant lastErrorAt, Instant lastBatchAt, Instant kafkaUnreachableSince,
                         String topicId, String failureReason) {
    }

    public Status status() {
        Thread t = thread;
        WriteFailure failure = pipeline.failure();
        return new Status(loopStatus.state(), t != null && t.isAlive(), assignment.assigned(), pipeline.consecutiveFailures(),
                loopStatus.lastError(), loopStatus.lastErrorAt(), pipeline.lastBatchAt(), kafka.unreachableSince(),
                topic.consumed(), failure == null ? null : failure.reason());
    }

    private void run() {
        Backoff backoff = new Backoff();
        while (running.getAsBoolean()) {
            try {
                loadState(); // before Kafka: the metadata must reflect the database even while Kafka is away
            } catch (Exception e) {
                loopStatus.failed("cannot read stored state: " + e, e);
                running.pause(backoff.next());
                continue;
            }
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.consumer(properties))) {
                consumer = c;
                topicIds.open();
                consume(c);
                backoff.reset();
            } catch (WakeupException e) {
                if (running.getAsBoolean()) {
                    log.warn("consumer woken up while running; restarting it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (PartitionAssignment.OffsetBeyondLogEndException e) {
                loopStatus.set(State.OFFSET_PROBLEM);
                loopStatus.failed(e.getMessage(), null);
                running.pause(Backoff.MAX_MS);
            } catch (Exception e) {
                loopStatus.failed("ingest loop restarting: " + e, e);
                running.pause(backoff.next());
            } finally {
                pipeline.finish();
                consumer = null;
                topicIds.close();
            }
        }
        loopStatus.set(State.STOPPED);
    }

    /** Reads what is committed: offsets, chunks and existing partitions; creates today's partitions. */
    private void loadState() throws Exception {
        pipeline.finish();
        next.clear();
        next.putAll(offsets.load());
        chunks.load();
        text.load();
        partitions.load();
        partitions.createAhead();
    }

    private void consume(KafkaConsumer<byte[], byte[]> c) throws Exception {
        BatchAccumulator batch = new BatchAccumulator(properties.batch(), System::nanoTime);
        int maxPoll = KafkaClients.maxPollRecords(properties.batch());
        List<TopicPartition> mine = assignment.assign(c);
        long nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
        kafka.consumerStarted();
        topic.consumerStarted();
        boolean held = false; // the batch waits until its topic id is confirmed; the partitions are paused meanwhile

        while (running.getAsBoolean()) {
            if (mine.isEmpty()) {
                running.pause(1_000);
                mine = assignment.assign(c);
                continue;
            }
            int polled = 0;
            for (ConsumerRecord<byte[], byte[]> r : poll(c, Duration.ofMillis(batch.pollMillis()))) {
                batch.add(window.decode(r.partition(), r.offset(), r.value()));
                polled++;
            }
            if (topicChanged) { // poll() found a stored offset beyond the log end of a re-created topic
                batch.drop();
                held = false;
                mine = recreated(c);
                continue;
            }
            if (polled > 0) {
                kafka.recordsArrived();
            } else if (batch.isEmpty() && kafka.quietTooLong()) {
                askLogEnd(c, mine);
            }
            assignment.recordLag(c, mine, metrics);
            boolean due = batch.due(polled < maxPoll && pipeline.idle());
            long checking = System.nanoTime();
            TopicIdentity.Gate gate = topic.beforeWriting(due);
            if (due) {
                metrics.topicChecked(System.nanoTime() - checking);
            }
            switch (gate) {
                case CHANGED -> {
                    if (!batch.isEmpty()) {
                        log.info("dropping the {} records gathered from {} since its id changed: they are read again"
                                + " from the new topic", batch.size(), properties.topic());
                    }
                    batch.drop();
                    held = false;
                    mine = recreated(c);
                    continue;
                }
                case UNKNOWN -> {
                    if (due && !held) {
                        c.pause(mine); // nothing more is fetched into a batch that cannot be written yet
                        held = true;
                    }
                    continue;
                }
                case WAIT -> {
                    continue; // a held batch waits for the next topic check
                }
                case CONFIRMED -> {
                    if (held) {
                        c.resume(c.paused());
                        held = false;
                    }
                }
                default -> {
                    // GO: nothing to compare
                }
            }
            if (due) {
                pipeline.submit(batch.take(), topic.consumed());
            } else if (batch.isEmpty()) {
                loopStatus.pollSucceeded();
            }
            if (System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
                topic.recheck(); // compared at the next pass, before anything else is written
                List<TopicPartition> now = assignment.changed(c, mine);
                if (now != null) {
                    if (!batch.isEmpty()) {
                        pipeline.submit(batch.take(), topic.consumed());
                    }
                    pipeline.await(); // seeks below start from what is committed
                    log.info("partitions of {} changed: now {}", properties.topic(), now);
                    mine = assignment.assign(c);
                }
            }
        }
    }

    /** Polls; a stored offset outside its partition's log is resolved by {@link PartitionAssignment#outOfRange}. */
    private Iterable<ConsumerRecord<byte[], byte[]>> poll(KafkaConsumer<byte[], byte[]> c, Duration wait) {
        try {
            return c.poll(wait);
        } catch (OffsetOutOfRangeException e) {
            topicChanged = assignment.outOfRange(c, e);
            return List.of();
        }
    }

    /**
     * The topic behind the name changed: waits for the batch being written (it was read under the old id,
     * which was confirmed then), and assigns again, reading the partitions whose stored offsets belong to the
     * old id from their beginning.
     */
    private List<TopicPartition> recreated(KafkaConsumer<byte[], byte[]> c) throws Exception {
        topicChanged = false;
        topic.rechecked();
        pipeline.await();
        return assignment.assign(c);
    }

    /** Kafka answered again after an outage: the topic may have been deleted and created again meanwhile. */
    private void topicMayHaveChanged() {
        topic.recheck();
    }

    /** Asks for the log end offsets of {@code mine}: an idle poll cannot tell whether Kafka is there. */
    private void askLogEnd(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> mine) {
        kafka.check(timeout -> c.endOffsets(mine, timeout));
    }
}
