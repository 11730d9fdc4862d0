-- Attributes (issue 16) and de-duplication of lines written to Kafka twice (a client retrying a push).
--
-- logs.attributes: every label or attribute of the line beyond the five fields, as a JSON object of strings
-- (keys sorted and bounded by the writer; NULL when the line has none, as every row written before this).
-- logs.content_hash: a 64-bit hash of the line's content (ts, service, level, namespace, pod, container,
-- attributes, message) computed by the node (ContentHash); NULL in rows written before this. A line whose
-- timestamp and content equal those of a stored row is not stored again; the hash makes that comparison
-- cheap, the columns themselves decide it (rows without a hash are compared on the columns alone).
-- chunks.attributes: the serialized bloom filter of the hour's attribute pairs (Attributes.pair); NULL when
-- unknown, as for every chunk written before this migration (then it never prunes).
--
-- Nullable columns without a default: no table rewrite, existing rows and chunks stay as they are.
ALTER TABLE logs ADD COLUMN attributes jsonb;
ALTER TABLE logs ADD COLUMN content_hash bigint;
ALTER TABLE chunks ADD COLUMN attributes bytea;
