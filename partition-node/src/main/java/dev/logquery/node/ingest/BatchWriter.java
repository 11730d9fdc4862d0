package dev.logquery.node.ingest;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.node.chunk.ChunkBuilder;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.TimePartitions;
import dev.logquery.node.text.TextIndex;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch of consumed records in one transaction: the log rows through {@code COPY}, the
 * rejected records, the merged chunk metadata, the text-index blocks the rows fall in, marked pending
 * ({@link TextIndex#write}), and the next offset of every Kafka partition in the batch. Either all of it commits or none: a node killed at any moment restarts from the stored
 * offsets and neither loses nor duplicates a line.
 *
 * <p>A line written to Kafka twice (a client retried a push the gateway had written already) is stored once:
 * a record is not stored when a row with the same timestamp and content (service, level, namespace, pod,
 * container, attributes, message) is stored already or comes earlier in the batch ({@link #firstCopies},
 * {@link #storeRows}). The decision depends only on the rows stored and the records read before, in order, so
 * every replica of the shard makes the same one, after a restart too, whatever its batch boundaries (copies of
 * a line share its service, the record key, hence its Kafka partition, whose order every replica reads); the
 * dropped record's offset advances as any other and {@code ingest_duplicates_dropped_total} counts it.
 */
final class BatchWriter {

    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
    static final int MAX_REJECTED_PAYLOAD_CHARS = 4096;

    private final DataSource dataSource;
    private final OffsetStore offsets;
    private final ChunkStore chunks;
    private final TimePartitions partitions;
    private final NodeProperties.Bloom bloom;
    private final IngestMetrics metrics;
    private final TextIndex text;

    BatchWriter(DataSource dataSource, OffsetStore offsets, ChunkStore chunks, TimePartitions partitions,
                NodeProperties.Bloom bloom, IngestMetrics metrics, TextIndex text) {
        this.dataSource = dataSource;
        this.offsets = offsets;
        this.chunks = chunks;
        this.partitions = partitions;
        this.bloom = bloom;
        this.metrics = metrics;
        this.text = text;
    }

    /**
     * Writes {@code records} (in consumption order, all read from the topic with id {@code topicId}) and
     * advances {@code next} (partition to next offset and topic id, the caller's view of what is stored) once
     * committed. A partition whose stored offset belongs to another topic id (the topic was deleted and
     * created again) takes every record as new, and its row moves to the new id in the same transaction. A record whose row the database refuses as
     * data (SQLSTATE class 22, 23 or 54, from the COPY or the rejected-records insert) is found by halving the batch and stored as rejected instead, so no
     * payload can stop ingestion. Other failures propagate (a full disk, SQLSTATE class 53, among them: it is
     * no fault of the rows, and the batch must be retried, not rejected); nothing is then committed.
     */
    void write(List<DecodedRecord> records, String topicId, Map<Integer, OffsetStore.Stored> next) throws SQLException {
        writeSplitting(records, batch -> writeOnce(batch, topicId, next));
    }

    /** One transaction of {@link #write}: all of {@code records} or nothing. */
    @FunctionalInterface
    interface Transaction {
        /** Throws {@link RowsRefusedException} when the database refused rows as data. */
        void write(List<DecodedRecord> records) throws SQLException;
    }

    /**
     * Writes {@code records} with {@code transaction}; when the database refuses rows, writes each half of them
     * in turn the same way, down to each record it refuses, which is written as a rejected record instead. A
     * batch of n records (a power of two) with one refused takes 2 log2(n) + 2 transactions, of which the
     * log2(n) + 1 holding the refused record roll back; every other record is committed once.
     */
    static void writeSplitting(List<DecodedRecord> records, Transaction transaction) throws SQLException {
        try {
            transaction.write(records);
        } catch (RowsRefusedException refused) {
            SQLException e = refused.getCause();
            if (records.size() == 1) {
                DecodedRecord r = records.get(0);
                log.warn("database refused record {}-{}: {}", r.partition(), r.offset(), e.getMessage());
                transaction.write(List.of(asRejected(r, "database refused the line: " + e.getMessage())));
                return;
            }
            int half = records.size() / 2;
            writeSplitting(records.subList(0, half), transaction);
            writeSplitting(records.subList(half, records.size()), transaction);
        }
    }

    /** Not stored yet ({@link AcceptanceWindow#isNew}): a retried batch skips what an earlier attempt stored. */
    static boolean isNew(DecodedRecord r, String topicId, Map<Integer, OffsetStore.Stored> next) {
        return AcceptanceWindow.isNew(r, topicId, next);
    }

    /** The database refused the rows themselves (not the chunk, offset or partition statements). */
    static final class RowsRefusedException extends SQLException {
        RowsRefusedException(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }

    /**
     * Whether the database refused the rows as data: classes 22 (data exception), 23 (integrity constraint
     * violation) and 54 (program limit exceeded, e.g. a row too big for an index). Not class 53 (insufficient
     * resources: a full disk, 53100, out of memory, too many connections), nor connection failures: those say
     * nothing about the rows, so the batch is retried rather than moved to {@code rejected_records}.
     */
    static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private void writeOnce(List<DecodedRecord> batch, String topicId, Map<Integer, OffsetStore.Stored> next)
            throws SQLException {
        long started = System.nanoTime();
        // A retried batch may hold records a previous, partly successful attempt already committed.
        List<DecodedRecord> records = batch.stream().filter(r -> isNew(r, topicId, next)).toList();
        if (records.isEmpty()) {
            return;
        }
        Set<LocalDate> days = new HashSet<>();
        Map<Integer, Long> advanced = new LinkedHashMap<>();
        List<DecodedRecord> rejected = new ArrayList<>();
        int accepted = 0;
        for (DecodedRecord r : records) {
            advanced.put(r.partition(), r.offset() + 1);
            if (r.accepted()) {
                accepted++;
            } else {
                rejected.add(r);
            }
        }
        // Each line once (its first copy); storeRows then drops those a stored row already has.
        List<DecodedRecord> candidates = firstCopies(records);
        for (DecodedRecord r : candidates) {
            days.add(LocalDate.ofInstant(r.entry().timestamp(), ZoneOffset.UTC));
        }
        partitions.createAhead();
        partitions.ensureAll(days);

        List<DecodedRecord> stored = List.of();
        Map<Instant, ChunkMetadata> merged;
        ChunkBuilder builder;
        boolean committed = false;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try {
                    if (!candidates.isEmpty()) {
                        stored = storeRows(c, candidates, chunks::mayHoldRowAt);
                    }
                    if (!rejected.isEmpty()) {
                        insertRejected(c, rejected);
                    }
                } catch (SQLException e) {
                    throw isDataError(e) ? new RowsRefusedException(e) : e;
                }
                builder = new ChunkBuilder(bloom);
                TextIndex.Batch blocks = text.newBatch();
                for (DecodedRecord r : stored) {
                    builder.add(r.entry());
                    blocks.add(r.entry().timestamp());
                }
                merged = chunks.mergeWith(builder.build());
                chunks.upsert(c, merged);
                text.write(c, blocks); // forgets their filters before the commit: never claim less than stored
                for (Map.Entry<Integer, Long> e : advanced.entrySet()) {
                    offsets.advance(c, e.getKey(), next.get(e.getKey()), e.getValue(), topicId);
                }
                chunks.serve(merged); // before the rows become visible: metadata never claims less
                c.commit();
                committed = true;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } finally {
            text.finish(committed);
        }
        for (Map.Entry<Integer, Long> e : advanced.entrySet()) {
            next.put(e.getKey(), OffsetStore.advanced(next.get(e.getKey()), e.getValue(), topicId));
        }
        chunks.committed(merged, builder.serviceRanges());
        int truncated = 0;
        int attributesCut = 0;
        for (DecodedRecord r : stored) {
            truncated += r.truncated() ? 1 : 0;
            attributesCut += r.attributesCut();
        }
        metrics.batchWritten(stored.size(), truncated, attributesCut, accepted - stored.size(),
                System.nanoTime() - started);
        for (DecodedRecord r : rejected) {
            metrics.rejected(r.reasonCode());
        }
    }

    /**
     * The accepted records of {@code records} whose line (timestamp and content: every field of the
     * {@link dev.logquery.common.model.LogEntry}, attributes included) no earlier record of them has, in order:
     * the later copies of a line are duplicates. Together with {@link #storeRows}, which drops a line a stored row
     * already has, every replica stores the first copy of each line it reads and only that, whatever its batches.
     */
    static List<DecodedRecord> firstCopies(List<DecodedRecord> records) {
        Set<LogEntry> seen = new HashSet<>(records.size() * 2);
        List<DecodedRecord> first = new ArrayList<>(records.size());
        for (DecodedRecord r : records) {
            if (r.accepted() && seen.add(r.entry())) {
                first.add(r);
            }
        }
        return first;
    }

    /** Where stored rows of a service may have a given timestamp ({@link ChunkStore#mayHoldRowAt}). */
    @FunctionalInterface
    interface StoredTimes {
        boolean mayHoldRowAt(String service, Instant ts);
    }

    /**
     * The stored rows that may be earlier copies of the given lines (arrays of their timestamps and content
     * hashes, element {@code i} the {@code i}-th line): those with the same timestamp and the same hash, or with
     * none (rows stored before hashes were kept). The {@code OFFSET 0} keeps PostgreSQL from flattening the
     * lateral subquery into a join it might plan as a scan of all of {@code logs}: it stays one lookup of the
     * timestamp in {@code logs_ts_idx} (of the one partition holding it) per line.
     */
    static final String FIND_STORED_COPIES = "SELECT s.i, l.service, l.level, l.namespace, l.pod, l.container,"
            + " l.message, l.attributes FROM unnest(?::timestamptz[], ?::bigint[]) WITH ORDINALITY AS s(ts, h, i)"
            + " CROSS JOIN LATERAL (SELECT service, level, namespace, pod, container, message, attributes FROM logs"
            + " WHERE ts = s.ts AND (content_hash = s.h OR content_hash IS NULL) OFFSET 0) l";

    /**
     * Stores the lines of {@code records} (accepted, no two with the same line) that no stored row has already,
     * in the caller's transaction, through one {@code COPY} into {@code logs}, and returns their records. Only
     * the lines whose timestamp a stored row may have ({@code stored}; the usual new line comes after the stored
     * ones of its hour and needs none) are looked for among the stored rows ({@link #FIND_STORED_COPIES}); a
     * stored row that is found is compared field by field, so a hash collision never drops a line.
     */
    static List<DecodedRecord> storeRows(Connection c, List<DecodedRecord> records, StoredTimes stored)
            throws SQLException {
        long[] hashes = new long[records.size()];
        List<Integer> probed = new ArrayList<>();
        for (int i = 0; i < hashes.length; i++) {
            LogEntry e = records.get(i).entry();
            hashes[i] = ContentHash.of(e);
            if (stored.mayHoldRowAt(e.service(), e.timestamp())) {
                probed.add(i);
            }
        }
        List<DecodedRecord> kept = records;
        if (!probed.isEmpty()) {
            Set<Integer> copies = storedCopies(c, records, hashes, probed);
            if (!copies.isEmpty()) {
                kept = new ArrayList<>(records.size() - copies.size());
                for (int i = 0; i < records.size(); i++) {
                    if (!copies.contains(i)) {
                        kept.add(records.get(i));
                    }
                }
            }
        }
        if (!kept.isEmpty()) {
            copyRows(c, kept, kept == records ? hashes : null);
        }
        return kept;
    }

    /** The indexes (into {@code records}) of the {@code probed} lines a stored row has already. */
    private static Set<Integer> storedCopies(Connection c, List<DecodedRecord> records, long[] hashes,
                                             List<Integer> probed) throws SQLException {
        StringBuilder times = new StringBuilder(probed.size() * 30).append('{');
        StringBuilder hashList = new StringBuilder(probed.size() * 20).append('{');
        for (int k = 0; k < probed.size(); k++) {
            int i = probed.get(k);
            if (k > 0) {
                times.append(',');
                hashList.append(',');
            }
            times.append(records.get(i).entry().timestamp()); // ISO-8601 UTC: no character to quote in an array
            hashList.append(hashes[i]);
        }
        Set<Integer> copies = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(FIND_STORED_COPIES)) {
            ps.setString(1, times.append('}').toString());
            ps.setString(2, hashList.append('}').toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = probed.get(rs.getInt(1) - 1); // ordinality counts from 1
                    LogEntry line = records.get(i).entry();
                    LogEntry storedLine = new LogEntry(line.timestamp(), rs.getString(2), LogLevel.fromCode(rs.getShort(3)),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                            RangeSql.attributes(rs.getString(8)));
                    if (storedLine.equals(line)) {
                        copies.add(i);
                    }
                }
            }
        }
        return copies;
    }

    /** COPYs the lines of {@code records} into {@code logs}; {@code hashes}: their content hashes, or null. */
    private static void copyRows(Connection c, List<DecodedRecord> records, long[] hashes) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(CopyEncoder.COPY_SQL);
        try {
            CopyEncoder encoder = new CopyEncoder(copy);
            for (int i = 0; i < records.size(); i++) {
                DecodedRecord r = records.get(i);
                encoder.row(r.entry(), hashes != null ? hashes[i] : ContentHash.of(r.entry()), r.partition(), r.offset());
            }
            encoder.finish();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) {
                try {
                    copy.cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel); // keep the error that says what was wrong with the rows
                }
            }
            throw e;
        }
    }

    private static void insertRejected(Connection c, List<DecodedRecord> rejected) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO rejected_records"
                + " (kafka_partition, kafka_offset, reason, payload, payload_bytes) VALUES (?, ?, ?, ?, ?)")) {
            for (DecodedRecord r : rejected) {
                ps.setInt(1, r.partition());
                ps.setLong(2, r.offset());
                ps.setString(3, TextSanitizer.clean(r.rejection()));
                ps.setString(4, r.raw() == null ? null : payloadText(r.raw()));
                ps.setInt(5, r.rawLength());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The start of a raw payload as text: invalid UTF-8 becomes U+FFFD, NUL too. */
    static String payloadText(byte[] raw) {
        String text = new String(raw, 0, Math.min(raw.length, MAX_REJECTED_PAYLOAD_CHARS * 4), StandardCharsets.UTF_8);
        if (text.length() > MAX_REJECTED_PAYLOAD_CHARS) {
            text = text.substring(0, MAX_REJECTED_PAYLOAD_CHARS);
        }
        return TextSanitizer.clean(text);
    }

    static DecodedRecord asRejected(DecodedRecord r, String reason) {
        byte[] raw = r.entry() != null ? LogEntryCodec.encode(r.entry()) : r.raw();
        return DecodedRecord.rejected(r.partition(), r.offset(), reason, raw);
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
