package dev.logquery.node.ingest;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.logquery.common.model.LogEntry;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The 64-bit content hash stored in {@code logs.content_hash}: MurmurHash3 (x64, 128 bits, seed 0, first 64
 * bits) of the line's timestamp (epoch seconds, nanoseconds) and content — service, level code, namespace, pod,
 * container, each attribute key and value in key order, message — every string as UTF-8 after its length, and
 * {@code -1} for an absent optional field, so that no two different lines give the same input. Two lines with
 * the same content have the same hash on every node and in every run; the hash only narrows the comparison of
 * a new line with stored rows of the same timestamp, the columns themselves decide (see {@link BatchWriter}).
 * Do not change it: rows stored with an older form would no longer match their retried copies.
 */
final class ContentHash {

    private ContentHash() {
    }

    static long of(LogEntry e) {
        Hasher h = Hashing.murmur3_128().newHasher();
        h.putLong(e.timestamp().getEpochSecond()).putInt(e.timestamp().getNano());
        string(h, e.service());
        h.putInt(e.level().code());
        string(h, e.namespace());
        string(h, e.pod());
        string(h, e.container());
        h.putInt(e.attributes().size());
        for (Map.Entry<String, String> a : e.attributes().entrySet()) { // sorted by key (LogEntry's normal form)
            string(h, a.getKey());
            string(h, a.getValue());
        }
        string(h, e.message());
        return h.hash().asLong();
    }

    private static void string(Hasher h, String s) {
        if (s == null) {
            h.putInt(-1);
            return;
        }
        h.putInt(s.length()).putString(s, StandardCharsets.UTF_8);
    }
}
