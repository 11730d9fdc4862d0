package dev.logquery.coordinator;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The coordinator: the public query API on port 8080. This module is a skeleton until the query issue
 * lands: it starts, reports health and exports metrics, and serves no query yet.
 */
@SpringBootApplication
public class CoordinatorApplication {

    public static void main(String[] args) {
        SpringApplication.run(CoordinatorApplication.class, args);
    }
}
