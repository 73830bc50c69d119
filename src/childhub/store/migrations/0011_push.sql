-- Records pushed over the API (POST /api/v1/feeds/{feed}/records) arrive as a batch like any file. The batch
-- keeps the feed they were pushed to and the sender's idempotency key, written by ingest in the batch's own
-- transaction, so a crash can never leave the rows without their key or the key without its rows; a replay of
-- the key finds the batch and changes nothing. NULL for every batch that was not pushed.
ALTER TABLE ingest_batch ADD COLUMN push_feed VARCHAR;
ALTER TABLE ingest_batch ADD COLUMN idempotency_key VARCHAR;
