-- Live feeds send changes (a pushed record, an incremental pull) into the same scope as the whole extracts of
-- that table. A snapshot scope's latest whole extract still stands alone among the snapshots; a changes batch
-- stands beside it when it came after it (a later extract date, or the same day and a later batch), and is
-- superseded by the next whole extract of its scope, which holds everything the source held by then (so a
-- record the source deleted does not live on in an older change).
DROP MACRO TABLE visible_batches;
CREATE MACRO visible_batches(as_of) AS TABLE
    WITH dated AS (
        SELECT batch_id, feed, mode, scope, coalesce(extract_date, CAST(started_at AS DATE)) AS extract_date
        FROM ingest_batch
        WHERE status = 'loaded' AND (as_of IS NULL OR coalesce(extract_date, CAST(started_at AS DATE)) <= as_of)
    ),
    latest_snapshot AS (
        SELECT scope, arg_max(batch_id, (extract_date, batch_id)) AS batch_id, max((extract_date, batch_id)) AS at
        FROM dated WHERE mode = 'snapshot' GROUP BY scope
    )
    SELECT d.batch_id, d.feed, d.extract_date
    FROM dated d LEFT JOIN latest_snapshot s USING (scope)
    WHERE (d.mode = 'snapshot' AND d.batch_id = s.batch_id)
       OR (d.mode = 'changes' AND (s.at IS NULL OR (d.extract_date, d.batch_id) > s.at));
