-- fact_health_check: one row per health check of a looked-after child; check_type is health_assessment,
-- dental, development or immunisation (immunisations up to date on the date, from cla_immunisations).
SELECT h.clah_health_check_id AS check_id, h.clah_person_id AS person_id, p.child_id, child_key_of(p.child_key, h.source_system, h.clah_person_id) AS child_key,
       CASE WHEN lower(h.clah_health_check_type) LIKE '%dental%' THEN 'dental'
            WHEN lower(h.clah_health_check_type) LIKE '%develop%' THEN 'development'
            WHEN lower(h.clah_health_check_type) LIKE '%immuni%' THEN 'immunisation'
            ELSE 'health_assessment' END AS check_type,
       h.clah_health_check_date AS check_date,
       coalesce(upper(trim(h.clah_health_check_status)) IN ('1', 'Y', 'YES', 'TRUE', 'COMPLETED'), false) AS done
FROM @current(cla_health) h
LEFT JOIN fact_person p ON p.source_system = h.source_system AND p.person_id = h.clah_person_id
WHERE h.clah_health_check_date IS NOT NULL
UNION ALL
SELECT i.clai_person_id || '|' || i.clai_immunisations_status_date, i.clai_person_id, p.child_id, child_key_of(p.child_key, i.source_system, i.clai_person_id),
       'immunisation', i.clai_immunisations_status_date,
       coalesce(upper(trim(i.clai_immunisations_status)) IN ('1', 'Y', 'YES', 'TRUE'), false)
FROM @current(cla_immunisations) i
LEFT JOIN fact_person p ON p.source_system = i.source_system AND p.person_id = i.clai_person_id
WHERE i.clai_immunisations_status_date IS NOT NULL
