package dev.logquery.coordinator;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The coordinator: the public query API on port 8080. {@code POST /api/query/logs} prunes shards with
 * their metadata ({@code catalog}), scatters the query to the rest ({@code scatter}), merges their sorted
 * streams ({@code merge}) and answers JSON or NDJSON ({@code api}); the pipeline is {@code search}.
 */
@SpringBootApplication
public class CoordinatorApplication {

    public static void main(String[] args) {
        SpringApplication.run(CoordinatorApplication.class, args);
    }
}
