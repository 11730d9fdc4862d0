package dev.logquery.testkit.services;

import dev.logquery.testkit.FreePorts;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.springframework.util.FileSystemUtils;

/**
 * A real single-node KRaft Kafka broker (the {@code kafka.Kafka} of {@code kafka_2.13}) in a JVM of its
 * own, on fixed ports and a fixed log directory, so that it can be stopped (SIGTERM, a controlled
 * shutdown) and started again with the same data where its clients find it. Spring's
 * {@code EmbeddedKafkaKraftBroker} cannot: it binds new random ports on every start. The configuration
 * is the one {@code setup.sh} writes for the local stack.
 */
public final class KafkaBrokerProcess extends Kafka {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private final Path directory;
    private final Path config;
    private final int port;
    private final File log;
    private Process process;

    public KafkaBrokerProcess(File log) throws Exception {
        this.directory = Files.createTempDirectory("node-kafka-");
        this.config = directory.resolve("server.properties");
        this.port = FreePorts.next();
        this.log = log;
        int controllerPort = FreePorts.next();
        Files.writeString(config, """
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=localhost:%2$d
                listeners=PLAINTEXT://localhost:%1$d,CONTROLLER://localhost:%2$d
                advertised.listeners=PLAINTEXT://localhost:%1$d,CONTROLLER://localhost:%2$d
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=1
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                """.formatted(port, controllerPort, directory.resolve("data")));
        Files.writeString(directory.resolve("logback.xml"), """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="kafka" level="INFO"/>
                  <root level="WARN"><appender-ref ref="out"/></root>
                </configuration>
                """);
        Process format = java("kafka.tools.StorageTool", "format", "--standalone",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString());
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting the Kafka storage failed, see " + log);
        }
        start();
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    @Override
    public boolean restartable() {
        return true;
    }

    /** Starts the broker and waits until it answers. */
    @Override
    public synchronized void start() throws Exception {
        if (process != null) {
            return;
        }
        process = java("kafka.Kafka", config.toString());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker did not come up, see " + log, notYet);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    /** Stops the broker the way an operator would (SIGTERM), and waits until its process ended. */
    @Override
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    private Process java(String mainClass, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx320m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + directory.resolve("logback.xml"),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    @Override
    public void close() throws Exception {
        stop();
        FileSystemUtils.deleteRecursively(directory);
    }
}
