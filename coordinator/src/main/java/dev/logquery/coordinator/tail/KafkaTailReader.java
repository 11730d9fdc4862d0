package dev.logquery.coordinator.tail;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The coordinator's one reader of the topic for the live tail: a plain {@link KafkaConsumer} on one daemon
 * thread, with every partition assigned explicitly (no consumer group, nothing committed), starting at the end
 * of each partition. Each poll's records are decoded ({@link LogEntryCodec}; records nodes would reject are
 * skipped) and published to the {@link TailHub}, which fans them out to every viewer.
 *
 * <p>Kafka being away never stops the coordinator from starting or makes it unhealthy: the reader logs a
 * warning and retries with a backoff (up to 30 s), and the tail delivers nothing meanwhile. After a reconnect
 * it resumes where it stopped, so live viewers miss nothing that Kafka still holds.
 */
public class KafkaTailReader implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaTailReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration KAFKA_CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final TailProperties properties;
    private final TailHub hub;
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    /** The wait before the next connection attempt (reader thread only). */
    private long backoffMs = 100;

    public KafkaTailReader(TailProperties properties, TailHub hub) {
        this.properties = properties;
        this.hub = hub;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "tail-kafka-reader");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            t = thread;
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        t.interrupt();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hub.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                if (!running) {
                    return; // stop() came before the consumer could be woken up
                }
                consume(c);
                return;
            } catch (WakeupException e) {
                return; // only stop() wakes the consumer up
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                log.warn("live tail: cannot read {} from {} ({}); retrying in {} ms", properties.topic(),
                        properties.bootstrapServers(), e.toString(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            } finally {
                consumer = null;
            }
        }
    }

    /** Assigns the partitions, then polls and publishes until stopped. */
    private void consume(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> partitions = assign(c);
        backoffMs = 100;
        long nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
        while (running) {
            ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
            List<TailHub.Received> batch = new ArrayList<>(records.count());
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (LogEntryCodec.decode(r.value()) instanceof DecodeResult.Accepted accepted) {
                    batch.add(new TailHub.Received(r.partition(), r.offset(), r.timestamp(), accepted.entry()));
                }
            }
            hub.publish(batch);
            hub.tick();
            if (System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + PARTITION_CHECK_INTERVAL.toNanos();
                if (partitionsOf(c).size() != partitions.size()) {
                    log.info("live tail: the partitions of {} changed", properties.topic());
                    partitions = assign(c);
                }
            }
        }
    }

    /**
     * Assigns every partition of the topic: where the hub already has a position (a reconnect), reading resumes
     * there; a partition seen for the first time starts at its end, or at its beginning when it appeared after
     * reading started (it is new, and its first lines are live ones).
     *
     * @throws IllegalStateException when the topic has no partitions (yet): the caller retries
     */
    private List<TopicPartition> assign(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> partitions = partitionsOf(c);
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + properties.topic() + " does not exist (yet)");
        }
        Map<Integer, Long> known = hub.nextOffsets();
        boolean firstTime = known.isEmpty();
        c.assign(partitions);
        Map<Integer, Long> start = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long resume = known.get(tp.partition());
            if (resume != null) {
                c.seek(tp, resume);
            } else if (firstTime) {
                c.seekToEnd(List.of(tp));
                start.put(tp.partition(), c.position(tp, KAFKA_CALL_TIMEOUT));
            } else {
                c.seekToBeginning(List.of(tp));
                start.put(tp.partition(), c.position(tp, KAFKA_CALL_TIMEOUT));
            }
        }
        hub.startingAt(start);
        log.info("live tail: reading {} partitions of {} from {}", partitions.size(), properties.topic(),
                properties.bootstrapServers());
        return partitions;
    }

    private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(properties.topic(), KAFKA_CALL_TIMEOUT);
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        return out;
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "coordinator-tail");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what the partition nodes store
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500"); // a burst to one viewer stays below its buffer
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(2 * 1024 * 1024));
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50"); // a live line waits at most this long in the broker
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(KAFKA_CALL_TIMEOUT.toMillis()));
        return p;
    }
}
