package dev.logquery.node.ingest;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.TimePartitions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The node's one consumer loop, on its own thread. It assigns itself the Kafka partitions
 * {@code p % shardCount == shard} (no group rebalancing), seeks each to the offset stored in PostgreSQL,
 * gathers records into a batch bounded by count, bytes and time, and writes the batch with
 * {@link BatchWriter} on a second thread, so that the next batch is fetched and decoded while the
 * previous one is written. At most one batch is being written while another is gathered, so memory is
 * bounded by two batches plus the consumer's fetch buffers. A failed write is retried with backoff, never skipped; if the stored offsets moved
 * under it, or anything unexpected happens, the loop drops its batch, reloads its state and seeks again.
 * Nothing a producer sends can stop it.
 *
 * <p>While Kafka is unreachable the consumer keeps its position and reconnects by itself; the loop notices
 * (no record for {@value #KAFKA_CHECK_AFTER_MS} ms, and asking for the log end offsets times out), reports
 * {@link State#KAFKA_UNREACHABLE} and goes on where it stopped once Kafka answers again.
 *
 * <p>The offsets are stored with the id of the topic they belong to (an {@link Admin} client asks for it; the
 * consumer does not tell). A topic deleted and created again under the same name has a new id and starts
 * its offsets at 0 again, so at assignment, when Kafka answers again after an outage, every 30 s, when a
 * stored offset lies beyond the log end, and before each batch is written, the loop compares the topic's id
 * with the one it consumes: when it changed, it drops the batch it gathered, reads the partitions whose
 * stored offsets belong to another id from their beginning (instead of seeking to offsets that would skip
 * the new topic's first records), says so in one warning, and stores the new id with the next batch's
 * offsets. Rows stored from the old topic stay. A batch is written only once the id it was read under is
 * confirmed, so no record of the new topic is ever stored as one of the old (which would store it twice).
 */
public final class IngestLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(IngestLoop.class);
    private static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 5_000;
    static final long KAFKA_CHECK_AFTER_MS = 5_000;
    private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(3);

    /** What the loop is doing, for health and status. */
    public enum State { STARTING, WAITING_FOR_TOPIC, RUNNING, KAFKA_UNREACHABLE, RETRYING, OFFSET_PROBLEM, STOPPED }

    private final NodeProperties properties;
    private final OffsetStore offsets;
    private final ChunkStore chunks;
    private final TimePartitions partitions;
    private final BatchWriter writer;
    private final IngestMetrics metrics;

    /** Next offset (and its topic id) per Kafka partition as committed; written by the writer thread, read for lag and seeks. */
    private final Map<Integer, OffsetStore.Stored> next = new ConcurrentHashMap<>();
    private final ExecutorService writerThread;
    private Future<?> inFlight; // consumer thread only
    private Admin admin; // consumer thread only: asks for the topic id, lives as long as the consumer
    private boolean recheckTopic; // consumer thread only: compare the topic id before going on (Kafka answered again)
    private boolean topicChanged; // consumer thread only: poll() found the topic re-created
    private String recreationReported; // consumer thread only: the new topic id the warning was given for
    private volatile String topicId; // the id of the topic consumed; null: the broker gives none
    private volatile WriteFailure writeFailure; // why the last write failed, null once one succeeded
    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile State state = State.STOPPED;
    private volatile List<Integer> assigned = List.of();
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile Instant lastBatchAt;
    private volatile Instant kafkaUnreachableSince;

    public IngestLoop(NodeProperties properties, javax.sql.DataSource dataSource, OffsetStore offsets,
                      ChunkStore chunks, TimePartitions partitions, IngestMetrics metrics) {
        this.properties = properties;
        this.offsets = offsets;
        this.chunks = chunks;
        this.partitions = partitions;
        this.metrics = metrics;
        this.writer = new BatchWriter(dataSource, offsets, chunks, partitions, properties.bloom(), metrics);
        this.writerThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ingest-writer-shard-" + properties.shard());
            t.setDaemon(true); // a write hung on a dead connection must not keep a stopping JVM alive
            return t;
        });
    }

    @Override
    public void start() {
        running = true;
        state = State.STARTING;
        Thread t = new Thread(this::run, "ingest-shard-" + properties.shard());
        t.setDaemon(false);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running = false;
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
        writerThread.shutdownNow();
        state = State.STOPPED;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Health and status of the loop. */
    public record Status(State state, boolean threadAlive, List<Integer> kafkaPartitions, int consecutiveFailures,
                         String lastError, Instant lastErrorAt, Instant lastBatchAt, Instant kafkaUnreachableSince,
                         String topicId, String failureReason) {
    }

    public Status status() {
        Thread t = thread;
        WriteFailure failure = writeFailure;
        return new Status(state, t != null && t.isAlive(), assigned, consecutiveFailures, lastError, lastErrorAt,
                lastBatchAt, kafkaUnreachableSince, topicId, failure == null ? null : failure.reason());
    }

    private void run() {
        long backoff = 100;
        while (running) {
            try {
                loadState(); // before Kafka: the metadata must reflect the database even while Kafka is away
            } catch (Exception e) {
                failed("cannot read stored state: " + e, e);
                sleepWhileRunning(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                continue;
            }
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                admin = Admin.create(adminProperties());
                consume(c);
                backoff = 100;
            } catch (WakeupException e) {
                if (running) {
                    log.warn("consumer woken up while running; restarting it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (OffsetBeyondLogEndException e) {
                state = State.OFFSET_PROBLEM;
                failed(e.getMessage(), null);
                sleepWhileRunning(MAX_BACKOFF_MS);
            } catch (Exception e) {
                failed("ingest loop restarting: " + e, e);
                sleepWhileRunning(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } finally {
                finishInFlight();
                consumer = null;
                closeAdmin();
            }
        }
        state = State.STOPPED;
    }

    /** Reads what is committed: offsets, chunks and existing partitions; creates today's partitions. */
    private void loadState() throws Exception {
        finishInFlight();
        next.clear();
        next.putAll(offsets.load());
        chunks.load();
        partitions.load();
        partitions.createAhead();
    }

    private void consume(KafkaConsumer<byte[], byte[]> c) throws Exception {
        NodeProperties.Batch limits = properties.batch();
        long maxWaitNanos = limits.maxWait().toNanos();
        long maxBytes = limits.maxBytes().toBytes();
        List<DecodedRecord> batch = new ArrayList<>();
        long batchBytes = 0;
        long batchStarted = 0;
        List<TopicPartition> mine = assign(c);
        long nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
        long lastHeardOfKafka = System.nanoTime();
        boolean held = false; // the batch waits until its topic id is confirmed; the partitions are paused meanwhile
        long nextTopicCheck = 0;

        while (running) {
            if (mine.isEmpty()) {
                sleepWhileRunning(1_000);
                mine = assign(c);
                continue;
            }
            long waitMs = batch.isEmpty() ? 200
                    : Math.max(1, (maxWaitNanos - (System.nanoTime() - batchStarted)) / 1_000_000);
            int polled = 0;
            for (ConsumerRecord<byte[], byte[]> r : poll(c, Duration.ofMillis(Math.min(waitMs, 200)))) {
                if (batch.isEmpty()) {
                    batchStarted = System.nanoTime();
                }
                DecodedRecord d = decode(r);
                batch.add(d);
                batchBytes += d.weight();
                polled++;
            }
            if (topicChanged) { // poll() found a stored offset beyond the log end of a re-created topic
                batch = new ArrayList<>();
                batchBytes = 0;
                held = false;
                mine = recreated(c);
                continue;
            }
            if (polled > 0) {
                lastHeardOfKafka = System.nanoTime();
                kafkaAnswered(); // records are an answer too: the end of an outage may show first as records
            } else if (batch.isEmpty() && System.nanoTime() - lastHeardOfKafka >= KAFKA_CHECK_AFTER_MS * 1_000_000) {
                if (kafkaAnswers(c, mine)) {
                    lastHeardOfKafka = System.nanoTime();
                }
            }
            recordLag(c, mine);
            boolean due = !batch.isEmpty() && (batch.size() >= limits.maxRecords() || batchBytes >= maxBytes
                    || System.nanoTime() - batchStarted >= maxWaitNanos);
            if ((due || recheckTopic) && System.nanoTime() >= nextTopicCheck) {
                // A batch is written only under a confirmed topic id: records fetched after a re-creation come
                // from the new topic, at the old position; stored as the old topic's, they would be read again.
                TopicCheck check = checkTopic();
                if (check == TopicCheck.CHANGED) {
                    if (!batch.isEmpty()) {
                        log.info("dropping the {} records gathered from {} since its id changed: they are read again"
                                + " from the new topic", batch.size(), properties.topic());
                    }
                    batch = new ArrayList<>();
                    batchBytes = 0;
                    held = false;
                    mine = recreated(c);
                    continue;
                }
                if (check == TopicCheck.UNKNOWN) {
                    nextTopicCheck = System.nanoTime() + 1_000_000_000L;
                    if (due && !held) {
                        c.pause(mine); // nothing more is fetched into a batch that cannot be written yet
                        held = true;
                    }
                    continue;
                }
                recheckTopic = false;
                if (held) {
                    c.resume(c.paused());
                    held = false;
                }
            } else if (due) {
                continue; // a held batch waits for the next topic check
            }
            if (due) {
                submit(batch);
                batch = new ArrayList<>();
                batchBytes = 0;
            } else if (batch.isEmpty() && state != State.RETRYING && state != State.KAFKA_UNREACHABLE
                    && state != State.WAITING_FOR_TOPIC) {
                state = State.RUNNING; // the poll above succeeded
            }
            if (System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
                recheckTopic = true; // compared at the next pass, before anything else is written
                List<TopicPartition> now;
                try {
                    now = mineOf(c.partitionsFor(properties.topic(), Duration.ofSeconds(5)));
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    continue; // Kafka away: keep what we have, ask again next time
                }
                if (now.equals(mine)) {
                    continue;
                }
                if (!batch.isEmpty()) {
                    submit(batch);
                    batch = new ArrayList<>();
                    batchBytes = 0;
                }
                awaitInFlight(); // seeks below start from what is committed
                log.info("partitions of {} changed: now {}", properties.topic(), now);
                mine = assign(c);
            }
        }
    }

    /**
     * Polls; a stored offset outside the partition's log is resolved here (the consumer runs with
     * {@code auto.offset.reset=none}): below the log start, retention removed those records before they
     * were stored, so reading goes on from the start, with a warning. Beyond the log end, the topic was
     * recreated or truncated: continuing would silently skip new lines whose offsets are below the stored
     * ones. When the topic's id changed (deleted and created again), the loop reads it from its beginning
     * ({@link #recreated}); otherwise (truncated, or the id cannot be told) the node stops ingesting that
     * topic, reports DOWN and says why, until an operator acts.
     */
    private Iterable<ConsumerRecord<byte[], byte[]>> poll(KafkaConsumer<byte[], byte[]> c, Duration wait) {
        try {
            return c.poll(wait);
        } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException e) {
            Map<TopicPartition, Long> begin = c.beginningOffsets(e.offsetOutOfRangePartitions().keySet(), Duration.ofSeconds(10));
            Map<TopicPartition, Long> end = c.endOffsets(e.offsetOutOfRangePartitions().keySet(), Duration.ofSeconds(10));
            for (Map.Entry<TopicPartition, Long> out : e.offsetOutOfRangePartitions().entrySet()) {
                TopicPartition tp = out.getKey();
                if (out.getValue() > end.get(tp)) {
                    if (checkTopic() == TopicCheck.CHANGED) {
                        topicChanged = true;
                        return List.of();
                    }
                    throw new OffsetBeyondLogEndException("stored offset " + out.getValue() + " of " + tp
                            + " is beyond its log end " + end.get(tp) + ": the topic was recreated or truncated;"
                            + " not ingesting it, to avoid skipping lines (clear kafka_offsets for it to start over)");
                }
                log.warn("stored offset {} of {} is below its log start {}: retention removed those records before"
                        + " they were stored; going on from the log start", out.getValue(), tp, begin.get(tp));
                c.seek(tp, begin.get(tp));
            }
            return List.of();
        }
    }

    /** Ingestion of the topic cannot go on safely: the node stays up, reports DOWN and retries slowly. */
    static final class OffsetBeyondLogEndException extends RuntimeException {
        OffsetBeyondLogEndException(String message) {
            super(message);
        }
    }

    private DecodedRecord decode(ConsumerRecord<byte[], byte[]> r) {
        DecodeResult result = LogEntryCodec.decode(r.value());
        if (result instanceof DecodeResult.Accepted a) {
            Instant ts = a.entry().timestamp();
            Instant now = Instant.now();
            NodeProperties.Accept window = properties.accept();
            if (ts.isBefore(now.minus(window.maxAge()))) {
                return DecodedRecord.rejected(r.partition(), r.offset(), DecodedRecord.TOO_OLD + ": timestamp " + ts
                        + " is more than " + window.maxAge() + " old (logquery.node.accept.max-age, by default the"
                        + " retention)", r.value());
            }
            if (ts.isAfter(now.plus(window.maxFuture()))) {
                return DecodedRecord.rejected(r.partition(), r.offset(), DecodedRecord.TOO_NEW + ": timestamp " + ts
                        + " is more than " + window.maxFuture() + " ahead (logquery.node.accept.max-future)", r.value());
            }
            return DecodedRecord.accepted(r.partition(), r.offset(), a.entry(), a.truncated());
        }
        return DecodedRecord.rejected(r.partition(), r.offset(), ((DecodeResult.Rejected) result).reason(), r.value());
    }

    /** Hands a batch to the writer thread once the previous one is written; rethrows what ended that one. */
    private void submit(List<DecodedRecord> batch) throws Exception {
        awaitInFlight();
        String id = topicId; // confirmed just before
        inFlight = writerThread.submit(() -> {
            writeWithRetry(batch, id);
            return null;
        });
    }

    /** Waits for the batch being written, if any; a failure that ended it is rethrown here. */
    private void awaitInFlight() throws Exception {
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
    private void finishInFlight() {
        try {
            awaitInFlight();
        } catch (Exception e) {
            log.debug("batch in flight ended with {}", e.toString());
        } finally {
            inFlight = null;
        }
    }

    /** Writes until it succeeds or the node stops; a fenced write ends this consumer's life instead. */
    private void writeWithRetry(List<DecodedRecord> batch, String id) throws Exception {
        long backoff = 100;
        while (true) {
            try {
                writer.write(batch, id, next);
                writeFailure = null;
                consecutiveFailures = 0;
                lastBatchAt = Instant.now();
                state = State.RUNNING;
                return;
            } catch (OffsetStore.FencedException e) {
                throw e;
            } catch (Exception e) {
                metrics.batchFailed();
                WriteFailure kind = WriteFailure.of(e);
                writeFailure = kind;
                consecutiveFailures++;
                state = State.RETRYING;
                failed("batch of " + batch.size() + " records failed (attempt " + consecutiveFailures + ", "
                        + kind.label() + "), retrying: " + e, consecutiveFailures == 1 ? e : null);
                if (!running) {
                    throw e; // nothing committed; the stored offsets bring these records back on restart
                }
                sleepWhileRunning(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    private List<TopicPartition> assign(KafkaConsumer<byte[], byte[]> c) {
        while (running) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(properties.topic(), Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                infos = List.of();
            }
            String id = null;
            boolean idKnown = false;
            if (infos != null && !infos.isEmpty()) {
                try {
                    id = describeTopicId(KAFKA_CHECK_TIMEOUT);
                    idKnown = true;
                } catch (Exception e) {
                    log.info("cannot tell the id of topic {} yet: {}", properties.topic(), e.toString());
                }
            }
            if (idKnown) {
                List<TopicPartition> mine = mineOf(infos);
                c.resume(c.paused());
                c.assign(mine);
                topicId = id;
                List<Integer> fromStart = new ArrayList<>();
                Map<Integer, OffsetStore.Stored> ofOtherTopic = new TreeMap<>();
                for (TopicPartition tp : mine) {
                    OffsetStore.Stored stored = next.get(tp.partition());
                    if (stored == null) {
                        c.seekToBeginning(List.of(tp));
                    } else if (!stored.sameTopic(id)) {
                        c.seekToBeginning(List.of(tp)); // its offsets start again: the stored one would skip lines
                        fromStart.add(tp.partition());
                        ofOtherTopic.put(tp.partition(), stored);
                    } else {
                        c.seek(tp, stored.next());
                    }
                }
                if (!fromStart.isEmpty() && !id.equals(recreationReported)) {
                    recreationReported = id;
                    log.warn("topic {} was deleted and created again: its id is now {}, the stored offsets {} are of"
                            + " another topic; reading partitions {} from the beginning instead of from those offsets"
                            + " (which would skip the new topic's first records). The rows stored from the old topic"
                            + " stay; the new id is stored with the next batch", properties.topic(), id, ofOtherTopic,
                            fromStart);
                }
                assigned = mine.stream().map(TopicPartition::partition).toList();
                chunks.setKafkaPartitions(assigned);
                if (mine.isEmpty()) {
                    log.warn("topic {} has {} partitions: none is p % {} == {}; this node stays idle",
                            properties.topic(), infos.size(), properties.shardCount(), properties.shard());
                } else {
                    log.info("consuming {} partitions {} from stored offsets {}", properties.topic(), assigned, next);
                }
                if (state != State.OFFSET_PROBLEM) {
                    state = State.RUNNING; // an offset problem stays reported until a poll succeeds
                }
                return mine;
            }
            state = State.WAITING_FOR_TOPIC;
            log.info("waiting for topic {} at {}", properties.topic(), properties.bootstrapServers());
            sleepWhileRunning(1_000);
        }
        return List.of();
    }

    /** What {@link #checkTopic} found. */
    private enum TopicCheck { SAME, CHANGED, UNKNOWN }

    /**
     * Compares the topic's id now with the one consumed. UNKNOWN when Kafka does not answer in time or the
     * topic is missing (deleted, maybe to be created again): nothing may be written until it is known.
     */
    private TopicCheck checkTopic() {
        String now;
        try {
            now = describeTopicId(KAFKA_CHECK_TIMEOUT);
        } catch (Exception e) {
            if (causedBy(e, org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class)) {
                if (state != State.WAITING_FOR_TOPIC) {
                    log.info("topic {} is missing (deleted?): waiting for it before writing anything more",
                            properties.topic());
                }
                state = State.WAITING_FOR_TOPIC;
            } else {
                log.debug("cannot tell the id of topic {}: {}", properties.topic(), e.toString());
                if (kafkaUnreachableSince == null) {
                    kafkaUnreachableSince = Instant.now();
                    failed("Kafka at " + properties.bootstrapServers() + " does not tell the id of topic "
                            + properties.topic() + " (" + e + "); waiting, and going on from offsets " + next
                            + " when it does", null);
                }
                if (state == State.RUNNING) {
                    state = State.KAFKA_UNREACHABLE;
                }
            }
            return TopicCheck.UNKNOWN;
        }
        if (state == State.WAITING_FOR_TOPIC) {
            state = State.RUNNING;
        }
        kafkaAnswered();
        String consumed = topicId;
        if (now == null || consumed == null) {
            if (consumed == null && now != null) {
                topicId = now; // the broker tells ids now: keep them from here on
            }
            return TopicCheck.SAME;
        }
        return now.equals(consumed) ? TopicCheck.SAME : TopicCheck.CHANGED;
    }

    /**
     * The topic behind the name changed: waits for the batch being written (it was read under the old id,
     * which was confirmed then), and assigns again, reading the partitions whose stored offsets belong to the
     * old id from their beginning ({@link #assign}).
     */
    private List<TopicPartition> recreated(KafkaConsumer<byte[], byte[]> c) throws Exception {
        topicChanged = false;
        recheckTopic = false;
        awaitInFlight();
        return assign(c);
    }

    /** The topic's id as the cluster tells it now; null when it has none (Uuid.ZERO_UUID). */
    private String describeTopicId(Duration timeout) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(properties.topic()),
                        new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
                .allTopicNames().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS).get(properties.topic());
        Uuid id = d == null ? null : d.topicId();
        return id == null || Uuid.ZERO_UUID.equals(id) ? null : id.toString();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private void closeAdmin() {
        Admin a = admin;
        admin = null;
        if (a != null) {
            a.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> mineOf(List<PartitionInfo> infos) {
        List<TopicPartition> mine = new ArrayList<>();
        for (PartitionInfo info : infos) {
            if (info.partition() % properties.shardCount() == properties.shard()) {
                mine.add(new TopicPartition(info.topic(), info.partition()));
            }
        }
        mine.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return mine;
    }

    /**
     * Whether Kafka answers a request for the log end offsets of {@code mine} in time (an idle poll cannot
     * tell: it returns nothing whether Kafka is there or not). Reports an unreachable Kafka once, and its
     * return; the consumer reconnects by itself and keeps its position.
     */
    private boolean kafkaAnswers(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> mine) {
        try {
            c.endOffsets(mine, KAFKA_CHECK_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            if (kafkaUnreachableSince == null) {
                kafkaUnreachableSince = Instant.now();
                failed("Kafka at " + properties.bootstrapServers() + " does not answer (no log end offsets within "
                        + KAFKA_CHECK_TIMEOUT.toSeconds() + " s); waiting, and going on from offsets " + next
                        + " when it is back", null);
            }
            if (state == State.RUNNING) {
                state = State.KAFKA_UNREACHABLE;
            }
            return false;
        }
        kafkaAnswered();
        return true;
    }

    /** Kafka answered: an outage reported before is over. */
    private void kafkaAnswered() {
        if (kafkaUnreachableSince != null) {
            log.info("Kafka at {} answers again after {}", properties.bootstrapServers(),
                    Duration.between(kafkaUnreachableSince, Instant.now()));
            kafkaUnreachableSince = null;
            recheckTopic = true; // the topic may have been deleted and created again meanwhile
        }
        if (state == State.KAFKA_UNREACHABLE) {
            state = State.RUNNING;
        }
    }

    /** Lag counts from what is stored, not from what the consumer has fetched into the current batch. */
    private void recordLag(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> mine) {
        for (TopicPartition tp : mine) {
            OptionalLong lag = c.currentLag(tp);
            if (lag.isPresent()) {
                long end = c.position(tp) + lag.getAsLong();
                OffsetStore.Stored stored = next.get(tp.partition());
                metrics.lag(tp.partition(), stored == null || !stored.sameTopic(topicId) ? lag.getAsLong()
                        : Math.max(0, end - stored.next()));
            }
        }
    }

    private void failed(String message, Exception e) {
        lastErrorAt = Instant.now();
        lastError = message;
        if (e != null) {
            log.warn(message, e);
        } else {
            log.warn(message);
        }
    }

    private void sleepWhileRunning(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (running && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, end - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Properties adminProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "partition-node-" + properties.shard() + "-" + properties.replica()
                + "-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        return p;
    }

    private Properties consumerProperties() {
        NodeProperties.Batch limits = properties.batch();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "partition-node-" + properties.shard() + "-" + properties.replica());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"); // every position is a deliberate seek
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.min(limits.maxRecords(), 5_000)));
        // Fetch buffers are bounded too, so heap does not depend on how far behind the node is.
        int fetchBytes = (int) Math.min(limits.maxBytes().toBytes(), 8L * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(fetchBytes));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Math.min(fetchBytes, 2 * 1024 * 1024)));
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        return p;
    }
}
