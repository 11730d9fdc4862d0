package dev.logquery.producer.config;

import dev.logquery.producer.ProducerMetrics;
import dev.logquery.producer.ProducerService;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the producer: its settings, meters and the service that runs the configured mode. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ProducerProperties.class, KafkaConnectionProperties.class})
public class ProducerConfiguration {

    @Bean
    ProducerMetrics producerMetrics(MeterRegistry registry, ProducerProperties properties) {
        return new ProducerMetrics(registry, properties.topic());
    }

    @Bean
    ProducerService producerService(ProducerProperties properties, KafkaConnectionProperties kafka,
            ProducerMetrics metrics, ConfigurableApplicationContext context) {
        return new ProducerService(properties, kafka, metrics, context, Clock.systemUTC());
    }
}
