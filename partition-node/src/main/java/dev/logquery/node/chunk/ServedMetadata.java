package dev.logquery.node.chunk;

import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.node.storage.DatabaseMonitor;

/**
 * What the node says about its data, in one place for {@code GET /internal/metadata} and the Redis
 * publisher, so both say the same: {@link MetadataCodec} JSON of the node's chunks, or nothing while the
 * chunks are not loaded from the database yet (an empty answer would let a coordinator prune a shard that
 * holds rows) or the database is unavailable (the node could not answer a query the metadata invites).
 */
public final class ServedMetadata {

    private final ChunkStore chunks;
    private final DatabaseMonitor database;

    public ServedMetadata(ChunkStore chunks, DatabaseMonitor database) {
        this.chunks = chunks;
        this.database = database;
    }

    /** Why there is no metadata to serve now, or null when there is. */
    public String unavailableReason() {
        if (!chunks.isLoaded()) {
            return "metadata not loaded from the database yet";
        }
        DatabaseMonitor.Status db = database.status();
        if (!db.available()) {
            return "database unavailable since " + db.since() + ": " + db.error();
        }
        return null;
    }

    /** The metadata's JSON as it is now; call when {@link #unavailableReason()} is null. */
    public byte[] json() {
        return MetadataCodec.toJsonBytes(chunks.metadata());
    }

    /** A tag that changes with the metadata ({@link ChunkStore#version()}). */
    public String version() {
        return chunks.version();
    }

    /** Runs {@code listener} when the metadata may have changed, or whether there is any. */
    public void onChange(Runnable listener) {
        chunks.onChange(listener);
        database.onChange(listener);
    }
}
