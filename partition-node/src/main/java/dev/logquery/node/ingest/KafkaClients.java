package dev.logquery.node.ingest;

import dev.logquery.node.config.NodeProperties;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The settings of the node's Kafka clients: the consumer, which positions itself (no group, no auto commit,
 * every position a deliberate seek) and whose fetch buffers are bounded like a batch, and the admin client
 * that tells the topic's id ({@link TopicIds}), which the consumer does not.
 */
final class KafkaClients {

    private KafkaClients() {
    }

    /**
     * The topic's id through an admin client that lives as long as the consumer ({@link #open} after it is
     * created, {@link #close} with it). Used by the consumer thread only.
     */
    static final class TopicIds implements TopicIdentity.IdSource, AutoCloseable {

        private final NodeProperties properties;
        private Admin admin;

        TopicIds(NodeProperties properties) {
            this.properties = properties;
        }

        void open() {
            admin = Admin.create(admin(properties));
        }

        @Override
        public String topicId(Duration timeout) throws Exception {
            return KafkaClients.topicId(admin, properties.topic(), timeout);
        }

        @Override
        public void close() {
            Admin a = admin;
            admin = null;
            if (a != null) {
                a.close(Duration.ofSeconds(2));
            }
        }
    }

    /** The most records one poll returns: fewer means the poll drained what the consumer had fetched. */
    static int maxPollRecords(NodeProperties.Batch limits) {
        return Math.min(limits.maxRecords(), 5_000);
    }

    static Properties consumer(NodeProperties properties) {
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
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords(limits)));
        // Fetch buffers are bounded too, so heap does not depend on how far behind the node is.
        int fetchBytes = (int) Math.min(limits.maxBytes().toBytes(), 8L * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(fetchBytes));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Math.min(fetchBytes, 2 * 1024 * 1024)));
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        return p;
    }

    static Properties admin(NodeProperties properties) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "partition-node-" + properties.shard() + "-" + properties.replica()
                + "-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        return p;
    }

    /** The id of {@code topic} as the cluster tells it now; null when it has none ({@link Uuid#ZERO_UUID}). */
    static String topicId(Admin admin, String topic, Duration timeout) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic),
                        new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
                .allTopicNames().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS).get(topic);
        Uuid id = d == null ? null : d.topicId();
        return id == null || Uuid.ZERO_UUID.equals(id) ? null : id.toString();
    }
}
