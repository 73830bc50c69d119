-- fact_cla_review: one row per statutory review of a looked-after child.
SELECT r.clar_cla_review_id AS review_id, r.clar_person_id AS person_id, p.child_id, child_key_of(p.child_key, r.source_system, r.clar_person_id) AS child_key,
       r.clar_cla_review_date AS review_date, r.clar_cla_review_due_date AS due_date,
       upper(trim(r.clar_cla_review_participation)) AS participation
FROM @current(cla_reviews) r
LEFT JOIN fact_person p ON p.source_system = r.source_system AND p.person_id = r.clar_person_id
WHERE r.clar_cla_review_date IS NOT NULL AND coalesce(upper(r.clar_cla_review_cancelled), 'N') NOT IN ('Y', 'YES')
