package dev.logquery.testkit.services;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.logquery.testkit.FreePorts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The images {@code docker-compose.yml} deploys (PostgreSQL 17, Apache Kafka, Redis 7.4), through Testcontainers.
 * Each container's port is bound to a fixed host port, so that stopping and starting it (the Docker container is
 * kept) leaves it where its clients' configuration points, as the embedded services do.
 *
 * <p>Not run on the machine this project is built on (it has no Docker engine): see {@code docs/testing.md}.
 */
public final class ContainerServices implements ServiceFactory {

    static final String POSTGRES_IMAGE = "postgres:17";
    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String REDIS_IMAGE = "redis:7.4";

    private ContainerServices() {
    }

    static ContainerServices whereDockerAnswers() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException(PROPERTY + "=containers, but no Docker engine answers here; "
                    + "run without it to use the embedded services");
        }
        return new ContainerServices();
    }

    @Override
    public Postgres postgres() {
        return postgres(Map.of());
    }

    /** The image's server with {@code -c setting=value} after the module's own {@code fsync=off}, so they win. */
    @Override
    public Postgres postgres(Map<String, String> settings) {
        List<String> command = new ArrayList<>(List.of("postgres", "-c", "fsync=off"));
        settings.forEach((setting, value) -> command.addAll(List.of("-c", setting + "=" + value)));
        PostgreSQLContainer container = bound(new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
                .withUsername("postgres").withPassword("postgres").withDatabaseName("postgres"), 5432);
        container.setCommand(command.toArray(String[]::new));
        container.start();
        int port = container.getMappedPort(5432);
        return new Postgres() {
            @Override
            public String jdbcUrl() {
                return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres&password=postgres";
            }

            @Override
            public void start() {
                restart(container);
            }

            @Override
            public void stop() {
                halt(container);
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    @Override
    public Kafka kafka(boolean restartable) {
        KafkaContainer container = bound(new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE)), 9092);
        container.start();
        String bootstrap = container.getBootstrapServers();
        return new Kafka() {
            @Override
            public String bootstrapServers() {
                return bootstrap;
            }

            @Override
            public boolean restartable() {
                return true;
            }

            @Override
            public void start() {
                restart(container);
            }

            @Override
            public void stop() {
                halt(container);
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    @Override
    public Redis redis() {
        GenericContainer<?> container = bound(new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE)), 6379);
        container.start();
        int port = container.getMappedPort(6379);
        return new Redis() {
            @Override
            public String url() {
                return "redis://localhost:" + port;
            }

            @Override
            public void start() {
                restart(container);
            }

            @Override
            public void stop() {
                halt(container);
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    /** Binds the container's {@code port} to a free host port chosen now, which a restart keeps. */
    private static <C extends GenericContainer<?>> C bound(C container, int port) {
        int host = FreePorts.next();
        container.withExposedPorts(port).withCreateContainerCmdModifier(cmd -> cmd.withHostConfig(
                (cmd.getHostConfig() == null ? new HostConfig() : cmd.getHostConfig()).withPortBindings(
                        new PortBinding(Ports.Binding.bindPort(host), new ExposedPort(port)))));
        return container;
    }

    private static void halt(GenericContainer<?> container) {
        DockerClientFactory.instance().client().stopContainerCmd(container.getContainerId()).exec();
    }

    private static void restart(GenericContainer<?> container) {
        DockerClientFactory.instance().client().startContainerCmd(container.getContainerId()).exec();
    }
}
