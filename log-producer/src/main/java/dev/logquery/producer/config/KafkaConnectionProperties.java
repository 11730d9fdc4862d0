package dev.logquery.producer.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where Kafka is ({@code logquery.kafka.*}).
 *
 * @param bootstrapServers comma-separated {@code host:port} list
 */
@ConfigurationProperties("logquery.kafka")
public record KafkaConnectionProperties(@DefaultValue("localhost:9092") String bootstrapServers) {

    public KafkaConnectionProperties {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("logquery.kafka.bootstrap-servers must not be blank");
        }
    }
}
