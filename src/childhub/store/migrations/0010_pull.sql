-- Pulls from the source systems' databases (childhub.pull): per source and canonical table, the greatest
-- watermark loaded so far (an incremental pull reads only rows whose watermark is greater), and the last run.
-- The watermark is kept as text with its type, so it is bound back as the value the source gave. In a schema of
-- its own: it is childhub's bookkeeping, not a table of the canonical model.
CREATE SCHEMA pull;
CREATE TABLE pull.state (
    source           VARCHAR NOT NULL,  -- the source's name in sources.yml
    source_table     VARCHAR NOT NULL,  -- the canonical table pulled into (contacts, person, ...)
    watermark_column VARCHAR,           -- the column the watermark was read from (a new column starts again)
    watermark        VARCHAR,           -- the greatest value loaded, as text
    watermark_type   VARCHAR,           -- how to read it back: timestamp, timestamptz, date, integer, decimal, text
    last_run_at      TIMESTAMP,         -- when a pull of this table last ran (local time), whatever its outcome
    last_status      VARCHAR,           -- loaded, unchanged, nothing new, rejected, failed
    last_message     VARCHAR,
    last_batch_id    BIGINT,
    PRIMARY KEY (source, source_table)
);
