-- fact_cla_iro_contact: one row per known contact between a looked-after child and their independent reviewing
-- officer (IRO): the last IRO visit or contact the case-management system records on an episode of care (SSD
-- cla_episodes.clae_cla_last_iro_contact_date; source 'episode'), and every statutory review held (the IRO chairs
-- each one; source 'review', from fact_cla_review).
SELECT e.clae_person_id AS person_id, p.child_id, child_key_of(p.child_key, e.source_system, e.clae_person_id) AS child_key,
       e.clae_cla_last_iro_contact_date AS contact_date, 'episode' AS source
FROM @current(cla_episodes) e
LEFT JOIN fact_person p ON p.source_system = e.source_system AND p.person_id = e.clae_person_id
WHERE e.clae_cla_last_iro_contact_date IS NOT NULL
UNION ALL
SELECT person_id, child_id, child_key, review_date, 'review'
FROM fact_cla_review
