package dev.logquery.gateway.kafka;

import dev.logquery.gateway.config.GatewayProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code kafka} component of {@code /actuator/health}: UP when a broker describes the topic within 3 s (the
 * gateway can write), DOWN otherwise, with the reason. An admin client per check, created and closed off the
 * event loop: an idle one would keep reconnecting (and logging) while Kafka is away.
 */
@Component("kafka")
public class KafkaHealthIndicator implements ReactiveHealthIndicator {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Map<String, Object> config;
    private final String topic;

    public KafkaHealthIndicator(KafkaAdmin kafkaAdmin, GatewayProperties properties) {
        Map<String, Object> c = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "ingest-gateway-health");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.config = Map.copyOf(c);
        this.topic = properties.topic();
    }

    @Override
    public Mono<Health> health() {
        return Mono.usingWhen(
                        Mono.fromCallable(() -> Admin.create(config)).subscribeOn(Schedulers.boundedElastic()),
                        admin -> Mono.fromFuture(() -> admin.describeTopics(List.of(topic),
                                        new DescribeTopicsOptions().timeoutMs((int) TIMEOUT.toMillis()))
                                .allTopicNames().toCompletionStage().toCompletableFuture()
                                .orTimeout(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS), true),
                        admin -> Mono.fromRunnable(() -> admin.close(Duration.ZERO))
                                .subscribeOn(Schedulers.boundedElastic()))
                .map(topics -> Health.up().withDetail("topic", topic)
                        .withDetail("partitions", topics.get(topic).partitions().size()).build())
                .onErrorResume(e -> Mono.just(Health.down().withDetail("topic", topic)
                        .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build()));
    }
}
