package dev.logquery.testkit.services;

import dev.logquery.testkit.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.FileSystemUtils;
import redis.embedded.RedisServer;

/**
 * The real services without Docker: PostgreSQL from zonky's binaries (Maven Central), a KRaft broker in this JVM
 * (Spring's {@link EmbeddedKafkaKraftBroker}, quick to start) or, when it must survive a restart, in a JVM of its
 * own ({@link KafkaBrokerProcess}), and redis-server from embedded-redis.
 */
public final class EmbeddedServices implements ServiceFactory {

    @Override
    public Postgres postgres() throws Exception {
        return new EmbeddedPostgresServer();
    }

    @Override
    public Postgres postgres(Map<String, String> settings) throws Exception {
        return new EmbeddedPostgresServer(settings);
    }

    @Override
    public Kafka kafka(boolean restartable) throws Exception {
        if (restartable) {
            return new KafkaBrokerProcess(new File("target/kafka-broker-" + UUID.randomUUID() + ".log"));
        }
        return new InJvmKafka();
    }

    @Override
    public Redis redis() throws Exception {
        return new EmbeddedRedis();
    }

    /** zonky's PostgreSQL on a fixed port and data directory, so that a restart keeps both. */
    static final class EmbeddedPostgresServer extends Postgres {
        private final Path dataDirectory;
        private final int port;
        private final Map<String, String> settings;
        private EmbeddedPostgres server;

        EmbeddedPostgresServer() throws Exception {
            this(Map.of());
        }

        /** With {@code settings} given to the server at every start (after zonky's own, so they win). */
        EmbeddedPostgresServer(Map<String, String> settings) throws Exception {
            this.settings = Map.copyOf(settings);
            this.dataDirectory = Files.createTempDirectory("testkit-pg-");
            this.port = FreePorts.next();
            start();
        }

        @Override
        public String jdbcUrl() {
            return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
        }

        @Override
        public synchronized void start() throws Exception {
            if (server == null) {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDirectory)
                        .setCleanDataDirectory(false).setPort(port);
                settings.forEach(builder::setServerConfig);
                server = builder.start();
            }
        }

        /** {@code pg_ctl stop -m fast}: connections are cut, as when the server crashes. */
        @Override
        public synchronized void stop() throws Exception {
            if (server != null) {
                server.close();
                server = null;
            }
        }

        @Override
        public void close() throws Exception {
            stop();
            FileSystemUtils.deleteRecursively(dataDirectory);
        }
    }

    /** A broker in this JVM: quick, but a restart would move it to new ports, so it has none. */
    static final class InJvmKafka extends Kafka {
        private final EmbeddedKafkaKraftBroker broker;

        InJvmKafka() {
            broker = new EmbeddedKafkaKraftBroker(1, 1);
            broker.afterPropertiesSet();
        }

        @Override
        public String bootstrapServers() {
            return broker.getBrokersAsString();
        }

        @Override
        public boolean restartable() {
            return false;
        }

        @Override
        public void start() {
            throw new UnsupportedOperationException("an in-JVM broker cannot restart: ask the cluster for restartableKafka()");
        }

        @Override
        public void stop() {
            throw new UnsupportedOperationException("an in-JVM broker cannot restart: ask the cluster for restartableKafka()");
        }

        @Override
        public void close() {
            broker.destroy();
        }
    }

    /** redis-server on a fixed port. */
    static final class EmbeddedRedis extends Redis {
        private final int port = FreePorts.next();
        private final RedisServer server;

        EmbeddedRedis() throws Exception {
            server = new RedisServer(port);
            server.start();
        }

        @Override
        public String url() {
            return "redis://localhost:" + port;
        }

        @Override
        public synchronized void start() throws Exception {
            if (!server.isActive()) {
                server.start();
            }
        }

        @Override
        public synchronized void stop() throws Exception {
            if (server.isActive()) {
                server.stop();
            }
        }

        @Override
        public void close() throws Exception {
            stop();
        }
    }
}
