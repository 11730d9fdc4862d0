package dev.logquery.coordinator.loki;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bounds of the Loki-compatible read API ({@code logquery.coordinator.loki.*}). For this first slice the
 * coordinator filters and aggregates merged rows itself, so every bound here is on rows it reads.
 *
 * @param maxScanRows      rows a log query may read when the coordinator filters (regex matchers, line filters,
 *                         parsers); reached: the answer holds what was found, with a warning
 * @param maxMetricRows    rows a metric query may read; more: 400 naming this bound
 * @param maxSeries        series a metric query may hold at once; more: 400
 * @param pageSize         rows asked from the shards per page when the coordinator filters
 * @param labelSampleRows  newest rows of the window read to list label values and series that shard metadata
 *                         does not hold (services, namespaces, pods, containers)
 * @param labelsSince      the window of the label and series endpoints when {@code start} is not given
 */
@ConfigurationProperties("logquery.coordinator.loki")
public record LokiProperties(@DefaultValue("200000") long maxScanRows,
                             @DefaultValue("1000000") long maxMetricRows,
                             @DefaultValue("500") int maxSeries,
                             @DefaultValue("2000") int pageSize,
                             @DefaultValue("20000") int labelSampleRows,
                             @DefaultValue("6h") Duration labelsSince) {

    public static final LokiProperties DEFAULTS = new LokiProperties(200_000, 1_000_000, 500, 2_000, 20_000,
            Duration.ofHours(6));

    public LokiProperties {
        if (maxScanRows < 1 || maxMetricRows < 1 || maxSeries < 1 || pageSize < 1 || labelSampleRows < 1) {
            throw new IllegalArgumentException("logquery.coordinator.loki: every bound must be at least 1");
        }
        if (labelsSince == null || labelsSince.isNegative() || labelsSince.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator.loki.labels-since must be positive");
        }
    }
}
