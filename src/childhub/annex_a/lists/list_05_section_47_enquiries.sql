-- list_05_section_47_enquiries: one row per section 47 enquiry started in the 6 months before the as-at date,
-- whether or not it has been completed, with the initial child protection conference that followed it.
-- Window: enquiry start date from the as-at date 6 months earlier up to the as-at date, both days included.
-- Counts in the last 12 months: the child's other enquiries started, and other enquiries' ICPCs held, from 12
-- months before the listed enquiry started up to the day before it (the listed enquiry is not counted).
-- An ICPC held means it was not deemed unnecessary, when the enquiry does not say.
-- Sources:
--   strategy_discussion_date: fact_s47.start_date
--   icpc_unnecessary: fact_s47.icpc_not_required
--   date_of_icpc: fact_s47.icpc_date
--   icpc_resulted_in_cp_plan: fact_s47.icpc_led_to_plan
--   s47_enquiries_in_last_12_months: fact_s47 (counted)
--   icpcs_in_last_12_months: fact_s47.icpc_date (counted)
WITH chosen AS (
    SELECT s.*, annex_a_by(s.icpc_date, $as_at) AS icpc_held, s.start_date AS allocation_day
    FROM fact_s47 s
    WHERE s.start_date BETWEEN annex_a_months_before($as_at, 6) AND $as_at
),
listed AS (
    SELECT s.*, coalesce(a.allocation, annex_a_named(s.team_id, s.worker_id)) AS allocation
    FROM chosen s
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = s.child_key AND a.allocation_day IS NOT DISTINCT FROM s.allocation_day
)
SELECT coalesce(c.la_child_id, s.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       coalesce(c.disability, 'U') AS disability,
       s.start_date AS strategy_discussion_date,
       coalesce(s.icpc_not_required, CASE WHEN s.icpc_held IS NOT NULL THEN false END) AS icpc_unnecessary,
       s.icpc_held AS date_of_icpc,
       CASE WHEN s.icpc_held IS NOT NULL THEN s.icpc_led_to_plan END AS icpc_resulted_in_cp_plan,
       (SELECT count(*) FROM fact_s47 other
        WHERE other.child_key = s.child_key AND other.s47_id <> s.s47_id
          AND other.start_date < s.start_date
          AND other.start_date >= annex_a_months_before(s.start_date, 12)) AS s47_enquiries_in_last_12_months,
       (SELECT count(*) FROM fact_s47 other
        WHERE other.child_key = s.child_key AND other.s47_id <> s.s47_id
          AND other.icpc_date < s.start_date
          AND other.icpc_date >= annex_a_months_before(s.start_date, 12)) AS icpcs_in_last_12_months,
       s.allocation.team AS allocated_team,
       s.allocation.worker AS allocated_worker
FROM listed s
LEFT JOIN fact_child c ON c.child_key = s.child_key
ORDER BY s.start_date, child_unique_id, s.s47_id
