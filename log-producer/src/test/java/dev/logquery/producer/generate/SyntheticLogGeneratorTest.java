package dev.logquery.producer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.codec.DecodeResult;
import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SyntheticLogGeneratorTest {

    /** Deployment name, pod-template-hash (9-10 chars), 5-char suffix, both from the Kubernetes alphabet. */
    private static final Pattern POD = Pattern.compile(
            "^(?<deployment>[a-z0-9]([a-z0-9-]*[a-z0-9])?)"
                    + "-[bcdfghjklmnpqrstvwxz2456789]{9,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    @Test
    void levelMixMatchesAProductionCluster() {
        SyntheticLogGenerator generator = new SyntheticLogGenerator(20, 7L);
        Map<LogLevel, Integer> counts = new EnumMap<>(LogLevel.class);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts.merge(generator.next(T0.plusMillis(i)).level(), 1, Integer::sum);
        }
        assertThat(share(counts, LogLevel.INFO, n)).isBetween(0.68, 0.72);
        assertThat(share(counts, LogLevel.DEBUG, n)).isBetween(0.14, 0.16);
        assertThat(share(counts, LogLevel.WARN, n)).isBetween(0.09, 0.11);
        assertThat(share(counts, LogLevel.ERROR, n)).isBetween(0.035, 0.045);
        assertThat(share(counts, LogLevel.TRACE, n)).isBetween(0.002, 0.008);
        assertThat(share(counts, LogLevel.FATAL, n)).isBetween(0.002, 0.008);
    }

    @Test
    void defaultClusterHasRealisticServicesAndKubernetesShapedPods() {
        ClusterTopology topology = ClusterTopology.generate(20, 42L);
        List<String> names = topology.services().stream().map(ServiceSpec::name).toList();
        assertThat(names).hasSize(20).doesNotHaveDuplicates()
                .contains("api-gateway", "auth-service", "payment-service", "checkout-service", "cart-service",
                        "inventory-service", "order-service");
        for (ServiceSpec service : topology.services()) {
            assertThat(service.name()).matches(DNS_LABEL);
            assertThat(service.namespace()).isIn("platform", "identity", "payments", "shop", "logistics",
                    "messaging", "content");
            assertThat(service.pods()).hasSizeBetween(2, 6).doesNotHaveDuplicates();
            for (String pod : service.pods()) {
                var m = POD.matcher(pod);
                assertThat(m.matches()).as(pod).isTrue();
                assertThat(m.group("deployment")).isEqualTo(service.name());
                assertThat(pod).startsWith(service.replicaSet() + "-");
            }
        }
    }

    @Test
    void podsAreStableForASeedAndServiceEvenWhenTheClusterGrows() {
        ClusterTopology small = ClusterTopology.generate(20, 42L);
        ClusterTopology again = ClusterTopology.generate(20, 42L);
        ClusterTopology large = ClusterTopology.generate(50, 42L);
        for (ServiceSpec service : small.services()) {
            assertThat(again.service(service.name()).orElseThrow().pods()).isEqualTo(service.pods());
            assertThat(large.service(service.name()).orElseThrow().pods()).isEqualTo(service.pods());
        }
        assertThat(ClusterTopology.generate(20, 43L).service("payment-service").orElseThrow().pods())
                .isNotEqualTo(small.service("payment-service").orElseThrow().pods());
    }

    @Test
    void generatedEntriesUseOnlyPodsOfTheirService() {
        SyntheticLogGenerator generator = new SyntheticLogGenerator(20, 42L);
        Map<String, Set<String>> podsSeen = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            LogEntry entry = generator.next(T0);
            podsSeen.computeIfAbsent(entry.service(), s -> new HashSet<>()).add(entry.pod());
            ServiceSpec spec = generator.topology().service(entry.service()).orElseThrow();
            assertThat(entry.namespace()).isEqualTo(spec.namespace());
            assertThat(entry.container()).isEqualTo(spec.container());
        }
        assertThat(podsSeen).hasSize(20);
        podsSeen.forEach((service, pods) -> assertThat(generator.topology().service(service).orElseThrow().pods())
                .containsAll(pods));
    }

    @Test
    void largerClustersDeriveDistinctRealisticNames() {
        ClusterTopology topology = ClusterTopology.generate(50, 42L);
        List<String> names = topology.services().stream().map(ServiceSpec::name).toList();
        assertThat(names).hasSize(50).doesNotHaveDuplicates().allMatch(n -> DNS_LABEL.matcher(n).matches());
        assertThat(names.subList(0, 20)).isEqualTo(ClusterTopology.generate(20, 42L).services().stream()
                .map(ServiceSpec::name).toList());
        assertThat(names).contains("payment-service", "order-worker", "payment-worker", "catalog-worker");

        List<String> huge = ClusterTopology.generate(ClusterTopology.MAX_SERVICES, 1L).services().stream()
                .map(ServiceSpec::name).toList();
        assertThat(huge).doesNotHaveDuplicates().allMatch(n -> DNS_LABEL.matcher(n).matches());
        assertThatThrownBy(() -> ClusterTopology.generate(0, 1L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyEntryRoundTripsThroughTheCodec() {
        SyntheticLogGenerator generator = new SyntheticLogGenerator(50, 3L);
        Instant t = Instant.parse("2025-03-01T12:00:00.123456789Z");
        for (int i = 0; i < 20_000; i++) {
            LogEntry entry = generator.next(t.plusNanos(i * 1_337L));
            DecodeResult decoded = LogEntryCodec.decode(LogEntryCodec.encode(entry));
            assertThat(decoded).isInstanceOf(DecodeResult.Accepted.class);
            DecodeResult.Accepted accepted = (DecodeResult.Accepted) decoded;
            assertThat(accepted.entry()).isEqualTo(entry);
            assertThat(accepted.truncated()).isFalse();
        }
    }

    @Test
    void messagesLookLikeRealPodLogs() {
        SyntheticLogGenerator generator = new SyntheticLogGenerator(20, 42L);
        List<LogEntry> entries = IntStream.range(0, 20_000).mapToObj(i -> generator.next(T0)).toList();
        assertThat(entries).anyMatch(e -> e.level() == LogLevel.INFO
                && e.message().matches("^GET /api/v1/[a-z]+/\\d+ 200 \\d+ms$"));
        assertThat(entries).anyMatch(e -> e.level() == LogLevel.ERROR
                && e.message().matches("^java\\.net\\.SocketTimeoutException: Read timed out calling [a-z-]+(?s).*"));
        assertThat(entries).anyMatch(e -> e.service().equals("checkout-service")
                && e.message().matches("^order \\d+ placed: \\d+ items?, total \\d+\\.\\d\\d (EUR|USD|GBP)$"));
        assertThat(entries).anyMatch(e -> e.level() == LogLevel.WARN
                && e.message().matches("^(GET|POST|PUT|PATCH) \\S+ 4\\d\\d \\d+ms$"));
        assertThat(entries).allMatch(e -> !e.message().isBlank());
    }

    @Test
    void sameSeedGivesSameLinesAndAnotherSeedDifferentOnes() {
        List<LogEntry> a = lines(new SyntheticLogGenerator(20, 99L));
        List<LogEntry> b = lines(new SyntheticLogGenerator(20, 99L));
        List<LogEntry> c = lines(new SyntheticLogGenerator(20, 100L));
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    private static List<LogEntry> lines(SyntheticLogGenerator generator) {
        return IntStream.range(0, 2_000).mapToObj(i -> generator.next(T0.plusSeconds(i))).toList();
    }

    private static double share(Map<LogLevel, Integer> counts, LogLevel level, int n) {
        return counts.getOrDefault(level, 0) / (double) n;
    }
}
