-- list_01_contacts: one row per contact to children's social care in the 6 months before the as-at date.
-- Window: contact date from the as-at date 6 months earlier up to the as-at date, both days included.
-- Sources:
--   date_of_contact: fact_contact.contact_date
--   contact_source: fact_contact.contact_source
SELECT coalesce(c.la_child_id, k.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       k.contact_date AS date_of_contact,
       k.contact_source
FROM fact_contact k
LEFT JOIN fact_child c ON c.child_key = k.child_key
WHERE k.contact_date BETWEEN annex_a_months_before($as_at, 6) AND $as_at
ORDER BY k.contact_date, child_unique_id, k.contact_id
