package dev.logquery.node.query;

import dev.logquery.common.scan.ScanPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chunk pruning on this node, per query: {@code query_chunks_scanned_total} counts the hour chunks whose
 * rows were read, {@code query_chunks_skipped_total{pruner}} those a pruner proved irrelevant
 * ({@code time} also counts the chunks outside a query's window; {@code text} the chunks whose every block the
 * text index skipped), {@code query_text_blocks_skipped_total} the text-index blocks that {@code contains} queries
 * skipped (inside chunks read or skipped by {@code text}). The {@code shard} tag comes from
 * {@code management.metrics.tags}.
 */
public final class QueryMetrics {

    /** The pruners of {@code PruningService.standard()}, registered up front so their series exist from the start. */
    private static final List<String> KNOWN_PRUNERS = List.of("time", "level", "service", "attributes",
            ScanPlan.TEXT);

    private final MeterRegistry registry;
    private final Counter scanned;
    private final Counter blocksSkipped;
    private final Map<String, Counter> skipped = new ConcurrentHashMap<>();

    public QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.scanned = Counter.builder("query.chunks.scanned").description("Hour chunks read by queries")
                .register(registry);
        this.blocksSkipped = Counter.builder("query.text.blocks.skipped")
                .description("Text-index blocks that contains queries skipped").register(registry);
        KNOWN_PRUNERS.forEach(this::skippedCounter);
    }

    void scanned(int chunks) {
        scanned.increment(chunks);
    }

    void blocksSkipped(int blocks) {
        blocksSkipped.increment(blocks);
    }

    void skipped(Map<String, Integer> byPruner) {
        byPruner.forEach((pruner, n) -> skippedCounter(pruner).increment(n));
    }

    private Counter skippedCounter(String pruner) {
        return skipped.computeIfAbsent(pruner, p -> Counter.builder("query.chunks.skipped")
                .description("Hour chunks that queries skipped, by the pruner that excluded them")
                .tag("pruner", p).register(registry));
    }
}
