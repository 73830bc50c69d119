-- fact_contact: one row per contact to children's social care.
SELECT c.cont_contact_id AS contact_id, c.cont_person_id AS person_id, p.child_id, p.child_key,
       c.cont_contact_date AS contact_date, upper(trim(c.cont_contact_source_code)) AS contact_source,
       c.cont_contact_outcome_json AS outcome,
       coalesce(c.cont_contact_outcome_json ILIKE '%referral%', false) AS led_to_referral
FROM @current(contacts) c
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cont_person_id
WHERE c.cont_contact_date IS NOT NULL
