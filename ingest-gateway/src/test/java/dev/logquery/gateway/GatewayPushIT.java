package dev.logquery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import com.github.loki4j.logback.Loki4jAppender;
import com.github.loki4j.logback.PipelineConfigAppenderBase;
import com.google.protobuf.Timestamp;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.gateway.loki.proto.EntryAdapter;
import dev.logquery.gateway.loki.proto.PushRequest;
import dev.logquery.gateway.loki.proto.StreamAdapter;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.Prometheus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole cluster (Kafka, a partition node, a coordinator) behind the gateway. Real clients push known lines:
 * loki4j's Logback appender in its JSON and its protobuf mode, OpenTelemetry's SDK with its OTLP/HTTP exporter;
 * each line must be in the topic exactly once, mapped as documented (service, level, namespace, pod, attributes),
 * and the coordinator must find the lines. Hand-made requests check the answers to good, malformed and oversized
 * bodies.
 */
class GatewayPushIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Cluster cluster;
    private static TopicLines topic;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().coordinator().gateway("logquery.gateway.max-body-bytes", "1MB")
                .gateway("logquery.gateway.max-uncompressed-bytes", "4MB").start();
        topic = new TopicLines(cluster.kafka().bootstrapServers(), cluster.topic());
    }

    @AfterAll
    static void stop() throws Exception {
        if (topic != null) {
            topic.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String gateway() {
        return cluster.gateway().url();
    }

    private static List<TopicLines.Record> awaitService(String service, int lines) throws Exception {
        List<TopicLines.Record> records = Await.until(Duration.ofSeconds(60), lines + " lines of " + service
                + " in the topic", () -> topic.ofService(service), r -> r.size() >= lines);
        assertThat(TopicLines.countByMessage(records).values()).as("every line exactly once").containsOnly(1L);
        assertThat(records).hasSize(lines);
        assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo(service));
        return records;
    }

    private static Map<String, LogEntry> byMessage(List<TopicLines.Record> records) {
        return records.stream().collect(java.util.stream.Collectors.toMap(r -> r.entry().message(),
                TopicLines.Record::entry));
    }

    private static void pushWithLoki4j(String service, boolean protobuf) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setName(service);
        Loki4jAppender appender = new Loki4jAppender();
        appender.setContext(context);
        PipelineConfigAppenderBase.HttpCfg http = new PipelineConfigAppenderBase.HttpCfg();
        http.setUrl(gateway() + "/loki/api/v1/push");
        http.setUseProtobufApi(protobuf);
        appender.setHttp(http);
        PipelineConfigAppenderBase.BatchCfg batch = new PipelineConfigAppenderBase.BatchCfg();
        batch.setTimeoutMs(200);
        batch.setDrainOnStop(true);
        appender.setBatch(batch);
        appender.setLabels("service_name=" + service + "\nnamespace=shop\npod=" + service + "-pod-1\ncluster=eu-1");
        appender.setStructuredMetadata("level=%level\nlogger=%logger");
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%msg");
        layout.start();
        appender.setMessage(layout);
        appender.start();
        ch.qos.logback.classic.Logger log = context.getLogger("it.orders");
        log.setAdditive(false);
        log.setLevel(Level.TRACE);
        log.addAppender(appender);
        for (int i = 0; i < 20; i++) {
            switch (i % 4) {
                case 0 -> log.info("order {} placed", i);
                case 1 -> log.warn("order {} slow", i);
                case 2 -> log.error("order {} failed", i);
                default -> log.debug("order {} detail", i);
            }
        }
        appender.stop();
        context.stop();
    }

    private static void assertLoki4jLines(String service) throws Exception {
        Map<String, LogEntry> lines = byMessage(awaitService(service, 20));
        for (int i = 0; i < 20; i++) {
            String[] words = {"placed", "slow", "failed", "detail"};
            LogLevel[] levels = {LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR, LogLevel.DEBUG};
            LogEntry e = lines.get("order " + i + " " + words[i % 4]);
            assertThat(e).as("line %d", i).isNotNull();
            assertThat(e.level()).isEqualTo(levels[i % 4]);
            assertThat(e.namespace()).isEqualTo("shop");
            assertThat(e.pod()).isEqualTo(service + "-pod-1");
            assertThat(e.container()).isNull();
            assertThat(e.attributes()).containsExactly(Map.entry("cluster", "eu-1"), Map.entry("logger", "it.orders"));
            assertThat(e.timestamp()).isBetween(Instant.now().minus(Duration.ofMinutes(5)), Instant.now());
        }
    }

    @Test
    void loki4jJsonLinesArriveOnceMappedAndQueryable() throws Exception {
        pushWithLoki4j("loki4j-json", false);
        assertLoki4jLines("loki4j-json");
        // The partition node stores them and the coordinator finds them.
        String body = JSON.writeValueAsString(Map.of("startTime", Instant.now().minus(Duration.ofHours(1)).toString(),
                "endTime", Instant.now().plus(Duration.ofMinutes(1)).toString(), "serviceName", "loki4j-json",
                "limit", 100));
        JsonNode logs = Await.until(Duration.ofSeconds(60), "the coordinator finds the 20 lines", () ->
                JSON.readTree(Http.postJson(cluster.coordinator().url() + "/api/query/logs", body).body())
                        .path("logs"), n -> n.size() >= 20);
        assertThat(logs.size()).isEqualTo(20);
        for (JsonNode row : logs) {
            assertThat(row.path("service").asString()).isEqualTo("loki4j-json");
            assertThat(row.path("pod").asString()).isEqualTo("loki4j-json-pod-1");
            assertThat(row.path("message").asString()).startsWith("order ");
            assertThat(row.path("attributes").path("cluster").asString()).isEqualTo("eu-1");
            assertThat(row.path("attributes").path("logger").asString()).isEqualTo("it.orders");
        }
        // ... and filters on their attributes.
        String filtered = JSON.writeValueAsString(Map.of("startTime",
                Instant.now().minus(Duration.ofHours(1)).toString(), "endTime",
                Instant.now().plus(Duration.ofMinutes(1)).toString(), "attributes", Map.of("cluster", "eu-1",
                        "logger", "it.orders"), "serviceName", "loki4j-json", "limit", 100));
        assertThat(JSON.readTree(Http.postJson(cluster.coordinator().url() + "/api/query/logs", filtered).body())
                .path("logs").size()).isEqualTo(20);
    }

    @Test
    void loki4jProtobufLinesArriveOnceMapped() throws Exception {
        pushWithLoki4j("loki4j-proto", true);
        assertLoki4jLines("loki4j-proto");
    }

    @Test
    void openTelemetrySdkLinesArriveOnceMapped() throws Exception {
        OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
                .setEndpoint(gateway() + "/v1/logs").setCompression("gzip").setTimeout(Duration.ofSeconds(20)).build();
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .setResource(Resource.create(io.opentelemetry.api.common.Attributes.builder()
                        .put("service.name", "otel-svc").put("k8s.namespace.name", "otel-ns")
                        .put("k8s.pod.name", "otel-pod-7").put("k8s.container.name", "app")
                        .put("deployment.environment", "test").build()))
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build()).build();
        io.opentelemetry.api.logs.Logger logger = provider.get("it.otel.scope");
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(30);
        for (int i = 0; i < 12; i++) {
            var record = logger.logRecordBuilder().setBody("otel line " + i)
                    .setTimestamp(base.plusMillis(i))
                    .setAttribute(AttributeKey.stringKey("user.id"), "u-" + i)
                    .setAttribute(AttributeKey.longKey("attempt"), (long) i);
            if (i % 3 == 0) {
                record.setSeverity(Severity.WARN).setSeverityText("WARN");
            } else if (i % 3 == 1) {
                record.setSeverity(Severity.ERROR2); // a number only: 18 is ERROR
            } // else: no severity at all, the line says nothing: UNKNOWN
            record.emit();
        }
        CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
        assertThat(flushed.isSuccess()).as("the exporter's pushes succeeded").isTrue();
        provider.shutdown().join(10, TimeUnit.SECONDS);

        Map<String, LogEntry> lines = byMessage(awaitService("otel-svc", 12));
        for (int i = 0; i < 12; i++) {
            LogEntry e = lines.get("otel line " + i);
            assertThat(e.timestamp()).isEqualTo(base.plusMillis(i));
            assertThat(e.namespace()).isEqualTo("otel-ns");
            assertThat(e.pod()).isEqualTo("otel-pod-7");
            assertThat(e.container()).isEqualTo("app");
            assertThat(e.level()).isEqualTo(i % 3 == 0 ? LogLevel.WARN : i % 3 == 1 ? LogLevel.ERROR : LogLevel.UNKNOWN);
            assertThat(e.attributes()).containsEntry("user_id", "u-" + i).containsEntry("attempt", Integer.toString(i))
                    .containsEntry("deployment_environment", "test").containsEntry("scope_name", "it.otel.scope")
                    .doesNotContainKeys("service_name", "k8s_pod_name", "k8s_namespace_name", "k8s_container_name");
        }
    }

    private static HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway() + path)).timeout(Http.TIMEOUT)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return Http.send(b.build());
    }

    private static String nanos(Instant t) {
        return Long.toString(t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }

    static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    @Test
    void handMadeLokiJsonGzipAndProtobufAreWritten() throws Exception {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String json = "{\"streams\":[{\"stream\":{\"app\":\"hand-json\",\"k8s_pod_name\":\"hp-1\"},\"values\":["
                + "[\"" + nanos(t) + "\",\"level=warn msg=\\\"disk 91%\\\"\"],"
                + "[\"" + nanos(t.plusMillis(1)) + "\",\"{\\\"level\\\":\\\"error\\\",\\\"msg\\\":\\\"x\\\"}\",{\"trace_id\":\"t-9\"}]]}]}";
        HttpResponse<String> r = post("/loki/api/v1/push", "application/json",
                gzip(json.getBytes(StandardCharsets.UTF_8)), "Content-Encoding", "gzip");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        Map<String, LogEntry> lines = byMessage(awaitService("hand-json", 2));
        LogEntry warn = lines.get("level=warn msg=\"disk 91%\"");
        assertThat(warn.level()).isEqualTo(LogLevel.WARN);
        assertThat(warn.pod()).isEqualTo("hp-1");
        assertThat(warn.timestamp()).isEqualTo(t);
        assertThat(lines.get("{\"level\":\"error\",\"msg\":\"x\"}").attributes()).containsEntry("trace_id", "t-9");
        assertThat(lines.get("{\"level\":\"error\",\"msg\":\"x\"}").level()).isEqualTo(LogLevel.ERROR);

        PushRequest proto = PushRequest.newBuilder().addStreams(StreamAdapter.newBuilder()
                .setLabels("{service_name=\"hand-proto\", note=\"a \\\"quoted\\\" value\"}")
                .addEntries(EntryAdapter.newBuilder().setLine("INFO started")
                        .setTimestamp(Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()))))
                .build();
        r = post("/loki/api/v1/push", "application/x-protobuf", Snappy.compress(proto.toByteArray()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        LogEntry e = awaitService("hand-proto", 1).get(0).entry();
        assertThat(e.level()).isEqualTo(LogLevel.INFO);
        assertThat(e.attributes()).containsExactly(Map.entry("note", "a \"quoted\" value"));
    }

    @Test
    void outOfWindowLinesAreRefusedTheOthersWritten() throws Exception {
        Instant now = Instant.now();
        String json = "{\"streams\":[{\"stream\":{\"app\":\"window\"},\"values\":["
                + "[\"" + nanos(now) + "\",\"in the window\"],"
                + "[\"" + nanos(now.minus(Duration.ofDays(30))) + "\",\"a month old\"],"
                + "[\"" + nanos(now.plus(Duration.ofDays(3))) + "\",\"from the future\"]]}]}";
        HttpResponse<String> r = post("/loki/api/v1/push", "application/json", json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("2 of 3 lines refused").contains("1 too_new").contains("1 too_old")
                .contains("the other 1 written");
        assertThat(awaitService("window", 1).get(0).entry().message()).isEqualTo("in the window");
        String metrics = Http.get(gateway() + "/actuator/prometheus").body();
        assertThat(Prometheus.value(metrics, "gateway_lines_refused_total", "reason=\"too_old\"")).isGreaterThanOrEqualTo(1);

        String otlp = """
                {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"otlp-json"}}]},
                 "scopeLogs":[{"logRecords":[
                   {"timeUnixNano":"%s","body":{"stringValue":"fresh"},"traceId":"0af7651916cd43dd8448eb211c80319c"},
                   {"timeUnixNano":"%s","body":{"stringValue":"stale"}}]}]}]}
                """.formatted(nanos(now), nanos(now.minus(Duration.ofDays(30))));
        r = post("/v1/logs", "application/json", otlp.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("partialSuccess").path("rejectedLogRecords").asString()).isEqualTo("1");
        assertThat(answer.path("partialSuccess").path("errorMessage").asString()).contains("too_old");
        LogEntry fresh = awaitService("otlp-json", 1).get(0).entry();
        assertThat(fresh.message()).isEqualTo("fresh");
        assertThat(fresh.attributes()).containsEntry("trace_id", "0af7651916cd43dd8448eb211c80319c");
    }

    @Test
    void malformedOversizedAndUnsupportedBodiesAreRefusedWithTheirStatus() throws Exception {
        HttpResponse<String> r = post("/loki/api/v1/push", "application/json", "{\"streams\":[{".getBytes());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("not valid JSON");

        r = post("/loki/api/v1/push", "application/x-protobuf", "definitely not snappy".getBytes());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("snappy");

        PushRequest badLabels = PushRequest.newBuilder().addStreams(StreamAdapter.newBuilder().setLabels("{app=x}"))
                .build();
        r = post("/loki/api/v1/push", "application/x-protobuf", Snappy.compress(badLabels.toByteArray()));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("malformed label set");

        // 64 MiB of zeros in about 64 KiB of gzip: stopped at the 4 MB limit, never inflated whole.
        byte[] bomb = gzip(new byte[64 * 1024 * 1024]);
        r = post("/loki/api/v1/push", "application/json", bomb, "Content-Encoding", "gzip");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("max-uncompressed-bytes");

        r = post("/loki/api/v1/push", "application/json", new byte[2 * 1024 * 1024]);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("max-body-bytes");

        r = post("/loki/api/v1/push", "text/plain", "hello".getBytes());
        assertThat(r.statusCode()).isEqualTo(415);

        r = post("/v1/logs", "application/json", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":\"xyz\"}]}]}]}"
                .getBytes());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode status = JSON.readTree(r.body());
        assertThat(status.path("code").asInt()).isEqualTo(3);
        assertThat(status.path("message").asString()).contains("spanId");

        HttpResponse<byte[]> binary = Http.client().send(HttpRequest.newBuilder(URI.create(gateway() + "/otlp/v1/logs"))
                .timeout(Http.TIMEOUT).header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, 0x01})).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(binary.statusCode()).isEqualTo(400);
        assertThat(binary.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/x-protobuf"));
        dev.logquery.gateway.otlp.proto.Status status2 = dev.logquery.gateway.otlp.proto.Status.parseFrom(binary.body());
        assertThat(status2.getCode()).isEqualTo(3);
        assertThat(status2.getMessage()).contains("ExportLogsServiceRequest");
    }

    @Test
    void healthAndMetricsAreOpen() throws Exception {
        Await.until(Duration.ofSeconds(30), "the gateway is UP", () ->
                JSON.readTree(Http.get(gateway() + "/actuator/health").body()).path("status").asString(),
                "UP"::equals);
        assertThat(post("/loki/api/v1/push", "application/json", "{\"streams\":[]}".getBytes()).statusCode())
                .isEqualTo(204);
        String metrics = Http.get(gateway() + "/actuator/prometheus").body();
        assertThat(metrics).contains("gateway_kafka_in_flight_bytes").contains("gateway_attributes_cut_total")
                .contains("gateway_bytes_received_total").contains("gateway_push_seconds_bucket");
    }
}
