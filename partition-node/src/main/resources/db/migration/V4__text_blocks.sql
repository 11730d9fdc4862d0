-- The text index (issue 17): per block of time (logquery.node.text-index.block, a slice of an hour), a Guava
-- bloom filter of the lowercase character trigrams of the messages stored in the block (TextIndex, Trigrams).
-- A batch that writes rows into a block sets its trigrams NULL (pending: the block is always read) and bumps its
-- version, in the batch's transaction; the node's indexer then builds the filter from the stored rows and stores
-- it only if the version is still the one it read with them. block_end - block_start is the block length.
CREATE TABLE text_blocks (
    block_start timestamptz PRIMARY KEY,
    block_end   timestamptz NOT NULL,
    version     bigint      NOT NULL DEFAULT 0,
    trigrams    bytea
);

-- Hours that hold rows already are pending: the node splits them into blocks of its length and indexes them.
INSERT INTO text_blocks (block_start, block_end) SELECT hour, hour + interval '1 hour' FROM chunks;
