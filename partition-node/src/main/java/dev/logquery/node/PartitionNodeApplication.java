package dev.logquery.node;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A partition node: shard {@code s} of {@code N}, consuming the Kafka partitions {@code p % N == s}.
 *
 * <p>Spring Security's auto-configuration is excluded by name: the node has its own check of the internal token
 * and no Spring Security, but where it runs on one class path with the coordinator (the coordinator's integration
 * tests), Boot would otherwise lock every node endpoint behind a generated password.
 */
@SpringBootApplication(excludeName = {
        "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration"})
@ConfigurationPropertiesScan
public class PartitionNodeApplication {

    public static void main(String[] args) {
        SpringApplication.run(PartitionNodeApplication.class, args);
    }
}
