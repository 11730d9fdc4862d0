package dev.logquery.testkit;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes lines into Kafka as a pod log shipper does: an ordinary producer, each line keyed by its service and
 * encoded with the one {@link LogEntryCodec}. {@link #sendTracked} returns the lines as a node stores them (with
 * the partition and offset each was acknowledged at), which is what the {@link Truth} compares answers with.
 */
public final class LineWriter {

    private static final long ACK_TIMEOUT_SECONDS = 150;

    private LineWriter() {
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // A send waits for an absent broker up to two minutes, as a producer that keeps trying would.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
        return new KafkaProducer<>(p);
    }

    /** Sends each line keyed by its service, and waits until Kafka acknowledged all of them. */
    public static void send(String bootstrap, String topic, List<LogEntry> lines) throws Exception {
        sendTracked(bootstrap, topic, lines, 1);
    }

    /**
     * Sends each line keyed by its service and returns the lines as a node stores them: with the Kafka
     * partition and offset each one got, on shard {@code partition % shardCount}.
     */
    public static List<StoredLogEntry> sendTracked(String bootstrap, String topic, List<LogEntry> lines, int shardCount)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(lines.size());
            for (LogEntry line : lines) {
                acks.add(producer.send(new ProducerRecord<>(topic, line.service(), LogEntryCodec.encode(line))));
            }
            List<StoredLogEntry> stored = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                RecordMetadata m = acks.get(i).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                stored.add(new StoredLogEntry(lines.get(i), m.partition() % shardCount, m.partition(), m.offset()));
            }
            return stored;
        }
    }

    /** Sends raw values (any bytes, what a broken shipper might write) to partition {@code partition}. */
    public static void sendRaw(String bootstrap, String topic, int partition, List<byte[]> values) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, partition, "raw", value)).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }
}
