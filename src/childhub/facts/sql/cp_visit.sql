-- fact_cp_visit: one row per statutory visit to a child on a child protection plan.
SELECT v.cppv_cp_visit_id AS visit_id, v.cppv_cp_plan_id AS cp_plan_id, v.cppv_person_id AS person_id,
       p.child_id, child_key_of(p.child_key, v.source_system, v.cppv_person_id) AS child_key, v.cppv_cp_visit_date AS visit_date, upper(trim(v.cppv_cp_visit_seen)) AS seen,
       upper(trim(v.cppv_cp_visit_seen_alone)) AS seen_alone
FROM @current(cp_visits) v
LEFT JOIN fact_person p ON p.source_system = v.source_system AND p.person_id = v.cppv_person_id
WHERE v.cppv_cp_visit_date IS NOT NULL
