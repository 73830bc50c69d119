-- fact_cp_review: one row per child protection review conference.
SELECT r.cppr_cp_review_id AS review_id, r.cppr_cp_plan_id AS cp_plan_id, r.cppr_person_id AS person_id,
       p.child_id, child_key_of(p.child_key, r.source_system, r.cppr_person_id) AS child_key, r.cppr_cp_review_date AS review_date, r.cppr_cp_review_due AS due_date
FROM @current(cp_reviews) r
LEFT JOIN fact_person p ON p.source_system = r.source_system AND p.person_id = r.cppr_person_id
WHERE r.cppr_cp_review_date IS NOT NULL
