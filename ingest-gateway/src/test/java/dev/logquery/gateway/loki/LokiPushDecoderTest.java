package dev.logquery.gateway.loki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.logquery.gateway.ingest.PushFailure;
import dev.logquery.gateway.ingest.RawLine;
import dev.logquery.gateway.loki.proto.EntryAdapter;
import dev.logquery.gateway.loki.proto.LabelPairAdapter;
import dev.logquery.gateway.loki.proto.PushRequest;
import dev.logquery.gateway.loki.proto.StreamAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class LokiPushDecoderTest {

    @Test
    void jsonStreamsWithStructuredMetadata() {
        String json = """
                {"streams":[{"stream":{"app":"shop","pod":"p1"},
                  "values":[["1768046400000000001","first"],["1768046400000000002","second",{"trace_id":"t1"}]]}]}
                """;
        List<RawLine> lines = LokiPushDecoder.json(json.getBytes(StandardCharsets.UTF_8));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).timestamp()).isEqualTo(Instant.ofEpochSecond(1768046400L, 1));
        assertThat(lines.get(0).primary()).containsEntry("app", "shop").containsEntry("pod", "p1");
        assertThat(lines.get(1).line()).isEqualTo("second");
        assertThat(lines.get(1).secondary()).containsEntry("trace_id", "t1");
    }

    @Test
    void malformedJsonNamesWhere() {
        assertThatThrownBy(() -> LokiPushDecoder.json("{\"streams\":[{\"stream\":{},\"values\":[[\"abc\",\"x\"]]}]}"
                .getBytes())).isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(f.getMessage()).contains("streams[0].values[0][0]");
                });
        assertThatThrownBy(() -> LokiPushDecoder.json("{\"streams\":[{\"stream\":{\"a\":1},\"values\":[]}]}"
                .getBytes())).hasMessageContaining("streams[0].stream.a must be a string");
        assertThatThrownBy(() -> LokiPushDecoder.json("{\"streams\":".getBytes()))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> LokiPushDecoder.json("{}".getBytes())).hasMessageContaining("streams is missing");
    }

    @Test
    void protobufWithLabelStringAndMetadata() {
        PushRequest request = PushRequest.newBuilder().addStreams(StreamAdapter.newBuilder()
                .setLabels("{app=\"shop\", namespace=\"prod\"}")
                .addEntries(EntryAdapter.newBuilder().setTimestamp(Timestamp.newBuilder().setSeconds(10).setNanos(5))
                        .setLine("hello").addStructuredMetadata(LabelPairAdapter.newBuilder().setName("user")
                                .setValue("u1")))).build();
        List<RawLine> lines = LokiPushDecoder.protobuf(request.toByteArray());
        assertThat(lines).singleElement().satisfies(l -> {
            assertThat(l.timestamp()).isEqualTo(Instant.ofEpochSecond(10, 5));
            assertThat(l.primary()).containsEntry("app", "shop").containsEntry("namespace", "prod");
            assertThat(l.secondary()).containsEntry("user", "u1");
        });
        PushRequest bad = PushRequest.newBuilder().addStreams(StreamAdapter.newBuilder().setLabels("{app=shop}"))
                .build();
        assertThatThrownBy(() -> LokiPushDecoder.protobuf(bad.toByteArray()))
                .hasMessageContaining("streams[0].labels: malformed label set");
    }
}
