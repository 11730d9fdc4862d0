-- The Kafka topic id (Uuid.toString()) the stored offset belongs to. A topic deleted and created again
-- under the same name gets a new id and starts its offsets at 0 again: an offset stored for the old id
-- says nothing about the new topic, which is read from its start instead. NULL in rows written before
-- ids were kept (their offsets are trusted as before, and the id is filled in by the next batch).
ALTER TABLE kafka_offsets ADD COLUMN topic_id text;
