package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LokiParamsTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Duration WINDOW = Duration.ofDays(30);

    static Map<String, List<String>> params(String... kv) {
        Map<String, List<String>> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.computeIfAbsent(kv[i], k -> new java.util.ArrayList<>()).add(kv[i + 1]);
        }
        return m;
    }

    static LokiParams.RangeRequest range(String... kv) {
        return LokiParams.range(params(kv), NOW, 5000, WINDOW);
    }

    @ParameterizedTest
    @CsvSource({
            "1763899200000000000, 2025-11-23T12:00:00Z",     // integer nanoseconds (Grafana)
            "1763899200, 2025-11-23T12:00:00Z",              // integer seconds, 10 digits
            "1763899200.5, 2025-11-23T12:00:00.500Z",        // float seconds
            "1763899200.1234, 2025-11-23T12:00:00.123Z",     // float seconds: millisecond precision, as Loki
            "2025-11-23T12:00:00.123456789Z, 2025-11-23T12:00:00.123456789Z",
            "2025-11-23T13:00:00+01:00, 2025-11-23T12:00:00Z",
            "0, 1970-01-01T00:00:00Z"})
    void timesAsLokiAcceptsThem(String value, Instant expected) {
        assertThat(LokiParams.timestamp(value, NOW, "start")).isEqualTo(expected);
    }

    @Test
    void defaults() {
        LokiParams.RangeRequest r = range("query", "{a=\"b\"}");
        assertThat(r.end()).isEqualTo(NOW);
        assertThat(r.start()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(r.limit()).isEqualTo(100);
        assertThat(r.forward()).isFalse();
        assertThat(r.step()).isEqualTo(Duration.ofSeconds(14)); // 3600 / 250 = 14.4, floored as Loki does
        assertThat(range("start", "1000", "end", "1100").step()).isEqualTo(Duration.ofSeconds(1)); // at least 1 s
        // start defaults to an hour before the end, or before now when the end is in the future
        assertThat(range("end", "1000").start()).isEqualTo(Instant.ofEpochSecond(1000 - 3600));
        assertThat(range("end", Long.toString(NOW.getEpochSecond() + 600)).start()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(range("since", "10m").start()).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
    }

    @Test
    void stepDirectionAndLimit() {
        assertThat(range("step", "1500ms").step()).isEqualTo(Duration.ofMillis(1500)); // Grafana's form
        assertThat(range("step", "30").step()).isEqualTo(Duration.ofSeconds(30));
        assertThat(range("step", "0.5").step()).isEqualTo(Duration.ofMillis(500));
        assertThat(range("step", "1m").step()).isEqualTo(Duration.ofMinutes(1));
        assertThat(range("direction", "FORWARD").forward()).isTrue();
        assertThat(range("direction", "backward").forward()).isFalse();
        assertThat(range("limit", "5000").limit()).isEqualTo(5000);
        // Grafana's health check sends time=4000000000 (4 s in nanoseconds): 10 digits are seconds to Loki, and here
        LokiParams.InstantRequest i = LokiParams.instant(params("query", "vector(1)", "time", "4000000000"), NOW, 5000);
        assertThat(i.time()).isEqualTo(Instant.ofEpochSecond(4_000_000_000L));
        assertThat(LokiParams.instant(params("time", "40000000000"), NOW, 5000).time()).isEqualTo(Instant.ofEpochSecond(40));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "start; yesterday; could not parse 'start' parameter: cannot parse \"yesterday\" as a timestamp",
            "end; 12:00; could not parse 'end' parameter",
            "limit; 0; limit must be a positive value",
            "limit; -5; limit must be a positive value",
            "limit; ten; strconv.Atoi: parsing \"ten\": invalid syntax",
            "limit; 5001; max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)",
            "direction; sideways; invalid direction 'sideways'",
            "step; 0; zero or negative query resolution step widths are not accepted",
            "step; -1s; zero or negative query resolution step widths are not accepted",
            "step; fast; cannot parse \"fast\" to a valid duration",
            "step; 1ms; exceeded maximum resolution of 11,000 points per time series",
            "since; x; could not parse 'since' parameter"})
    void badParameters(String name, String value, String message) {
        assertThatThrownBy(() -> range(name, value)).isInstanceOf(LokiBadRequest.class).hasMessageContaining(message);
    }

    @Test
    void badWindows() {
        assertThatThrownBy(() -> range("start", "2000", "end", "1000"))
                .hasMessage("end timestamp must not be before or equal to start time");
        assertThatThrownBy(() -> range("start", "0", "end", "1000000000"))
                .hasMessageContaining("the query time range exceeds the limit (query length: ")
                .hasMessageContaining("limit: 720h)");
    }
}
