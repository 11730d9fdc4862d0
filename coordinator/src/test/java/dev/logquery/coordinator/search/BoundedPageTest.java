package dev.logquery.coordinator.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.api.ResponseJson;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** A JSON page is bounded in bytes as well as rows: 64 KiB lines cannot make a 10,000-row page exhaust the heap. */
class BoundedPageTest {

    static StoredLogEntry row(int i, int messageChars) {
        return new StoredLogEntry(new LogEntry(Instant.parse("2026-12-01T10:00:00Z").minusMillis(i), "svc",
                LogLevel.INFO, "ns", "pod-1", "c", "m".repeat(messageChars)), 0, 0, 10_000 - i);
    }

    @Test
    void aPageOfLongLinesEndsBeforeItsBytesPassTheBoundAndTheSearchIsCancelled() {
        AtomicInteger emitted = new AtomicInteger();
        AtomicBoolean cancelled = new AtomicBoolean();
        Flux<StoredLogEntry> rows = Flux.range(0, 10_000).map(i -> row(i, 64 * 1024))
                .doOnNext(r -> emitted.incrementAndGet()).doOnCancel(() -> cancelled.set(true));

        BoundedPage page = BoundedPage.collect(rows, 1 << 20).block();

        assertThat(page.cut()).isTrue();
        long bytes = page.rows().stream().mapToLong(BoundedPage::estimatedJsonBytes).sum();
        assertThat(bytes).isLessThanOrEqualTo(1 << 20);
        assertThat(page.rows()).hasSize((int) ((1 << 20) / BoundedPage.estimatedJsonBytes(row(0, 64 * 1024))));
        assertThat(cancelled).as("the rest of the search is not read").isTrue();
        assertThat(emitted.get()).isEqualTo(page.rows().size() + 1);
    }

    @Test
    void smallRowsFillThePageToItsLimitUncut() {
        BoundedPage page = BoundedPage.collect(Flux.range(0, 500).map(i -> row(i, 100)), 1 << 20).block();
        assertThat(page.cut()).isFalse();
        assertThat(page.rows()).hasSize(500);
    }

    @Test
    void aSingleRowLargerThanTheBoundIsStillAnsweredSoPagingMakesProgress() {
        BoundedPage page = BoundedPage.collect(Flux.range(0, 3).map(i -> row(i, 64 * 1024)), 2048).block();
        assertThat(page.rows()).hasSize(1);
        assertThat(page.cut()).isTrue();
    }

    @Test
    void theEstimateIsAnUpperBoundOfTheEncodedRow() {
        StoredLogEntry r = row(0, 1000);
        assertThat(BoundedPage.estimatedJsonBytes(r)).isGreaterThanOrEqualTo(
                ResponseJson.logLines(java.util.List.of(r)).length);
        StoredLogEntry wide = new StoredLogEntry(new LogEntry(Instant.parse("2026-12-01T10:00:00Z"), "svc",
                LogLevel.INFO, null, null, null, "€".repeat(1000)), 0, 0, 1);
        assertThat(BoundedPage.estimatedJsonBytes(wide)).isGreaterThanOrEqualTo(
                ResponseJson.logLines(java.util.List.of(wide)).length);
    }
}
