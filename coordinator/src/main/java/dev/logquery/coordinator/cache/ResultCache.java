package dev.logquery.coordinator.cache;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.redis.RedisStore;
import dev.logquery.coordinator.search.SearchSummary;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers to queries about the past, kept in Redis: a complete (not partial) JSON answer of at most
 * {@code maxRows} rows to a query whose {@code endTime} is at least {@code minAge} ago is stored for
 * {@code ttl}, under a key derived from the whole query (filters, limit, cursor position), the pruning
 * switch and the data it was computed from: a fingerprint of every shard's metadata for the hour chunks that
 * overlap the window (their row counts and time ranges, per shard). A line that arrives late for such a
 * window (a backfill, a shipper outage, Kafka lag) changes its chunk's row count, so the next query after the
 * metadata refresh (about a second) finds no answer under the new key and searches again: a cached answer
 * never hides a late line for longer than that. A shard whose metadata is unknown makes the query uncached.
 *
 * <p>Only answers to queries asked before are stored ({@code repeated-only}, {@link SeenKeys}): most queries are
 * asked once, and storing their answers cost the coordinator a second encoding of every row.
 *
 * <p>Redis slow, down or holding garbage costs a cache miss, never an error. Metrics:
 * {@code query_cache_requests_total{result="hit|miss|error"}} and
 * {@code query_cache_stores_total{result="ok|error|first_request"}}.
 */
@Component
public class ResultCache {

    private static final Logger log = LoggerFactory.getLogger(ResultCache.class);
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    static final String KEY_PREFIX = "logquery:results:";

    /** A cached answer: its rows and the summary fields that do not depend on when it is served. */
    public record Cached(List<StoredLogEntry> rows, int partitionsTotal, int partitionsQueried, int partitionsPruned,
                         String nextCursor) {
    }

    private final CoordinatorProperties.Cache settings;
    private final boolean pruning;
    private final RedisStore redis;
    private final Clock clock;
    private final Counter hits;
    private final Counter misses;
    private final Counter errors;
    private final Counter stored;
    private final Counter storeFailed;
    private final Counter firstSight;
    /** The keys of recent answers, when only answers to repeated queries are stored; null: every answer is. */
    private final SeenKeys seen;

    @Autowired
    public ResultCache(CoordinatorProperties properties, RedisStore redis, MeterRegistry registry) {
        this(properties, redis, registry, Clock.systemUTC());
    }

    ResultCache(CoordinatorProperties properties, RedisStore redis, MeterRegistry registry, Clock clock) {
        this.settings = properties.cache();
        this.pruning = properties.pruning();
        this.redis = redis;
        this.clock = clock;
        this.hits = requests(registry, "hit");
        this.misses = requests(registry, "miss");
        this.errors = requests(registry, "error");
        this.stored = stores(registry, "ok");
        this.storeFailed = stores(registry, "error");
        this.firstSight = stores(registry, "first_request");
        this.seen = settings.repeatedOnly() ? new SeenKeys(settings.recentQueries()) : null;
    }

    private static Counter requests(MeterRegistry registry, String result) {
        return Counter.builder("query.cache.requests").description("Results cache lookups by result")
                .tag("result", result).register(registry);
    }

    private static Counter stores(MeterRegistry registry, String result) {
        return Counter.builder("query.cache.stores").description("Answers written to the results cache")
                .tag("result", result).register(registry);
    }

    /** Whether answers to {@code query} may be cached: its window closed long enough ago and its page is small. */
    public boolean cacheable(LogQuery query) {
        return settings.enabled() && redis.configured() && query.limit() <= settings.maxRows()
                && query.endTime().isBefore(clock.instant().minus(settings.minAge()));
    }

