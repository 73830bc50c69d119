-- fact_health_check: one row per health check of a looked-after child; check_type is health_assessment,
-- dental, development or immunisation (immunisations up to date on the date, from cla_immunisations).
-- date_is_proxy: the check's own date is not known, only that it was done in a collection year. The SSDA903
-- return (OC2) says only whether each check was done in the year; ingest dates such a row by the year's end
-- (31 March), so every row of the ssda903 feed is dated by proxy. Show it as "done in the year", not as a date.
SELECT h.clah_health_check_id AS check_id, h.clah_person_id AS person_id, p.child_id, child_key_of(p.child_key, h.source_system, h.clah_person_id) AS child_key,
       CASE WHEN lower(h.clah_health_check_type) LIKE '%dental%' THEN 'dental'
            WHEN lower(h.clah_health_check_type) LIKE '%develop%' THEN 'development'
            WHEN lower(h.clah_health_check_type) LIKE '%immuni%' THEN 'immunisation'
            ELSE 'health_assessment' END AS check_type,
       h.clah_health_check_date AS check_date,
       coalesce(upper(trim(h.clah_health_check_status)) IN ('1', 'Y', 'YES', 'TRUE', 'COMPLETED'), false) AS done,
       feed_batch.feed = 'ssda903' AS date_is_proxy
FROM @current(cla_health) h
JOIN ingest_batch feed_batch ON feed_batch.batch_id = h.batch_id
LEFT JOIN fact_person p ON p.source_system = h.source_system AND p.person_id = h.clah_person_id
WHERE h.clah_health_check_date IS NOT NULL
UNION ALL
SELECT i.clai_person_id || '|' || i.clai_immunisations_status_date, i.clai_person_id, p.child_id, child_key_of(p.child_key, i.source_system, i.clai_person_id),
       'immunisation', i.clai_immunisations_status_date,
       coalesce(upper(trim(i.clai_immunisations_status)) IN ('1', 'Y', 'YES', 'TRUE'), false),
       feed_batch.feed = 'ssda903'
FROM @current(cla_immunisations) i
JOIN ingest_batch feed_batch ON feed_batch.batch_id = i.batch_id
LEFT JOIN fact_person p ON p.source_system = i.source_system AND p.person_id = i.clai_person_id
WHERE i.clai_immunisations_status_date IS NOT NULL
