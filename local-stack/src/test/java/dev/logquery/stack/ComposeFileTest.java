package dev.logquery.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.tail.TailProperties;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.producer.config.KafkaConnectionProperties;
import dev.logquery.producer.config.ProducerProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker cannot run here, so docker-compose.yml is checked against what the services really read: the
 * services and ports of DESIGN.md, and every environment variable of every logquery service bound the way
 * Spring Boot binds the environment ({@link SystemEnvironmentPropertySource}) into the services' own
 * configuration classes. A variable counts as read when changing its value changes what is bound; a
 * misspelt name (say {@code LOGQUERY_NODE_SHARDCOUNTS}) changes nothing and fails the test.
 */
class ComposeFileTest {

    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (Reader in = Files.newBufferedReader(Path.of("..", "docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Map<String, Object>>) compose.get("services");
        }
    }

    @Test
    void everyServiceOfTheDesignIsThereOnItsPort() {
        Map<String, String> ports = new LinkedHashMap<>();
        ports.put("kafka", "9092:9092");
        ports.put("pg-0", "5432:5432");
        ports.put("pg-1", "5433:5432");
        ports.put("pg-2", "5434:5432");
        ports.put("redis", "6379:6379");
        ports.put("node-0", "8081:8081");
        ports.put("node-1", "8082:8082");
        ports.put("node-2", "8083:8083");
        ports.put("coordinator", "8080:8080");
        ports.put("producer", "8084:8084");
        ports.put("prometheus", "9090:9090");
        ports.put("grafana", "3000:3000");
        assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(ports.keySet());
        ports.forEach((service, mapping) -> {
            assertThat(services.get(service).get("ports")).as(service).isEqualTo(List.of(mapping));
            assertThat(services.get(service)).as(service + " has a health check").containsKey("healthcheck");
        });
    }

    @Test
    void nodesReadTheirShardDatabaseAndKafka() {
        for (int s = 0; s < 3; s++) {
            Map<String, String> env = env("node-" + s);
            Binder binder = binder(env);
            NodeProperties node = binder.bindOrCreate("logquery.node", NodeProperties.class);
            assertThat(node.shard()).isEqualTo(s);
            assertThat(node.shardCount()).isEqualTo(3);
            assertThat(node.bootstrapServers()).isEqualTo("kafka:29092");
            assertThat(node.topic()).isEqualTo("pod-logs");
            assertThat(binder.bind("server.port", Integer.class).get()).isEqualTo(8081 + s);
            assertThat(binder.bind("spring.datasource.url", String.class).get())
                    .isEqualTo("jdbc:postgresql://pg-" + s + ":5432/logquery");
            assertEveryVariableIsRead("node-" + s, env, b -> List.of(
                    b.bindOrCreate("logquery.node", NodeProperties.class),
                    b.bind("server.port", Integer.class).orElse(-1),
                    b.bind("spring.datasource.url", String.class).orElse("")));
        }
    }

    @Test
    void theCoordinatorKnowsEveryNodeByItsServiceNameAndPort() {
        Map<String, String> env = env("coordinator");
        Binder binder = binder(env);
        CoordinatorProperties coordinator = binder.bindOrCreate("logquery.coordinator", CoordinatorProperties.class);
        assertThat(coordinator.shards()).extracting(CoordinatorProperties.Shard::id).containsExactly(0, 1, 2);
        for (CoordinatorProperties.Shard shard : coordinator.shards()) {
            String node = "node-" + shard.id();
            assertThat(shard.url()).isEqualTo("http://" + node + ":" + env("node-" + shard.id()).get("SERVER_PORT"));
            assertThat(services).containsKey(node);
        }
        assertThat(binder.bind("server.port", Integer.class).get()).isEqualTo(8080);
        assertEveryVariableIsRead("coordinator", env, b -> List.of(
                b.bindOrCreate("logquery.coordinator", CoordinatorProperties.class),
                b.bindOrCreate("logquery.coordinator.tail", TailProperties.class),
                b.bind("server.port", Integer.class).orElse(-1)));
    }

    @Test
    void theCoordinatorsLiveTailReadsTheTopicTheNodesRead() {
        TailProperties tail = binder(env("coordinator")).bindOrCreate("logquery.coordinator.tail", TailProperties.class);
        NodeProperties node = binder(env("node-0")).bindOrCreate("logquery.node", NodeProperties.class);
        assertThat(tail.bootstrapServers()).isEqualTo(node.bootstrapServers());
        assertThat(tail.topic()).isEqualTo(node.topic());
    }

    @Test
    void theProducerWritesToTheTopicTheNodesRead() {
        Map<String, String> env = env("producer");
        Binder binder = binder(env);
        ProducerProperties producer = binder.bindOrCreate("logquery.producer", ProducerProperties.class);
        NodeProperties node = binder(env("node-0")).bindOrCreate("logquery.node", NodeProperties.class);
        assertThat(producer.topic()).isEqualTo(node.topic());
        assertThat(binder.bindOrCreate("logquery.kafka", KafkaConnectionProperties.class).bootstrapServers())
                .isEqualTo(node.bootstrapServers());
        assertEveryVariableIsRead("producer", env, b -> List.of(
                b.bindOrCreate("logquery.producer", ProducerProperties.class),
                b.bindOrCreate("logquery.kafka", KafkaConnectionProperties.class),
                b.bind("server.port", Integer.class).orElse(-1)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) services.get(service).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    private static Binder binder(Map<String, String> env) {
        MutablePropertySources sources = new MutablePropertySources();
        // Under this name Spring Boot maps variable names to properties as it does for the real environment.
        sources.addFirst(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new LinkedHashMap<>(env)));
        return new Binder(ConfigurationPropertySources.from(sources));
    }

    /** Each variable (but the JVM's own) must change what {@code bound} returns when its value changes. */
    private static void assertEveryVariableIsRead(String service, Map<String, String> env,
                                                  Function<Binder, Object> bound) {
        List<String> unread = new ArrayList<>();
        Object original = bound.apply(binder(env));
        for (String name : env.keySet()) {
            if (name.equals("JAVA_TOOL_OPTIONS")) {
                continue;
            }
            Map<String, String> changed = new LinkedHashMap<>(env);
            String value = env.get(name);
            changed.put(name, value.matches("\\d+") ? Integer.toString(Integer.parseInt(value) + 1) : value + "x");
            try {
                if (bound.apply(binder(changed)).equals(original)) {
                    unread.add(name);
                }
            } catch (RuntimeException e) {
                // the changed value was read, and refused: the variable is read
            }
        }
        assertThat(unread).as("variables of %s that no configuration reads", service).isEmpty();
    }
}
