package dev.logquery.node.support;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Known log lines for tests, and an ordinary Kafka producer that sends them keyed by service. */
public final class TestLines {

    private TestLines() {
    }

    /** {@code count} lines over {@code services} services, spread over the {@code window} before {@code end}. */
    public static List<LogEntry> generate(long seed, int count, int services, Instant end, Duration window) {
        Random random = new Random(seed);
        LogLevel[] levels = LogLevel.values();
        List<LogEntry> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String service = "svc-" + random.nextInt(services);
            long micros = (long) (random.nextDouble() * window.toNanos() / 1000);
            Instant ts = end.truncatedTo(ChronoUnit.MICROS).minus(micros, ChronoUnit.MICROS);
            LogLevel level = levels[random.nextInt(levels.length)];
            lines.add(new LogEntry(ts, service, level, "ns-" + (service.hashCode() & 3), service + "-pod-" + random.nextInt(3),
                    "app", "line " + seed + "/" + i + " tab\there \\ newline\nend é€😀"));
        }
        return lines;
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }

    /** Sends each line keyed by its service, and waits until Kafka acknowledged all of them. */
    public static void send(String bootstrap, String topic, List<LogEntry> lines) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(lines.size());
            for (LogEntry line : lines) {
                acks.add(producer.send(new ProducerRecord<>(topic, line.service(), LogEntryCodec.encode(line))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
    }

    /** Sends raw values (any bytes) to partition {@code partition}. */
    public static void sendRaw(String bootstrap, String topic, int partition, List<byte[]> values) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, partition, "raw", value)).get();
            }
        }
    }
}
