package dev.logquery.producer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The synthetic pod-log producer (port 8084): live or backfill lines into the {@code pod-logs} topic. */
@SpringBootApplication
public class LogProducerApplication {

    public static void main(String[] args) {
        SpringApplication.run(LogProducerApplication.class, args);
    }
}
