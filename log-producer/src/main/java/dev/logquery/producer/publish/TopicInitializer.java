package dev.logquery.producer.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the log topic with the wanted partition count if it is missing; an existing topic is left as it is. */
public final class TopicInitializer {

    private static final Logger log = LoggerFactory.getLogger(TopicInitializer.class);

    private TopicInitializer() {
    }

    /**
     * Makes sure {@code topic} exists.
     *
     * @return true if this call created it, false if it already existed
     * @throws IllegalStateException if Kafka cannot be reached or refuses, within {@code timeout}
     */
    public static boolean ensureTopic(String bootstrapServers, String topic, int partitions, short replicationFactor,
            Duration timeout) throws InterruptedException {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "logquery-producer-admin",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        Admin admin = Admin.create(config);
        try {
            if (admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS).contains(topic)) {
                TopicDescription existing = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeoutMs, TimeUnit.MILLISECONDS).get(topic);
                log.info("topic {} exists with {} partitions; leaving it as it is", topic, existing.partitions().size());
                return false;
            }
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor)))
                        .all().get(timeoutMs, TimeUnit.MILLISECONDS);
                log.info("created topic {} with {} partitions, replication factor {}", topic, partitions,
                        replicationFactor);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    log.info("topic {} was created concurrently; leaving it as it is", topic);
                    return false;
                }
                throw e;
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot ensure topic " + topic + " on " + bootstrapServers + ": "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot ensure topic " + topic + " on " + bootstrapServers
                    + ": no answer within " + timeout, e);
        } finally {
            // Nothing is pending after success; after a timeout or an interrupt, abort what is.
            admin.close(Duration.ZERO);
        }
    }
}
