package dev.logquery.coordinator.search;

import dev.logquery.common.model.StoredLogEntry;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Rows collected into memory, bounded in bytes as well as in count: a page of long lines ends before its
 * estimated JSON size passes the bound, and the search behind it is cancelled there. The first row is always
 * kept, so that paging through a cursor makes progress even past a row larger than the bound.
 *
 * @param rows the rows kept, in the order they came
 * @param cut  whether rows were left out because of the bound (the page continues after its last row)
 */
public record BoundedPage(List<StoredLogEntry> rows, boolean cut) {

    /** Collects {@code rows} until the next one would take their estimated JSON size past {@code maxBytes}. */
    public static Mono<BoundedPage> collect(Flux<StoredLogEntry> rows, long maxBytes) {
        return Mono.defer(() -> {
            long[] size = {0};
            long[] kept = {0};
            boolean[] cut = {false};
            return rows.takeWhile(row -> {
                        size[0] += estimatedJsonBytes(row);
                        if (size[0] > maxBytes && kept[0] > 0) {
                            cut[0] = true;
                            return false;
                        }
                        kept[0]++;
                        return true;
                    })
                    .collectList()
                    .map(list -> new BoundedPage(list, cut[0]));
        });
    }

    /**
     * A row's size in a JSON answer, estimated from above for text without control characters: its strings at up
     * to three bytes a character (UTF-8), plus field names, timestamp and numbers.
     */
    public static long estimatedJsonBytes(StoredLogEntry row) {
        var e = row.entry();
        long chars = e.message().length() + e.service().length() + length(e.namespace()) + length(e.pod())
                + length(e.container());
        return 3 * chars + 192;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
