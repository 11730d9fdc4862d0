-- The text index's filters now hold each trigram also tagged with its row's level (Trigrams.atLevel), and a query
-- that keeps some levels only asks for the tagged ones. A filter built before holds none of them and would skip
-- every block for such a query: all stored filters are made pending (the block is always read until then) and the
-- node's indexer builds them again, newest first, in the background.
UPDATE text_blocks SET trigrams = NULL, version = version + 1 WHERE trigrams IS NOT NULL;
