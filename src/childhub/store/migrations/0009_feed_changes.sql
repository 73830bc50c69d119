-- Live feeds send changes (a pushed record, an incremental pull) into the same scope as the whole extracts of
-- that table. A snapshot scope's latest whole extract still stands alone among the snapshots; a changes batch
-- stands beside it when it is dated the same day or later (changes are dated by their arrival; an extract is
-- known only by its day, so a change of the same day may be newer than it), and is superseded by a whole extract
-- of a later day, which holds everything the source held by then (so a record the source deleted does not live
-- on in an older change). Where both hold a record, its latest version wins as before.
DROP MACRO TABLE visible_batches;
CREATE MACRO visible_batches(as_of) AS TABLE
    WITH dated AS (
        SELECT batch_id, feed, mode, scope, coalesce(extract_date, CAST(started_at AS DATE)) AS extract_date
        FROM ingest_batch
        WHERE status = 'loaded' AND (as_of IS NULL OR coalesce(extract_date, CAST(started_at AS DATE)) <= as_of)
    ),
    latest_snapshot AS (
        SELECT scope, arg_max(batch_id, (extract_date, batch_id)) AS batch_id, max(extract_date) AS extracted
        FROM dated WHERE mode = 'snapshot' GROUP BY scope
    )
    SELECT d.batch_id, d.feed, d.extract_date
    FROM dated d LEFT JOIN latest_snapshot s USING (scope)
    WHERE (d.mode = 'snapshot' AND d.batch_id = s.batch_id)
       OR (d.mode = 'changes' AND (s.extracted IS NULL OR d.extract_date >= s.extracted));
