-- Ingest: what a batch replaces, where its original is archived, its problems and its
-- quarantined rows; and checks on shared identifiers that readers and indicators both use.

-- A snapshot batch replaces the earlier batches of its scope (e.g. "ssda903_episodes:2026");
-- a changes batch adds new versions of the rows it carries, by source key.
ALTER TABLE ingest_batch ADD COLUMN mode VARCHAR;
ALTER TABLE ingest_batch ADD COLUMN scope VARCHAR;
ALTER TABLE ingest_batch ADD COLUMN archive_path VARCHAR;
ALTER TABLE ingest_batch ADD COLUMN problems BIGINT;

-- Every problem found in a batch's file, as the report shows it.
CREATE TABLE ingest_problem (
    batch_id    BIGINT NOT NULL,
    file_name   VARCHAR NOT NULL,
    row_ref     VARCHAR,
    column_name VARCHAR,
    value       VARCHAR,
    message     VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL -- error (row quarantined) or warning (row loaded)
);

-- Rows held back by an error, with every raw value, so nothing a source sent is lost.
CREATE TABLE ingest_quarantine (
    batch_id    BIGINT NOT NULL,
    source_kind VARCHAR NOT NULL,
    row_ref     VARCHAR NOT NULL,
    raw_json    VARCHAR NOT NULL
);

-- UPN: 13 characters, check letter first (DfE modulus 23 over characters 2-13, weights 2-13).
CREATE MACRO upn_char_value(ch) AS
    CASE WHEN ch BETWEEN '0' AND '9' THEN ascii(ch) - 48 ELSE strpos('ABCDEFGHJKLMNPQRTUVWXYZ', ch) - 1 END;
CREATE MACRO upn_is_valid(upn) AS coalesce(
    length(upn) = 13
    AND regexp_full_match(upn, '[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]')
    AND substr('ABCDEFGHJKLMNPQRTUVWXYZ',
               (list_sum([upn_char_value(substr(upn, i, 1)) * i FOR i IN range(2, 14)]) % 23)::INTEGER + 1, 1)
        = substr(upn, 1, 1),
    false);

-- NHS number: ten digits, the last a modulus-11 check digit over the first nine (weights 10-2).
CREATE MACRO nhs_number_is_valid(nhs) AS coalesce(
    regexp_full_match(nhs, '[0-9]{10}')
    AND (11 - list_sum([(ascii(substr(nhs, i, 1)) - 48) * (11 - i) FOR i IN range(1, 10)]) % 11) % 11
        = ascii(substr(nhs, 10, 1)) - 48
    AND (11 - list_sum([(ascii(substr(nhs, i, 1)) - 48) * (11 - i) FOR i IN range(1, 10)]) % 11) <> 10,
    false);

-- A feed is one stream of facts about the same source records, whatever the file format: the
-- SSDA903 return (its CSV tables or its XML), the CIN census, one case-management extract.
-- Rows of one feed with the same source key are versions of one fact: the latest batch wins.
ALTER TABLE ingest_batch ADD COLUMN feed VARCHAR;

-- The batches whose rows stand on a date (NULL: today): for each snapshot scope its latest
-- batch extracted by then, and every changes batch extracted by then. A batch the file did not
-- date counts as extracted on the day it was ingested; ties go to the later batch.
CREATE MACRO visible_batches(as_of) AS TABLE
    SELECT batch_id, feed, extract_date
    FROM (
        SELECT batch_id, feed, mode, coalesce(extract_date, CAST(started_at AS DATE)) AS extract_date,
               row_number() OVER (PARTITION BY scope
                                  ORDER BY coalesce(extract_date, CAST(started_at AS DATE)) DESC, batch_id DESC) AS rank
        FROM ingest_batch
        WHERE status = 'loaded' AND (as_of IS NULL OR coalesce(extract_date, CAST(started_at AS DATE)) <= as_of)
    )
    WHERE mode = 'changes' OR rank = 1;
