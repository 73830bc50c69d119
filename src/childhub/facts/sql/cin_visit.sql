-- fact_cin_visit: one row per visit to a child in need.
SELECT v.cinv_cin_visit_id AS visit_id, v.cinv_person_id AS person_id, p.child_id, child_key_of(p.child_key, v.source_system, v.cinv_person_id) AS child_key,
       v.cinv_cin_visit_date AS visit_date, upper(trim(v.cinv_cin_visit_seen)) AS seen,
       upper(trim(v.cinv_cin_visit_seen_alone)) AS seen_alone
FROM @current(cin_visits) v
LEFT JOIN fact_person p ON p.source_system = v.source_system AND p.person_id = v.cinv_person_id
WHERE v.cinv_cin_visit_date IS NOT NULL
