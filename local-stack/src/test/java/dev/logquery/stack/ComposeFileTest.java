package dev.logquery.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.coordinator.config.ApiProperties;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.tail.TailProperties;
import dev.logquery.coordinator.topology.Shard;
import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.producer.config.KafkaConnectionProperties;
import dev.logquery.producer.config.ProducerProperties;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker cannot run here, so docker-compose.yml is checked against what the services really read: the
 * services and ports of docs/architecture.md, what is published on the host (the entry points only, on
 * 127.0.0.1 by default), the secrets (from the environment, i.e. Compose's .env), and every environment variable of every logquery service bound the way
 * Spring Boot binds the environment ({@link SystemEnvironmentPropertySource}) into the services' own
 * configuration classes. A variable counts as read when changing its value changes what is bound; a
 * misspelt name (say {@code LOGQUERY_NODE_SHARDCOUNTS}) changes nothing and fails the test.
 *
 * <p>The file is read as Compose reads it for a given host environment: values interpolated
 * ({@link #interpolate}) and only the services of the active profiles ({@code COMPOSE_PROFILES}) kept. Each
 * check runs for both stacks: one replica per shard (no profile, what {@code docker compose up} and
 * {@code ./setup.sh} start) and two ({@code COMPOSE_PROFILES=replicas}, what {@code STACK_REPLICAS=2
 * ./setup.sh} sets). Both hosts have the secrets that {@code ./setup.sh --mode docker} writes into .env
 * ({@link #SECRETS}).
 */
class ComposeFileTest {

    /** What {@code ./setup.sh --mode docker} writes into .env, which Compose reads as host environment. */
    static final Map<String, String> SECRETS = Map.of(
            "POSTGRES_PASSWORD", "pg-secret-0a1b", "REDIS_PASSWORD", "redis-secret-2c3d",
            "LOGQUERY_INTERNAL_TOKEN", "internal-secret-4e5f");

    /** The message of Compose's refusal when a secret is missing ({@code ${VAR:?message}}). */
    private static final String NO_SECRETS = "run ./setup.sh --mode docker once, or write .env";

    /** The services published on the host: the entry points, nothing else. */
    private static final Set<String> PUBLISHED = Set.of("coordinator", "gateway", "grafana", "prometheus", "kafka");

    /** The host environment of each stack: how many replicas per shard it runs. */
    static Stream<Arguments> stacks() {
        return Stream.of(Arguments.of(1, host(Map.of())), Arguments.of(2, host(Map.of("COMPOSE_PROFILES", "replicas"))));
    }

    /** The secrets of .env plus {@code more}. */
    private static Map<String, String> host(Map<String, String> more) {
        Map<String, String> host = new HashMap<>(SECRETS);
        host.putAll(more);
        return host;
    }

    private static final Pattern NODE = Pattern.compile("node-(\\d)(-r(\\d))?");

    private static Map<String, Object> file;

    @BeforeAll
    static void load() throws IOException {
        try (Reader in = Files.newBufferedReader(COMPOSE_FILE)) {
            file = new Yaml().load(in);
        }
    }

    private static final Path COMPOSE_FILE = Path.of("..", "docker-compose.yml");

    private static String fileText() {
        try {
            return Files.readString(COMPOSE_FILE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void everyServiceOfTheDesignIsThereOnItsPort(int replicas, Map<String, String> host) {
        // the port each service listens on in its container; the entry points are published on the same port
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("kafka", 9092);
        ports.put("pg-0", 5432);
        ports.put("pg-1", 5432);
        ports.put("pg-2", 5432);
        ports.put("redis", 6379);
        ports.put("node-0", 8081);
        ports.put("node-1", 8082);
        ports.put("node-2", 8083);
        ports.put("coordinator", 8080);
        ports.put("producer", 8084);
        ports.put("gateway", 8085);
        ports.put("prometheus", 9090);
        ports.put("grafana", 3000);
        if (replicas == 2) {
            // the ports of the local mode's second replicas (setup.sh)
            for (int s = 0; s < 3; s++) {
                ports.put("pg-" + s + "-r1", 5432);
                ports.put("node-" + s + "-r1", 8091 + s);
            }
        }
        Map<String, Map<String, Object>> services = services(host);
        assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(ports.keySet());
        ports.forEach((service, port) -> {
            if (PUBLISHED.contains(service)) {
                assertThat(services.get(service).get("ports")).as(service).isEqualTo(List.of("127.0.0.1:" + port + ":" + port));
            } else {
                assertThat(services.get(service)).as(service + " is not published").doesNotContainKey("ports");
                assertThat(services.get(service).get("expose")).as(service + "'s port").isEqualTo(List.of(String.valueOf(port)));
            }
            assertThat(containerPort(services, service)).as(service).isEqualTo(port);
            assertThat(services.get(service)).as(service + " has a health check").containsKey("healthcheck");
        });
    }

    @Test
    void onlyTheEntryPointsArePublishedAndOnLoopbackUnlessToldOtherwise() {
        Map<String, List<String>> published = new TreeMap<>();
        services(file).forEach((name, service) -> {
            assertThat(service.get("network_mode")).as(name + " stays on the compose network").isNull();
            if (service.containsKey("ports")) {
                published.put(name, strings(service.get("ports")));
            }
        });
        assertThat(published.keySet()).containsExactlyInAnyOrderElementsOf(PUBLISHED);
        // each mapping is "${LOGQUERY_BIND:-127.0.0.1}:<port>:<port>", the short form with an address
        published.forEach((name, mappings) -> assertThat(mappings).as(name).hasSize(1)
                .allSatisfy(m -> assertThat(m).matches("\\$\\{LOGQUERY_BIND:-127\\.0\\.0\\.1\\}:(\\d+):\\1")));
        for (Map<String, String> bind : List.of(Map.<String, String>of(), Map.of("LOGQUERY_BIND", ""),
                Map.of("LOGQUERY_BIND", "0.0.0.0"))) {
            String address = bind.getOrDefault("LOGQUERY_BIND", "").isEmpty() ? "127.0.0.1" : bind.get("LOGQUERY_BIND");
            Map<String, Map<String, Object>> services = services(host(merge(bind, Map.of("COMPOSE_PROFILES", "replicas"))));
            for (String name : PUBLISHED) {
                assertThat(strings(services.get(name).get("ports"))).as(name + " with " + bind)
                        .allSatisfy(m -> assertThat(m).startsWith(address + ":"));
            }
        }
    }

    @Test
    void withoutTheSecretsComposeRefusesTheFile() {
        for (String secret : SECRETS.keySet()) {
            Map<String, String> host = host(Map.of());
            host.remove(secret);
            assertThatThrownBy(() -> services(host)).as("without " + secret)
                    .hasMessageContaining(secret).hasMessageContaining(NO_SECRETS);
            host.put(secret, "");
            assertThatThrownBy(() -> services(host)).as("with an empty " + secret)
                    .hasMessageContaining(secret).hasMessageContaining(NO_SECRETS);
        }
        // no default value, nor a secret written into the file itself
        String text = fileText();
        for (String secret : SECRETS.keySet()) {
            assertThat(text).doesNotContain("${" + secret + ":-").doesNotContain("${" + secret + "-");
        }
        services(file).forEach((name, service) -> {
            Object environment = service.getOrDefault("environment", Map.of());
            ((Map<?, ?>) environment).forEach((variable, value) -> {
                String v = String.valueOf(value);
                boolean secret = String.valueOf(variable).matches(".*(PASSWORD|TOKENS?|AUTH)") || v.matches("\\w+://[^/]*@.*");
                // Grafana's admin password stays admin (Grafana is on 127.0.0.1, anonymous users only view)
                if (secret && !variable.equals("GF_SECURITY_ADMIN_PASSWORD")) {
                    assertThat(v).as(name + "'s " + variable + " comes from the environment").contains("${");
                }
            });
        });
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void databasesAndRedisWantTheirPasswords(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        List<String> databases = services.keySet().stream().filter(n -> n.startsWith("pg-")).toList();
        assertThat(databases).hasSize(3 * replicas);
        for (String name : databases) {
            assertThat(env(services, name)).as(name).containsEntry("POSTGRES_PASSWORD", SECRETS.get("POSTGRES_PASSWORD"));
        }
        Map<String, Object> redis = services.get("redis");
        List<String> command = strings(redis.get("command"));
        assertThat(command).as("redis' command").startsWith("redis-server");
        int requirepass = command.indexOf("--requirepass");
        assertThat(requirepass).as("redis-server --requirepass").isPositive();
        assertThat(command.get(requirepass + 1)).isEqualTo(SECRETS.get("REDIS_PASSWORD"));
        // the health check must authenticate: REDISCLI_AUTH in the container's environment, or redis-cli -a
        String check = String.join(" ", strings(((Map<?, ?>) redis.get("healthcheck")).get("test")));
        assertThat(check).contains("redis-cli").contains("ping");
        assertThat(check.contains(" -a ") || SECRETS.get("REDIS_PASSWORD").equals(env(services, "redis").get("REDISCLI_AUTH")))
                .as("redis' health check authenticates: " + check).isTrue();
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void nodesAndCoordinatorShareTheInternalTokenAndLogInToRedis(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        List<String> apps = new ArrayList<>(services.keySet().stream().filter(n -> NODE.matcher(n).matches()).toList());
        assertThat(apps).hasSize(3 * replicas);
        for (String name : apps) {
            Binder binder = binder(env(services, name));
            assertThat(binder.bindOrCreate("logquery.internal", dev.logquery.node.config.InternalProperties.class).token())
                    .as(name + "'s internal token").isEqualTo(SECRETS.get("LOGQUERY_INTERNAL_TOKEN"));
            assertRedisWithPassword(name, binder.bindOrCreate("logquery.node", NodeProperties.class).redisUrl());
            assertThat(binder.bind("spring.datasource.password", String.class).orElse(null)).as(name + "'s database password")
                    .isEqualTo(SECRETS.get("POSTGRES_PASSWORD"));
        }
        Binder coordinator = binder(env(services, "coordinator"));
        assertThat(coordinator.bindOrCreate("logquery.internal", dev.logquery.coordinator.config.InternalProperties.class).token())
                .as("the coordinator's internal token").isEqualTo(SECRETS.get("LOGQUERY_INTERNAL_TOKEN"));
        assertRedisWithPassword("coordinator", coordinator.bindOrCreate("logquery.coordinator", CoordinatorProperties.class).redisUrl());
        assertThat(services.get("producer").get("environment").toString()).as("the producer gets no secret")
                .doesNotContain(SECRETS.values().toArray(String[]::new));
    }

    @Test
    void theApiTokenIsOptional() {
        assertThat(apiTokens(host(Map.of()))).isEmpty();
        assertThat(apiTokens(host(Map.of("STACK_API_TOKEN", "")))).isEmpty();
        assertThat(apiTokens(host(Map.of("STACK_API_TOKEN", "api-secret")))).containsExactly("api-secret");
    }

    private static List<String> apiTokens(Map<String, String> host) {
        return binder(env(services(host), "coordinator")).bindOrCreate("logquery.coordinator", ApiProperties.class).auth().tokens();
    }

    private static void assertRedisWithPassword(String service, String url) {
        URI uri = URI.create(url);
        assertThat(uri.getScheme()).as(service + "'s Redis URL " + url).isEqualTo("redis");
        assertThat(uri.getHost()).as(service + "'s Redis URL " + url).isEqualTo("redis");
        assertThat(uri.getPort()).as(service + "'s Redis URL " + url).isEqualTo(6379);
        assertThat(uri.getUserInfo()).as(service + "'s Redis URL has the password").isEqualTo(":" + SECRETS.get("REDIS_PASSWORD"));
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> merged = new HashMap<>(a);
        merged.putAll(b);
        return merged;
    }

    @Test
    void theSecondReplicasAreTheOnlyServicesOfTheOnlyProfile() {
        // The coordinator's replica URLs depend on COMPOSE_PROFILES being set at all (${COMPOSE_PROFILES:+...}):
        // right only while `replicas` is the one profile there is.
        Map<String, Set<String>> profiled = new TreeMap<>();
        services(file).forEach((name, service) -> {
            if (service.containsKey("profiles")) {
                profiled.put(name, new TreeSet<>(strings(service.get("profiles"))));
            }
        });
        assertThat(profiled.keySet()).containsExactly("node-0-r1", "node-1-r1", "node-2-r1", "pg-0-r1", "pg-1-r1", "pg-2-r1");
        assertThat(profiled.values()).allSatisfy(p -> assertThat(p).containsExactly("replicas"));
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void nodesReadTheirShardTheirOwnDatabaseAndKafka(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        List<String> nodes = services.keySet().stream().filter(n -> NODE.matcher(n).matches()).toList();
        assertThat(nodes).hasSize(3 * replicas);
        Set<String> databases = new LinkedHashSet<>();
        for (String name : nodes) {
            Matcher m = NODE.matcher(name);
            assertThat(m.matches()).isTrue();
            int shard = Integer.parseInt(m.group(1));
            int replica = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
            String database = "pg-" + name.substring("node-".length());
            Map<String, String> env = env(services, name);
            Binder binder = binder(env);
            NodeProperties node = binder.bindOrCreate("logquery.node", NodeProperties.class);
            assertThat(node.shard()).as(name).isEqualTo(shard);
            assertThat(node.replica()).as(name).isEqualTo(replica);
            assertThat(node.shardCount()).isEqualTo(3);
            assertThat(node.bootstrapServers()).isEqualTo("kafka:29092");
            assertThat(node.topic()).isEqualTo("pod-logs");
            assertThat(node.redisUrl()).isEqualTo("redis://:" + SECRETS.get("REDIS_PASSWORD") + "@redis:6379");
            int port = binder.bind("server.port", Integer.class).get();
            assertThat(port).as(name).isEqualTo(containerPort(services, name));
            assertThat(strings(((Map<?, ?>) services.get(name).get("healthcheck")).get("test")))
                    .as(name + " checks its own port").contains("http://localhost:" + port + "/actuator/health");
            String url = binder.bind("spring.datasource.url", String.class).get();
            assertThat(url).as(name).isEqualTo("jdbc:postgresql://" + database + ":5432/logquery");
            assertThat(services).as(name + "'s database runs").containsKey(database);
            assertThat(dependsOn(services, name)).as(name).containsKeys(database, "kafka");
            databases.add(url);
            assertEveryVariableIsRead(name, env, b -> List.of(
                    b.bindOrCreate("logquery.node", NodeProperties.class),
                    b.bindOrCreate("logquery.internal", dev.logquery.node.config.InternalProperties.class),
                    b.bind("server.port", Integer.class).orElse(-1),
                    b.bind("spring.datasource.url", String.class).orElse(""),
                    b.bind("spring.datasource.password", String.class).orElse("")));
        }
        assertThat(databases).as("every node has a database of its own").hasSize(nodes.size());
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void theCoordinatorKnowsEveryRunningNodeByItsServiceNameAndPort(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        Map<String, String> env = env(services, "coordinator");
        Binder binder = binder(env);
        CoordinatorProperties coordinator = binder.bindOrCreate("logquery.coordinator", CoordinatorProperties.class);
        assertThat(coordinator.shards()).extracting(Shard::id).containsExactly(0, 1, 2);
        Set<String> listed = new LinkedHashSet<>();
        for (Shard shard : coordinator.shards()) {
            assertThat(shard.replicas()).as("shard %d", shard.id()).hasSize(replicas);
            for (int i = 0; i < shard.replicas().size(); i++) {
                URI url = URI.create(shard.replicas().get(i));
                String node = url.getHost();
                assertThat(services).as(url + " names a running service").containsKey(node);
                assertThat(url.getPort()).as(url + " is its container port").isEqualTo(containerPort(services, node));
                NodeProperties properties = binder(env(services, node)).bindOrCreate("logquery.node", NodeProperties.class);
                assertThat(properties.shard()).as(url + "'s shard").isEqualTo(shard.id());
                assertThat(properties.replica()).as(url + "'s replica").isEqualTo(i);
                assertThat(shard.databases().get(i)).as("the database the coordinator reads for " + url)
                        .startsWith(env(services, node).get("SPRING_DATASOURCE_URL") + "?");
                assertThat(dependsOn(services, "coordinator").get(node)).as("coordinator waits for " + node)
                        .isEqualTo(node.endsWith("-r1") ? Map.of("condition", "service_healthy", "required", false)
                                : Map.of("condition", "service_healthy"));
                listed.add(node);
            }
        }
        assertThat(listed).as("every node that runs is queried")
                .containsExactlyInAnyOrderElementsOf(services.keySet().stream().filter(n -> NODE.matcher(n).matches()).toList());
        assertThat(binder.bind("server.port", Integer.class).get()).isEqualTo(8080);
        assertEveryVariableIsRead("coordinator", env, b -> List.of(
                b.bindOrCreate("logquery.coordinator", CoordinatorProperties.class),
                b.bindOrCreate("logquery.coordinator", ApiProperties.class),
                b.bindOrCreate("logquery.internal", dev.logquery.coordinator.config.InternalProperties.class),
                b.bindOrCreate("logquery.coordinator.tail", TailProperties.class),
                b.bind("server.port", Integer.class).orElse(-1)));
    }

    /** Compose's own consistency check: a service may depend on a disabled one only with {@code required: false}. */
    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void everyServiceDependsOnlyOnServicesThatRunOrOnOptionalOnes(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> all = services(file);
        Map<String, Map<String, Object>> running = services(host);
        running.forEach((name, service) -> dependsOn(running, name).forEach((dependency, how) -> {
            assertThat(all).as(name + " depends on a service of the file").containsKey(dependency);
            if (!running.containsKey(dependency)) {
                assertThat(how).as(name + " depends on " + dependency + ", which does not run: it must not be required")
                        .containsEntry("required", false);
            }
        }));
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void theCoordinatorsLiveTailReadsTheTopicTheNodesRead(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        TailProperties tail = binder(env(services, "coordinator")).bindOrCreate("logquery.coordinator.tail", TailProperties.class);
        NodeProperties node = binder(env(services, "node-0")).bindOrCreate("logquery.node", NodeProperties.class);
        assertThat(tail.bootstrapServers()).isEqualTo(node.bootstrapServers());
        assertThat(tail.topic()).isEqualTo(node.topic());
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void theProducerWritesToTheTopicTheNodesRead(int replicas, Map<String, String> host) {
        Map<String, Map<String, Object>> services = services(host);
        Map<String, String> env = env(services, "producer");
        Binder binder = binder(env);
        ProducerProperties producer = binder.bindOrCreate("logquery.producer", ProducerProperties.class);
        NodeProperties node = binder(env(services, "node-0")).bindOrCreate("logquery.node", NodeProperties.class);
        assertThat(producer.topic()).isEqualTo(node.topic());
        assertThat(binder.bindOrCreate("logquery.kafka", KafkaConnectionProperties.class).bootstrapServers())
                .isEqualTo(node.bootstrapServers());
        assertEveryVariableIsRead("producer", env, b -> List.of(
                b.bindOrCreate("logquery.producer", ProducerProperties.class),
                b.bindOrCreate("logquery.kafka", KafkaConnectionProperties.class),
                b.bind("server.port", Integer.class).orElse(-1)));
    }

    @ParameterizedTest(name = "{0} replica(s) per shard")
    @MethodSource("stacks")
    void theGatewayWritesToTheTopicTheNodesReadAndWantsTheApiToken(int replicas, Map<String, String> host) {
        Map<String, String> withToken = new HashMap<>(host);
        withToken.put("STACK_API_TOKEN", "api-secret-6a7b");
        Map<String, Map<String, Object>> services = services(withToken);
        Map<String, String> env = env(services, "gateway");
        Binder binder = binder(env);
        GatewayProperties gateway = binder.bindOrCreate("logquery.gateway", GatewayProperties.class);
        NodeProperties node = binder(env(services, "node-0")).bindOrCreate("logquery.node", NodeProperties.class);
        assertThat(gateway.topic()).isEqualTo(node.topic());
        assertThat(binder.bind("spring.kafka.bootstrap-servers", String.class).get()).isEqualTo(node.bootstrapServers());
        assertThat(gateway.maxAge()).as("lines the nodes would refuse as too old are refused at the gateway")
                .isEqualTo(node.retention());
        assertThat(gateway.auth().tokens()).containsExactly("api-secret-6a7b");
        assertThat(binder.bind("server.port", Integer.class).get()).isEqualTo(8085);
        Map<String, String> producer = env(services, "producer");
        ProducerProperties producerProperties = binder(producer).bindOrCreate("logquery.producer", ProducerProperties.class);
        assertThat(producerProperties.target()).isEqualTo(ProducerProperties.Target.GATEWAY);
        assertThat(producerProperties.gateway().url().toString()).isEqualTo("http://gateway:8085");
        assertThat(producerProperties.gateway().token()).isEqualTo("api-secret-6a7b");
        assertEveryVariableIsRead("gateway", env, b -> List.of(
                b.bindOrCreate("logquery.gateway", GatewayProperties.class),
                b.bind("spring.kafka.bootstrap-servers", String.class).orElse(""),
                b.bind("server.port", Integer.class).orElse(-1)));
    }

    @Test
    void interpolationFollowsCompose() {
        Map<String, String> env = new HashMap<>();
        env.put("A", "x");
        env.put("E", "");
        assertThat(interpolate("plain", env)).isEqualTo("plain");
        assertThat(interpolate("${A}/$A/${U}/$U.", env)).isEqualTo("x/x//.");
        assertThat(interpolate("$$A $${A} $$$A", env)).isEqualTo("$A ${A} $x");
        assertThat(interpolate("${A:-d} ${E:-d} ${U:-d}", env)).isEqualTo("x d d");
        assertThat(interpolate("${A-d} ${E-d} ${U-d}", env)).isEqualTo("x  d");
        assertThat(interpolate("${A:+y} ${E:+y} ${U:+y}", env)).isEqualTo("y  ");
        assertThat(interpolate("${A+y} ${E+y} ${U+y}", env)).isEqualTo("y y ");
        assertThat(interpolate("${U:-${A}-${U:-z}} ${A:+http://$A:1}", env)).isEqualTo("x-z http://x:1");
        assertThat(interpolate("${A:?needed} ${E?needed}", env)).isEqualTo("x ");
        assertThatThrownBy(() -> interpolate("${E:?E is needed}", env)).hasMessageContaining("E is needed");
        assertThatThrownBy(() -> interpolate("${U?U is needed}", env)).hasMessageContaining("U is needed");
        assertThatThrownBy(() -> interpolate("${A", env)).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> interpolate("cost: 5$", env)).hasMessageContaining("invalid");
        assertThatThrownBy(() -> interpolate("${A*}", env)).hasMessageContaining("invalid");
    }

    // ---------------------------------------------------------------------------------------------------
    // docker-compose.yml as Compose reads it

    /** The services Compose runs with the host environment {@code host}, values interpolated. */
    private static Map<String, Map<String, Object>> services(Map<String, String> host) {
        Set<String> profiles = new LinkedHashSet<>();
        for (String p : host.getOrDefault("COMPOSE_PROFILES", "").split(",")) {
            if (!p.isBlank()) {
                profiles.add(p.strip());
            }
        }
        Map<String, Map<String, Object>> enabled = new LinkedHashMap<>();
        services(interpolateTree(file, host)).forEach((name, service) -> {
            List<String> own = service.containsKey("profiles") ? strings(service.get("profiles")) : List.of();
            if (own.isEmpty() || profiles.contains("*") || own.stream().anyMatch(profiles::contains)) {
                enabled.put(name, service);
            }
        });
        return enabled;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(Object compose) {
        return (Map<String, Map<String, Object>>) ((Map<String, Object>) compose).get("services");
    }

    /** A copy of the tree with every string value interpolated (keys are not, as in Compose). */
    private static Object interpolateTree(Object node, Map<String, String> env) {
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, interpolateTree(v, env)));
            return copy;
        }
        if (node instanceof List<?> list) {
            return list.stream().map(v -> interpolateTree(v, env)).toList();
        }
        return node instanceof String s ? interpolate(s, env) : node;
    }

    /**
     * Compose's interpolation of one value: {@code $$} is a {@code $}; {@code $VAR} and {@code ${VAR}} the
     * variable (empty when unset); {@code ${VAR:-default}} the default when VAR is unset or empty,
     * {@code ${VAR-default}} when it is unset; {@code ${VAR:+alt}} the alternative when VAR is set and not
     * empty, {@code ${VAR+alt}} when it is set; {@code ${VAR:?error}} and {@code ${VAR?error}} refuse the file
     * in the same cases as {@code :-} and {@code -}. Defaults and alternatives are interpolated in turn.
     */
    static String interpolate(String value, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            char next = i + 1 < value.length() ? value.charAt(i + 1) : 0;
            if (c != '$') {
                out.append(c);
                i++;
            } else if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = closingBrace(value, i + 1);
                out.append(braced(value.substring(i + 2, end), env, value));
                i = end + 1;
            } else if (nameStart(next)) {
                int j = i + 1;
                while (j < value.length() && namePart(value.charAt(j))) {
                    j++;
                }
                out.append(env.getOrDefault(value.substring(i + 1, j), ""));
                i = j;
            } else {
                throw new IllegalArgumentException("invalid interpolation format in \"" + value + "\": a lone $ (write $$)");
            }
        }
        return out.toString();
    }

    private static String braced(String expression, Map<String, String> env, String value) {
        int j = 0;
        while (j < expression.length() && namePart(expression.charAt(j))) {
            j++;
        }
        String name = expression.substring(0, j);
        String rest = expression.substring(j);
        boolean colon = rest.startsWith(":");
        String operator = rest.isEmpty() ? "" : rest.substring(colon ? 1 : 0, Math.min(rest.length(), colon ? 2 : 1));
        if (name.isEmpty() || !nameStart(name.charAt(0)) || !(rest.isEmpty() || "-?+".contains(operator) && !operator.isEmpty())) {
            throw new IllegalArgumentException("invalid interpolation format in \"" + value + "\": ${" + expression + "}");
        }
        String variable = env.get(name);
        if (rest.isEmpty()) {
            return variable == null ? "" : variable;
        }
        String argument = rest.substring(colon ? 2 : 1);
        boolean present = variable != null && !(colon && variable.isEmpty());
        return switch (operator) {
            case "-" -> present ? variable : interpolate(argument, env);
            case "+" -> present ? interpolate(argument, env) : "";
            default -> {
                if (!present) {
                    throw new IllegalArgumentException("required variable " + name + " is missing a value: "
                            + interpolate(argument, env));
                }
                yield variable;
            }
        };
    }

    /** The index of the brace that closes the one at {@code open}, nested {@code ${...}} included. */
    private static int closingBrace(String value, int open) {
        int depth = 0;
        for (int i = open; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '$') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("invalid interpolation format in \"" + value + "\": unclosed ${");
    }

    private static boolean nameStart(char c) {
        return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean namePart(char c) {
        return nameStart(c) || c >= '0' && c <= '9';
    }

    // ---------------------------------------------------------------------------------------------------
    // Services

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Map<String, Object>> services, String service) {
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) services.get(service).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    /**
     * The port a service listens on in its container: the last part of its one port mapping when it is
     * published, else its one {@code expose} entry.
     */
    private static int containerPort(Map<String, Map<String, Object>> services, String service) {
        Map<String, Object> definition = services.get(service);
        List<String> ports = strings(definition.containsKey("ports") ? definition.get("ports") : definition.get("expose"));
        assertThat(ports).as(service + "'s ports").hasSize(1);
        return Integer.parseInt(ports.get(0).substring(ports.get(0).lastIndexOf(':') + 1));
    }

    /** {@code depends_on} in its long form: each dependency and its settings. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> dependsOn(Map<String, Map<String, Object>> services, String service) {
        Object dependsOn = services.get(service).getOrDefault("depends_on", Map.of());
        assertThat(dependsOn).as(service + "'s depends_on in the long form").isInstanceOf(Map.class);
        return (Map<String, Map<String, Object>>) dependsOn;
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
