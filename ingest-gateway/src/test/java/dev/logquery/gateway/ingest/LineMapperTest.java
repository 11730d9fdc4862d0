package dev.logquery.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineMapperTest {

    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private final LineMapper mapper = new LineMapper(Duration.ofDays(7), Duration.ofDays(1),
            Clock.fixed(NOW, ZoneOffset.UTC));

    private LineMapper.Line line(RawLine raw) {
        LineMapper.Result r = mapper.map(raw, NOW);
        assertThat(r).isInstanceOf(LineMapper.Line.class);
        LineMapper.Line line = (LineMapper.Line) r;
        DecodeResult decoded = LogEntryCodec.decode(line.value());
        assertThat(decoded).isInstanceOf(DecodeResult.Accepted.class);
        assertThat(((DecodeResult.Accepted) decoded).entry()).isEqualTo(line.entry());
        assertThat(line.key()).isEqualTo(line.entry().service());
        return line;
    }

    @Test
    void lokiLabelsGiveTheFieldsAndTheRestBecomesAttributes() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app", "shop");
        labels.put("service_name", "checkout");
        labels.put("namespace", "prod");
        labels.put("k8s_pod_name", "checkout-7f9");
        labels.put("container", "main");
        labels.put("cluster", "eu-1");
        LogEntry e = line(RawLine.loki(NOW, "ts=1 level=error msg=boom", labels,
                Map.of("trace_id", "abc", "http.method", "GET"))).entry();
        assertThat(e.service()).isEqualTo("checkout");
        assertThat(e.namespace()).isEqualTo("prod");
        assertThat(e.pod()).isEqualTo("checkout-7f9");
        assertThat(e.container()).isEqualTo("main");
        assertThat(e.level()).isEqualTo(LogLevel.ERROR);
        assertThat(e.message()).isEqualTo("ts=1 level=error msg=boom");
        assertThat(e.attributes()).containsExactly(Map.entry("app", "shop"), Map.entry("cluster", "eu-1"),
                Map.entry("http_method", "GET"), Map.entry("trace_id", "abc"));
    }

    @Test
    void levelLabelWinsOverTheLineAndIsUsedUp() {
        LogEntry e = line(RawLine.loki(NOW, "ERROR but labelled", Map.of("job", "cron", "level", "warning"),
                Map.of())).entry();
        assertThat(e.service()).isEqualTo("cron");
        assertThat(e.level()).isEqualTo(LogLevel.WARN);
        assertThat(e.attributes()).isEmpty();
    }

    @Test
    void otlpResourceWinsThenSeverityTextThenNumber() {
        Map<String, String> resource = Map.of("service.name", "api", "k8s.namespace.name", "ns-r");
        Map<String, String> record = new LinkedHashMap<>();
        record.put("k8s.namespace.name", "ns-record");
        record.put("user.id", "42");
        LogEntry e = line(new RawLine(NOW, "hello", resource, record, "Warning", 17)).entry();
        assertThat(e.service()).isEqualTo("api");
        assertThat(e.namespace()).isEqualTo("ns-r");
        assertThat(e.level()).isEqualTo(LogLevel.WARN);
        // the record's namespace was not used: it stays an attribute
        assertThat(e.attributes()).containsEntry("k8s_namespace_name", "ns-record").containsEntry("user_id", "42");
        assertThat(line(new RawLine(NOW, "hello", resource, Map.of(), null, 17)).entry().level())
                .isEqualTo(LogLevel.ERROR);
        assertThat(line(new RawLine(NOW, "plain words", resource, Map.of(), null, 0)).entry().level())
                .isEqualTo(LogLevel.UNKNOWN);
    }

    @Test
    void noServiceIsUnknownService() {
        assertThat(line(RawLine.loki(NOW, "x", Map.of("service_name", " "), Map.of())).entry().service())
                .isEqualTo(LineMapper.UNKNOWN_SERVICE);
    }

    @Test
    void outOfWindowAndInvalidLinesAreRefused() {
        assertThat(mapper.map(RawLine.loki(NOW.minus(Duration.ofDays(8)), "x", Map.of("app", "a"), Map.of()), NOW))
                .isInstanceOfSatisfying(LineMapper.Refused.class, r -> {
                    assertThat(r.reason()).isEqualTo(LineMapper.TOO_OLD);
                    assertThat(r.detail()).contains("older than");
                });
        assertThat(mapper.map(RawLine.loki(NOW.plus(Duration.ofDays(2)), "x", Map.of(), Map.of()), NOW))
                .isInstanceOfSatisfying(LineMapper.Refused.class, r -> assertThat(r.reason()).isEqualTo(LineMapper.TOO_NEW));
        assertThat(mapper.map(RawLine.loki(NOW, "x", Map.of("app", "s".repeat(129)), Map.of()), NOW))
                .isInstanceOfSatisfying(LineMapper.Refused.class, r -> {
                    assertThat(r.reason()).isEqualTo(LineMapper.INVALID);
                    assertThat(r.detail()).contains("service must have 1 to 128 characters");
                });
        assertThat(mapper.map(RawLine.loki(NOW, "x", Map.of("pod", "p".repeat(254)), Map.of()), NOW))
                .isInstanceOfSatisfying(LineMapper.Refused.class, r -> assertThat(r.detail()).contains("pod"));
    }

    @Test
    void longMessagesAreCutAndAttributesBoundedAndCounted() {
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < Attributes.MAX_KEYS + 6; i++) {
            many.put("k" + i, "v");
        }
        many.put("long", "x".repeat(Attributes.MAX_VALUE_CHARS + 1));
        LineMapper.Line line = line(RawLine.loki(NOW, "m".repeat(LogEntryCodec.MAX_MESSAGE_BYTES + 10),
                Map.of("app", "a"), many));
        assertThat(line.entry().message()).contains("truncated");
        assertThat(line.entry().attributes()).hasSize(Attributes.MAX_KEYS);
        assertThat(line.attributesCut()).isGreaterThanOrEqualTo(7);
    }
}
