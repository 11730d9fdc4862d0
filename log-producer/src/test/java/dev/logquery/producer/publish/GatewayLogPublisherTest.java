package dev.logquery.producer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayLogPublisherTest {

    private static final Instant T = Instant.parse("2026-12-03T10:15:30.123456Z");

    @Test
    void linesOfOnePodShareOneResourceWithTheOpenTelemetryNamesTheGatewayMaps() {
        LogEntry a = new LogEntry(T, "payment-service", LogLevel.ERROR, "payments", "payment-7d9f-x2k4p", "app",
                "Read timed out", Map.of("k8s.node.name", "node-3"));
        LogEntry b = new LogEntry(T.plusMillis(1), "payment-service", LogLevel.INFO, "payments", "payment-7d9f-x2k4p",
                "app", "ok", Map.of("k8s.node.name", "node-3"));
        LogEntry c = new LogEntry(T, "search", LogLevel.WARN, null, null, null, "slow");

        ExportLogsServiceRequest request = GatewayLogPublisher.request(List.of(a, b, c));

        assertThat(request.getResourceLogsCount()).isEqualTo(2);
        ResourceLogs first = request.getResourceLogs(0);
        assertThat(attributes(first)).containsExactlyInAnyOrderEntriesOf(Map.of("service.name", "payment-service",
                "k8s.namespace.name", "payments", "k8s.pod.name", "payment-7d9f-x2k4p", "k8s.container.name", "app",
                "k8s.node.name", "node-3"));
        List<LogRecord> records = first.getScopeLogs(0).getLogRecordsList();
        assertThat(records).extracting(r -> r.getBody().getStringValue()).containsExactly("Read timed out", "ok");
        assertThat(records).extracting(LogRecord::getSeverityText).containsExactly("ERROR", "INFO");
        assertThat(records.get(0).getTimeUnixNano()).isEqualTo(T.getEpochSecond() * 1_000_000_000L + 123_456_000L);
        assertThat(attributes(request.getResourceLogs(1))).containsExactlyEntriesOf(Map.of("service.name", "search"));
    }

    private static Map<String, String> attributes(ResourceLogs r) {
        return r.getResource().getAttributesList().stream()
                .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
    }
}