    /**
     * The fingerprint of the data an answer to {@code query} is computed from: per shard (by id), the hour
     * chunks overlapping the window with their row counts and time ranges. Empty when a shard's metadata is
     * unknown: such an answer cannot be tied to its data and is not cached.
     */
    public static Optional<String> dataFingerprint(LogQuery query, List<ShardCatalog.ShardState> shards) {
        Hasher h = Hashing.sha256().newHasher();
        List<ShardCatalog.ShardState> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparingInt(s -> s.shard().id()));
        for (ShardCatalog.ShardState state : sorted) {
            PartitionMetadata m = state.metadata();
            if (m == null) {
                return Optional.empty();
            }
            h.putInt(state.shard().id()).putInt(-1);
            for (ChunkMetadata c : m.chunks()) {
                Instant hourEnd = c.hour().plus(Duration.ofHours(1));
                if (hourEnd.isAfter(query.startTime()) && !c.hour().isAfter(query.endTime())) {
                    h.putLong(c.hour().getEpochSecond()).putLong(c.rowCount())
                            .putLong(c.minTime().getEpochSecond()).putInt(c.minTime().getNano())
                            .putLong(c.maxTime().getEpochSecond()).putInt(c.maxTime().getNano());
                }
            }
        }
        return Optional.of(h.hash().toString());
    }

    /**
     * The cached answer to {@code query} over the data {@code fingerprint} describes, or empty (not cached,
     * Redis unavailable, or an unreadable value).
     */
    public Mono<Cached> get(LogQuery query, String fingerprint) {
        var commands = redis.commands();
        if (commands.isEmpty()) {
            errors.increment();
            return Mono.empty();
        }
        return commands.get().get(key(query, fingerprint))
                .timeout(RedisStore.COMMAND_TIMEOUT)
                .publishOn(Schedulers.parallel()) // off Lettuce's I/O thread: decoding a page is CPU work
                .map(ResultCache::decode)
                .doOnNext(c -> hits.increment())
                .switchIfEmpty(Mono.fromRunnable(misses::increment))
                .onErrorResume(e -> {
                    log.debug("results cache unreadable: {}", e.toString());
                    errors.increment();
                    return Mono.empty();
                });
    }

    /**
     * Stores a complete answer, computed over the data {@code fingerprint} describes (taken before the search
     * ran), in the background (a partial one, or one too large, is not kept; nor, with {@code repeated-only}, the
     * answer to a query asked for the first time: counted as {@code result="first_request"}).
     */
    public void put(LogQuery query, String fingerprint, List<StoredLogEntry> rows, SearchSummary summary) {
        var commands = redis.commands();
        if (summary.partial() || rows.size() > settings.maxRows() || commands.isEmpty()) {
            return;
        }
        String key = key(query, fingerprint);
        if (seen != null && !seen.seenBefore(key)) {
            firstSight.increment();
            return;
        }
        commands.get().set(key, encode(rows, summary), SetArgs.Builder.ex(settings.ttl()))
                .timeout(RedisStore.COMMAND_TIMEOUT)
                .subscribe(ok -> stored.increment(), e -> {
                    log.debug("results cache write failed: {}", e.toString());
                    storeFailed.increment();
                });
    }

    String key(LogQuery query, String fingerprint) {
        byte[] q = QueryJson.toJson(query);
        return KEY_PREFIX + (pruning ? "p:" : "u:") + Hashing.sha256().newHasher().putBytes(q)
                .putString(fingerprint, StandardCharsets.UTF_8).hash();
    }

    /** The summary fields as one JSON line, then the rows as the nodes write them (NDJSON). */
    static byte[] encode(List<StoredLogEntry> rows, SearchSummary summary) {
        ObjectNode head = MAPPER.createObjectNode()
                .put("partitionsTotal", summary.partitionsTotal())
                .put("partitionsQueried", summary.partitionsQueried())
                .put("partitionsPruned", summary.partitionsPruned())
                .put("nextCursor", summary.nextCursor());
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 256);
        out.writeBytes(MAPPER.writeValueAsBytes(head));
        out.write('\n');
        out.writeBytes(EntryJson.toNdjson(rows));
        return out.toByteArray();
    }

    static Cached decode(byte[] value) {
        int nl = indexOf(value, 0);
        if (nl < 0) {
            throw new IllegalArgumentException("cached answer without a summary line");
        }
        JsonNode head = MAPPER.readTree(java.util.Arrays.copyOf(value, nl));
        List<StoredLogEntry> rows = new ArrayList<>();
        for (int start = nl + 1; start < value.length; ) {
            int end = indexOf(value, start);
            int stop = end < 0 ? value.length : end;
            if (stop > start) {
                rows.add(EntryJson.fromJson(value, start, stop - start));
            }
            start = stop + 1;
        }
        JsonNode cursor = head.get("nextCursor");
        return new Cached(rows, head.get("partitionsTotal").asInt(), head.get("partitionsQueried").asInt(),
                head.get("partitionsPruned").asInt(), cursor == null || cursor.isNull() ? null : cursor.asString());
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
