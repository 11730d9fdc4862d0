package dev.logquery.node.ingest;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.node.chunk.ChunkBuilder;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.TimePartitions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * rejected records, the merged chunk metadata and the next offset of every Kafka partition in the
 * batch. Either all of it commits or none: a node killed at any moment restarts from the stored
 * offsets and neither loses nor duplicates a line.
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

    BatchWriter(DataSource dataSource, OffsetStore offsets, ChunkStore chunks, TimePartitions partitions,
                NodeProperties.Bloom bloom, IngestMetrics metrics) {
        this.dataSource = dataSource;
        this.offsets = offsets;
        this.chunks = chunks;
        this.partitions = partitions;
        this.bloom = bloom;
        this.metrics = metrics;
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
        ChunkBuilder builder = new ChunkBuilder(bloom);
        Set<LocalDate> days = new HashSet<>();
        Map<Integer, Long> advanced = new LinkedHashMap<>();
        List<DecodedRecord> rejected = new ArrayList<>();
        int stored = 0;
        int truncated = 0;
        for (DecodedRecord r : records) {
            advanced.put(r.partition(), r.offset() + 1);
            if (r.accepted()) {
                builder.add(r.entry());
                days.add(LocalDate.ofInstant(r.entry().timestamp(), ZoneOffset.UTC));
                stored++;
                truncated += r.truncated() ? 1 : 0;
            } else {
                rejected.add(r);
            }
        }
        partitions.createAhead();
        partitions.ensureAll(days);
        Map<Instant, ChunkMetadata> merged = chunks.mergeWith(builder.build());

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try {
                    if (stored > 0) {
                        copyRows(c, records);
                    }
                    if (!rejected.isEmpty()) {
                        insertRejected(c, rejected);
                    }
                } catch (SQLException e) {
                    throw isDataError(e) ? new RowsRefusedException(e) : e;
                }
                chunks.upsert(c, merged);
                for (Map.Entry<Integer, Long> e : advanced.entrySet()) {
                    offsets.advance(c, e.getKey(), next.get(e.getKey()), e.getValue(), topicId);
                }
                chunks.serve(merged); // before the rows become visible: metadata never claims less
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        }
        for (Map.Entry<Integer, Long> e : advanced.entrySet()) {
            next.put(e.getKey(), OffsetStore.advanced(next.get(e.getKey()), e.getValue(), topicId));
        }
        chunks.committed(merged);
        metrics.batchWritten(stored, truncated, System.nanoTime() - started);
        for (DecodedRecord r : rejected) {
            metrics.rejected(r.reasonCode());
        }
    }

    private static void copyRows(Connection c, List<DecodedRecord> records) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(CopyEncoder.COPY_SQL);
        try {
            CopyEncoder encoder = new CopyEncoder(copy);
            for (DecodedRecord r : records) {
                if (r.accepted()) {
                    encoder.row(r.entry(), r.partition(), r.offset());
                }
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
