package dev.logquery.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.query.EntryJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttributesTest {

    private static final Instant T = Instant.parse("2026-12-03T10:15:30.123456Z");

    @Test
    void attributesAreSortedAndSurviveTheRecordAndTheRowFormat() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("zone", "b");
        given.put("cluster", "eu-1");
        given.put("quote\"and\\back", "tab\there, line\nbreak, \u00e9\uD83D\uDE00");
        LogEntry entry = new LogEntry(T, "checkout", LogLevel.UNKNOWN, null, null, null, "hi", given);

        assertThat(entry.attributes().keySet()).containsExactly("cluster", "quote\"and\\back", "zone");
        DecodeResult decoded = LogEntryCodec.decode(LogEntryCodec.encode(entry));
        assertThat(decoded).isEqualTo(new DecodeResult.Accepted(entry, false, 0));
        var row = EntryJson.fromJson(EntryJson.toNdjsonLine(new StoredLogEntry(entry, 1, 2, 3)));
        assertThat(row.entry()).isEqualTo(entry);
    }

    @Test
    void anEntryWithoutAttributesWritesNone() {
        LogEntry entry = new LogEntry(T, "checkout", LogLevel.INFO, null, null, null, "hi");
        assertThat(entry.attributes()).isEmpty();
        assertThat(new String(LogEntryCodec.encode(entry), StandardCharsets.UTF_8)).doesNotContain("attributes");
    }

    @Test
    void overTheBoundsIsCutAndCountedNeverRefused() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < Attributes.MAX_KEYS + 10; i++) {
            many.put(String.format("k%03d", i), "v");
        }
        many.put("k000", "x".repeat(Attributes.MAX_VALUE_CHARS + 5));
        many.put("", "empty key");
        Attributes.Bounded b = Attributes.bound(many);
        assertThat(b.attributes()).hasSize(Attributes.MAX_KEYS);
        assertThat(b.attributes().lastKey()).isEqualTo("k063"); // the first 64 keys in key order are kept
        assertThat(b.attributes().get("k000")).hasSize(Attributes.MAX_VALUE_CHARS);
        assertThat(b.cut()).isEqualTo(10 + 1 + 1);
    }

    @Test
    void aRecordWithNonStringAttributesKeepsScalarsAsTextAndRefusesObjects() {
        String ok = "{\"timestamp\":\"2026-12-03T10:15:30Z\",\"service\":\"s\",\"level\":\"info\",\"message\":\"m\","
                + "\"attributes\":{\"attempt\":3,\"retry\":true,\"gone\":null}}";
        DecodeResult r = LogEntryCodec.decode(ok.getBytes(StandardCharsets.UTF_8));
        assertThat(((DecodeResult.Accepted) r).entry().attributes()).containsExactly(
                Map.entry("attempt", "3"), Map.entry("retry", "true"));
        String bad = ok.replace("\"attempt\":3", "\"attempt\":{\"n\":3}");
        assertThat(LogEntryCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new DecodeResult.Rejected("attributes.attempt must be a string, is object"));
        String notObject = ok.replace("{\"attempt\":3,\"retry\":true,\"gone\":null}", "[1]");
        assertThat(LogEntryCodec.decode(notObject.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new DecodeResult.Rejected("attributes must be an object of strings, is array"));
    }

    @ParameterizedTest
    @CsvSource({"k8s.pod.name,k8s_pod_name", "http.status-code,http_status_code", "9lives,_9lives",
            "service_name,service_name", "a b/c,a_b_c"})
    void keysBecomeLokiLabelNames(String key, String label) {
        assertThat(Attributes.labelName(key)).isEqualTo(label);
    }

    @Test
    void aBoundedMapIsBoundedOnceWhateverPassesItOn() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < Attributes.MAX_KEYS + 3; i++) {
            many.put("k" + i, "v\u0000" + i);
        }
        Attributes.Bounded once = Attributes.bound(many);
        assertThat(once.attributes()).hasSize(Attributes.MAX_KEYS);
        assertThat(once.cut()).isEqualTo(3);
        assertThat(Attributes.isBounded(once.attributes())).isTrue();
        // the same instance through a second bound, an entry, and the codec's check: no work, nothing cut again
        assertThat(Attributes.bound(once.attributes()).attributes()).isSameAs(once.attributes());
        assertThat(Attributes.bound(once.attributes()).cut()).isZero();
        LogEntry entry = new LogEntry(T, "checkout", LogLevel.INFO, null, null, null, "hi", once.attributes());
        assertThat(entry.attributes()).isSameAs(once.attributes());
        assertThat(((DecodeResult.Accepted) LogEntryCodec.check(entry)).entry().attributes()).isSameAs(once.attributes());
        // a map that merely looks sorted and small is still bounded: the type, not the look, proves it
        Map<String, String> unclean = new java.util.TreeMap<>(Map.of("k", "v\u0000"));
        assertThat(Attributes.isBounded(unclean)).isFalse();
        assertThat(new LogEntry(T, "checkout", LogLevel.INFO, null, null, null, "hi", unclean).attributes().get("k"))
                .isEqualTo(dev.logquery.common.codec.TextSanitizer.clean("v\u0000")).doesNotContain("\u0000");
        assertThat(once.attributes()).isEqualTo(new java.util.TreeMap<>(once.attributes()));
        assertThat(once.attributes().hashCode()).isEqualTo(new java.util.TreeMap<>(once.attributes()).hashCode());
    }

    @Test
    void pairsAreUnambiguousWhenAKeyHoldsAnEqualsSign() {
        assertThat(Attributes.pair("a=b", "c")).isNotEqualTo(Attributes.pair("a", "b=c"));
    }
}
