package dev.logquery.coordinator.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** The HTTP client the coordinator talks to partition nodes with. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CoordinatorProperties.class)
public class CoordinatorConfiguration {

    /** A node's metadata (hour chunks with bloom filters) and a long message line may exceed the 256 KiB default. */
    static final int MAX_IN_MEMORY_BYTES = 16 * 1024 * 1024;

    @Bean
    WebClient nodeWebClient() {
        return WebClient.builder()
                .codecs(c -> c.defaultCodecs().maxInMemorySize(MAX_IN_MEMORY_BYTES))
                .build();
    }
}
