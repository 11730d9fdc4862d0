package dev.logquery.node;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** A partition node: shard {@code s} of {@code N}, consuming the Kafka partitions {@code p % N == s}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PartitionNodeApplication {

    public static void main(String[] args) {
        SpringApplication.run(PartitionNodeApplication.class, args);
    }
}
