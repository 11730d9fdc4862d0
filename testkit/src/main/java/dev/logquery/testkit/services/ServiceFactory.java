package dev.logquery.testkit.services;

import java.util.Map;

/**
 * Where the real services of a test come from: the embedded ones (zonky's PostgreSQL binaries, a KRaft broker
 * from Maven Central's jars, redis-server from embedded-redis), or the images {@code docker-compose.yml} deploys,
 * through Testcontainers, when a Docker engine answers and {@code -Dtestkit.services=containers} asks for them.
 * Nothing else in a test differs between the two.
 */
public interface ServiceFactory {

    /** The system property that chooses: {@code embedded} (the default) or {@code containers}. */
    String PROPERTY = "testkit.services";

    Postgres postgres() throws Exception;

    /**
     * A server with {@code settings} in its configuration ({@code fsync}, {@code shared_buffers}): a benchmark
     * runs PostgreSQL as one would in production, tests take the quick defaults ({@link #postgres()}).
     */
    default Postgres postgres(Map<String, String> settings) throws Exception {
        if (settings.isEmpty()) {
            return postgres();
        }
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot configure PostgreSQL");
    }

    /** A broker; {@code restartable} asks for one whose stop and start keep its address and data. */
    Kafka kafka(boolean restartable) throws Exception;

    Redis redis() throws Exception;

    /** The factory {@value #PROPERTY} names. */
    static ServiceFactory chosen() {
        String kind = System.getProperty(PROPERTY, "embedded");
        return switch (kind) {
            case "embedded" -> new EmbeddedServices();
            case "containers" -> ContainerServices.whereDockerAnswers();
            default -> throw new IllegalArgumentException(PROPERTY + " must be embedded or containers, is " + kind);
        };
    }
}
