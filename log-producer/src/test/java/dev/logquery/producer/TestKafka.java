package dev.logquery.producer;

import dev.logquery.testkit.services.Kafka;
import dev.logquery.testkit.services.ServiceFactory;

/**
 * The one broker of this module's tests that publish (the test kit's, {@link ServiceFactory#chosen()}), started
 * at first use and shared: every test writes its own topic, so none sees another's records, and the module starts
 * one broker instead of one per test class. It stops when the test JVM ends.
 */
public final class TestKafka {

    private static Kafka broker;

    private TestKafka() {
    }

    /** The broker's address, starting it on the first call. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                broker = ServiceFactory.chosen().kafka(false);
            } catch (Exception e) {
                throw new IllegalStateException("the test broker did not start", e);
            }
            Kafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception e) {
                    System.err.println("stopping the test broker failed: " + e);
                }
            }, "test-kafka-stop"));
        }
        return broker.bootstrapServers();
    }
}
