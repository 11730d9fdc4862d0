package dev.logquery.gateway;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads every record of the topic from the beginning, as a node would: key and decoded entry. */
final class TopicLines implements AutoCloseable {

    record Record(String key, LogEntry entry) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<Record> seen = new ArrayList<>();

    TopicLines(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Every record read so far, after reading what has arrived since. */
    synchronized List<Record> all() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            DecodeResult d = LogEntryCodec.decode(r.value());
            if (!(d instanceof DecodeResult.Accepted a)) {
                throw new AssertionError("the gateway wrote a record a node rejects: " + d);
            }
            seen.add(new Record(r.key(), a.entry()));
        }
        return List.copyOf(seen);
    }

    /** The records whose entry has attribute {@code key} = {@code value}. */
    List<Record> withAttribute(String key, String value) {
        return all().stream().filter(r -> value.equals(r.entry().attributes().get(key))).toList();
    }

    /** The records of service {@code service}. */
    List<Record> ofService(String service) {
        return all().stream().filter(r -> r.entry().service().equals(service)).toList();
    }

    static Map<String, Long> countByMessage(List<Record> records) {
        return records.stream().collect(java.util.stream.Collectors.groupingBy(r -> r.entry().message(),
                java.util.stream.Collectors.counting()));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
