package dev.logquery.stack;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes sure a Kafka topic exists, for {@code setup.sh}:
 *
 * <pre>java -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.KafkaTopic localhost:9092 pod-logs 6</pre>
 *
 * <p>Creates the topic with the given partition count (replication factor 1) when it is missing and leaves
 * an existing topic as it is. Prints one line saying which, and the partition count. Exit status 0 when
 * the topic exists afterwards, 1 when Kafka did not answer within 30 seconds or refused, 2 on bad usage.
 */
public final class KafkaTopic {

    private static final int TIMEOUT_MS = 30_000;

    private KafkaTopic() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: KafkaTopic <bootstrap-servers> <topic> <partitions>");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);

        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "logquery-setup",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        try (Admin admin = Admin.create(config)) {
            boolean created = false;
            if (!admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).contains(topic)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                            .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    created = true;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // Created meanwhile by someone else (the producer, say): fine.
                }
            }
            int actual = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic).partitions().size();
            System.out.println("topic " + topic + (created ? " created" : " exists") + " with " + actual
                    + " partitions" + (actual == partitions ? "" : " (wanted " + partitions + "; left as it is)"));
        } catch (ExecutionException e) {
            System.err.println("cannot ensure topic " + topic + " on " + bootstrap + ": " + e.getCause());
            System.exit(1);
        } catch (TimeoutException e) {
            System.err.println("cannot ensure topic " + topic + " on " + bootstrap + ": no answer within "
                    + TIMEOUT_MS / 1000 + " s");
            System.exit(1);
        }
    }
}
