-- A snapshot batch that took away most of what its scope held, let through because the person
-- said so (childhub ingest --allow-shrink); NULL for every other batch.
ALTER TABLE ingest_batch ADD COLUMN shrink_allowed BOOLEAN;
