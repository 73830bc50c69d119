-- fact_cla_visit: one row per statutory social work visit to a looked-after child.
SELECT v.clav_cla_visit_id AS visit_id, v.clav_person_id AS person_id, p.child_id, child_key_of(p.child_key, v.source_system, v.clav_person_id) AS child_key,
       v.clav_cla_visit_date AS visit_date, upper(trim(v.clav_cla_visit_seen)) AS seen,
       upper(trim(v.clav_cla_visit_seen_alone)) AS seen_alone
FROM @current(cla_visits) v
LEFT JOIN fact_person p ON p.source_system = v.source_system AND p.person_id = v.clav_person_id
WHERE v.clav_cla_visit_date IS NOT NULL
