package dev.logquery.producer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.producer.TestKafka;
import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Backfill and live mode against a real KRaft broker (the test kit's), read back with a plain consumer. */
class PublishIntegrationTest {

    private static final String TOPIC = "pod-logs-backfill-test";
    private static final int LINES = 5_000;
    private static final int PARTITIONS = 6;

    @Test
    void backfillWritesEveryLineKeyedByServiceInsideTheWindow() throws Exception {
        String bootstrap = TestKafka.bootstrapServers();
        assertThat(TopicInitializer.ensureTopic(bootstrap, TOPIC, PARTITIONS, (short) 1, Duration.ofSeconds(30)))
                .as("topic created").isTrue();
        assertThat(TopicInitializer.ensureTopic(bootstrap, TOPIC, 2, (short) 1, Duration.ofSeconds(30)))
                .as("existing topic left alone").isFalse();
        assertThat(partitionCount(bootstrap)).isEqualTo(PARTITIONS);

        PublisherSettings settings = new PublisherSettings(bootstrap, TOPIC, 500, 5, 64 * 1024, "lz4");
        BackfillResult result = BackfillRunner.backfill(settings, new SyntheticLogGenerator(20, 42L), LINES,
                Duration.ofDays(7));
        assertThat(result.requested()).isEqualTo(LINES);
        assertThat(result.submitted()).isEqualTo(LINES);
        assertThat(result.sent()).isEqualTo(LINES);
        assertThat(result.errors()).isZero();
        assertThat(result.cancelled()).isFalse();
        assertThat(Duration.between(result.windowStart(), result.windowEnd())).isEqualTo(Duration.ofDays(7));

        List<ConsumerRecord<String, byte[]>> records = consumeAll(bootstrap, TOPIC, PARTITIONS, LINES);
        assertThat(records).hasSize(LINES);

        Map<String, Integer> partitionOfService = new HashMap<>();
        Map<Integer, Instant> lastTimestampOfPartition = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            DecodeResult decoded = LogEntryCodec.decode(record.value());
            assertThat(decoded).isInstanceOf(DecodeResult.Accepted.class);
            LogEntry entry = ((DecodeResult.Accepted) decoded).entry();
            assertThat(entry.timestamp()).isBetween(result.windowStart(), result.windowEnd());
            assertThat(record.key()).isEqualTo(entry.service());
            Integer previous = partitionOfService.putIfAbsent(entry.service(), record.partition());
            assertThat(previous == null ? record.partition() : previous)
                    .as("partition of %s", entry.service()).isEqualTo(record.partition());
            Instant last = lastTimestampOfPartition.put(record.partition(), entry.timestamp());
            assertThat(last == null || !entry.timestamp().isBefore(last)).as("ascending per partition").isTrue();
        }
        assertThat(partitionOfService).hasSize(20);
        assertThat(Set.copyOf(partitionOfService.values())).hasSizeGreaterThan(1);
    }

    private static int partitionCount(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
        }
    }

    @Test
    void liveModeEmitsAtTheConfiguredRateWithCurrentTimestamps() throws Exception {
        String bootstrap = TestKafka.bootstrapServers();
        String topic = "pod-logs-live-test";
        TopicInitializer.ensureTopic(bootstrap, topic, 2, (short) 1, Duration.ofSeconds(30));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        long emitted;
        double seconds;
        try (KafkaLogPublisher publisher = new KafkaLogPublisher(PublisherSettings.of(bootstrap, topic))) {
            LiveEmitter emitter = new LiveEmitter(new SyntheticLogGenerator(20, 1L), publisher, 400, Clock.systemUTC());
            long start = System.nanoTime();
            emitter.start(scheduler);
            // One second's lines at 400 lines/s; the rate is what they took, from the start to the stop.
            Await.until(Duration.ofSeconds(10), "400 lines emitted", emitter::emitted, n -> n >= 400);
            emitter.stop();
            scheduler.shutdown();
            assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            seconds = (System.nanoTime() - start) / 1e9;
            emitted = emitter.emitted();
            assertThat(publisher.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(publisher.sent()).isEqualTo(emitted);
        }
        Instant after = Instant.now();
        assertThat(emitted / seconds).as("lines per second (%d lines in %.3f s)", emitted, seconds)
                .isBetween(300.0, 480.0);

        List<ConsumerRecord<String, byte[]>> records = consumeAll(bootstrap, topic, 2, (int) emitted);
        assertThat(records).hasSize((int) emitted);
        for (ConsumerRecord<String, byte[]> record : records) {
            LogEntry entry = ((DecodeResult.Accepted) LogEntryCodec.decode(record.value())).entry();
            assertThat(entry.timestamp()).isBetween(before, after);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> consumeAll(String bootstrap, String topic, int partitionCount,
            int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, partitionCount)
                    .mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // One more poll proves there is nothing beyond the expected lines.
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
