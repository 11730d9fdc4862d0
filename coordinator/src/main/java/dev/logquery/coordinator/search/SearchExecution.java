package dev.logquery.coordinator.search;

import dev.logquery.common.model.StoredLogEntry;
import reactor.core.publisher.Flux;

/**
 * One running search: its merged rows (subscribe once) and, once they are complete, its summary.
 *
 * @param rows    the merged rows, newest first, at most the limit
 * @param summary the summary; call it only after {@code rows} completed
 */
public record SearchExecution(Flux<StoredLogEntry> rows, java.util.function.Supplier<SearchSummary> summary) {
}
