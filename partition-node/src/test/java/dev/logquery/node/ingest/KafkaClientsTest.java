package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.node.config.NodeProperties;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** {@link KafkaClients}: the consumer positions itself, and its fetches are bounded like a batch. */
class KafkaClientsTest {

    static NodeProperties node(int maxRecords, DataSize maxBytes) {
        return new NodeProperties(2, 1, 3, "pod-logs", "kafka-0:9092", "",
                new NodeProperties.Batch(maxRecords, Duration.ofMillis(500), maxBytes),
                new NodeProperties.Bloom(256, 0.01, 10_000), new NodeProperties.Storage(35, 3),
                new NodeProperties.Accept(null, Duration.ofDays(1)),
                new NodeProperties.Query(Duration.ofSeconds(10), 500, 1, 4, Duration.ofSeconds(30),
                        Duration.ofMillis(500), 10_000),
                Duration.ofDays(7), Duration.ofMinutes(15), NodeProperties.TextIndex.DEFAULT);
    }

    @Test
    void everyPositionIsADeliberateSeekAndNothingIsCommittedToKafka() {
        Properties p = KafkaClients.consumer(node(10_000, DataSize.ofMegabytes(16)));
        assertThat(p).containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false")
                .containsEntry(ConsumerConfig.CLIENT_ID_CONFIG, "partition-node-2-1")
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
        assertThat(KafkaClients.admin(node(1, DataSize.ofMegabytes(1))))
                .containsEntry("client.id", "partition-node-2-1-admin");
    }

    @Test
    void fetchesAreBoundedByTheBatchAndByFixedCeilings() {
        Properties big = KafkaClients.consumer(node(10_000, DataSize.ofMegabytes(16)));
        assertThat(big).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000")
                .containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(2 * 1024 * 1024));

        Properties small = KafkaClients.consumer(node(300, DataSize.ofKilobytes(512)));
        assertThat(small).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "300")
                .containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(512 * 1024))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(512 * 1024));
    }
}
