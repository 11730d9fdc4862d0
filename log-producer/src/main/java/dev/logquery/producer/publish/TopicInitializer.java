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
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the log topic with the wanted partition count if it is missing; an existing topic is left as it is. */
public final class TopicInitializer {

    private static final Logger log = LoggerFactory.getLogger(TopicInitializer.class);

    private TopicInitializer() {
    }

    /**
     * Waits until every partition of a new topic has a leader that answers for it (a leader named in
     * the metadata may not serve the partition yet; listing offsets asks the leader itself). Producing earlier gets
     * NOT_LEADER_OR_FOLLOWER for the first batches, and an idempotent producer can then retry those
     * batches forever with OUT_OF_ORDER_SEQUENCE_NUMBER once later batches were accepted (seen with
     * Kafka 4.2 right after topic creation), which stalls a backfill for good.
     */
    private static void awaitLeaders(Admin admin, String topic, int timeoutMs)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            TopicDescription d;
            try {
                d = admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS).get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                d = null; // created, but the broker answering has not learnt of it yet
            }
            if (d != null && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())
                    && leadersAnswer(admin, topic, d, timeoutMs)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + topic + " have no leader after " + timeoutMs + " ms");
            }
            Thread.sleep(100);
        }
    }

    private static boolean leadersAnswer(Admin admin, String topic, TopicDescription d, int timeoutMs)
            throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        try {
            admin.listOffsets(latest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException notYet) {
            return false;
        }
    }

    /**
     * Makes sure {@code topic} exists and, when this call created it, that its partitions have leaders.
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
                awaitLeaders(admin, topic, timeoutMs);
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
