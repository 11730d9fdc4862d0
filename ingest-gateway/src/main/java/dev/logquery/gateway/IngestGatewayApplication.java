package dev.logquery.gateway;

import dev.logquery.gateway.config.GatewayProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The ingest gateway, on port 8085: real log sources in, one Kafka record per line out. {@code POST
 * /loki/api/v1/push} takes Loki's push API (JSON, or snappy-compressed protobuf), {@code POST /v1/logs} and
 * {@code /otlp/v1/logs} take OTLP/HTTP logs (protobuf or JSON). Every line is mapped onto a
 * {@link dev.logquery.common.model.LogEntry} ({@code ingest}), written to the {@code pod-logs} topic keyed by its
 * service ({@code kafka}), and a push is answered 2xx only once Kafka acknowledged each of its lines.
 */
@SpringBootApplication
@EnableConfigurationProperties(GatewayProperties.class)
public class IngestGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestGatewayApplication.class, args);
    }
}
