-- The DfE's cohort: each child aged 25 or under at any point of the window (born after the window's first day
-- 26 years back; a child whose date of birth is not known is kept) with a CIN episode, a CIN plan, a CP plan or a
-- looked-after episode overlapping it, known by the case-management system's person ID (la_child_id: the one
-- fact_child chooses when the system holds the child twice; social_care_ids lists them all).
WITH spell AS (
    SELECT child_key, referral_date AS first_day, close_date AS last_day FROM fact_referral
    UNION ALL SELECT child_key, start_date, end_date FROM fact_cin_plan
    UNION ALL SELECT child_key, start_date, end_date FROM fact_cp_plan
    UNION ALL SELECT child_key, start_date, ceased FROM fact_cla_episode
),
in_window AS (
    SELECT DISTINCT child_key FROM spell WHERE dfe_in_window(first_day, last_day)
),
records AS (
    SELECT child_key, list(person_id ORDER BY length(person_id), person_id) AS social_care_ids
    FROM fact_person WHERE source_system = 'social_care'
    GROUP BY child_key
)
SELECT c.child_key, c.child_id, c.la_child_id, r.social_care_ids
FROM fact_child c
JOIN in_window USING (child_key)
JOIN records r USING (child_key)
WHERE c.la_child_id IS NOT NULL
  AND (c.date_of_birth IS NULL OR c.date_of_birth > getvariable('dfe_window_start') - INTERVAL 26 YEAR)
