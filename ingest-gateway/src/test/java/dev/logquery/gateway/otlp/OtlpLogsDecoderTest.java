package dev.logquery.gateway.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.logquery.gateway.ingest.PushFailure;
import dev.logquery.gateway.ingest.RawLine;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class OtlpLogsDecoderTest {

    private static final Instant ARRIVAL = Instant.parse("2026-01-10T12:00:00Z");

    @Test
    void jsonWithHexIdsIsRead() {
        String json = """
                {"resourceLogs":[{"resource":{"attributes":[
                    {"key":"service.name","value":{"stringValue":"api"}},
                    {"key":"k8s.pod.name","value":{"stringValue":"api-1"}}]},
                  "scopeLogs":[{"scope":{"name":"io.example.Http"},
                    "logRecords":[{"timeUnixNano":"1768046400000000000","severityNumber":17,"severityText":"ERROR",
                      "body":{"stringValue":"request failed"},
                      "attributes":[{"key":"http.status","value":{"intValue":"503"}}],
                      "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}
                """;
        ExportLogsServiceRequest request = OtlpLogsDecoder.parseJson(json.getBytes(StandardCharsets.UTF_8));
        LogRecord record = request.getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
        assertThat(HexFormat.of().formatHex(record.getTraceId().toByteArray()))
                .isEqualTo("5b8efff798038103d269b633813fc60c");
        List<RawLine> lines = OtlpLogsDecoder.lines(request, ARRIVAL);
        assertThat(lines).hasSize(1);
        RawLine line = lines.get(0);
        assertThat(line.timestamp()).isEqualTo(Instant.parse("2026-01-10T12:00:00Z"));
        assertThat(line.line()).isEqualTo("request failed");
        assertThat(line.severityText()).isEqualTo("ERROR");
        assertThat(line.severityNumber()).isEqualTo(17);
        assertThat(line.primary()).containsEntry("service.name", "api").containsEntry("k8s.pod.name", "api-1");
        assertThat(line.secondary()).containsEntry("scope_name", "io.example.Http")
                .containsEntry("http.status", "503")
                .containsEntry("trace_id", "5b8efff798038103d269b633813fc60c")
                .containsEntry("span_id", "eee19b7ec3c1b174");
    }

    @Test
    void badIdsAndBadJsonAre400NamingTheField() {
        String badHex = """
                {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz8efff798038103d269b633813fc60c"}]}]}]}
                """;
        assertThatThrownBy(() -> OtlpLogsDecoder.parseJson(badHex.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(f.getMessage()).contains("logRecords[0].traceId is not hex");
                });
        String shortId = """
                {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"abcd"}]}]}]}
                """;
        assertThatThrownBy(() -> OtlpLogsDecoder.parseJson(shortId.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("spanId must be 16 hex digits");
        assertThatThrownBy(() -> OtlpLogsDecoder.parseJson("{\"resourceLogs\":[".getBytes()))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> OtlpLogsDecoder.parseJson("{\"resourceLogs\":7}".getBytes()))
                .hasMessageContaining("ExportLogsServiceRequest");
        assertThatThrownBy(() -> OtlpLogsDecoder.parseProtobuf(new byte[] {(byte) 0xff, 0x01}))
                .isInstanceOfSatisfying(PushFailure.class,
                        f -> assertThat(f.status()).isEqualTo(HttpStatus.BAD_REQUEST));
    }

    @Test
    void protobufBodiesOfEveryKindAndTimes() {
        AnyValue map = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(KeyValue.newBuilder().setKey("a").setValue(AnyValue.newBuilder().setIntValue(1)))
                .addValues(KeyValue.newBuilder().setKey("b").setValue(AnyValue.newBuilder()
                        .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setBoolValue(true))
                                .addValues(AnyValue.newBuilder().setStringValue("x")))))).build();
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue("svc"))))
                .addScopeLogs(ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .addAttributes(KeyValue.newBuilder().setKey("k").setValue(AnyValue.newBuilder()
                                        .setStringValue("scope"))))
                        .addLogRecords(LogRecord.newBuilder().setBody(map).setObservedTimeUnixNano(1_000_000_000L)
                                .addAttributes(KeyValue.newBuilder().setKey("k").setValue(AnyValue.newBuilder()
                                        .setStringValue("record")))
                                .setTraceId(ByteString.copyFrom(new byte[16])))
                        .addLogRecords(LogRecord.newBuilder().setBody(AnyValue.newBuilder().setDoubleValue(1.5)))))
                .build();
        List<RawLine> lines = OtlpLogsDecoder.lines(OtlpLogsDecoder.parseProtobuf(request.toByteArray()), ARRIVAL);
        assertThat(lines.get(0).line()).isEqualTo("{\"a\":1,\"b\":[true,\"x\"]}");
        assertThat(lines.get(0).timestamp()).isEqualTo(Instant.ofEpochSecond(1));
        assertThat(lines.get(0).secondary()).containsEntry("k", "record")
                .containsEntry("trace_id", "00000000000000000000000000000000");
        assertThat(lines.get(1).line()).isEqualTo("1.5");
        assertThat(lines.get(1).timestamp()).isEqualTo(ARRIVAL);
        assertThat(lines.get(1).secondary()).containsEntry("k", "scope");
    }
}
