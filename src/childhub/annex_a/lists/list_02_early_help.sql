-- list_02_early_help: one row per early help episode the authority coordinates that started in the 6 months
-- before the as-at date, or was still open on it.
-- Window: start date from the as-at date 6 months earlier up to the as-at date, both days included; or started
-- earlier and not ended by the as-at date. An episode's start and end stand for its assessment's start and
-- completion (the canonical model records early help episodes, not early help assessments).
-- Sources:
--   early_help_assessment_start_date: fact_early_help.start_date
--   early_help_assessment_completion_date: fact_early_help.end_date
--   early_help_organisation: fact_early_help.organisation
SELECT coalesce(c.la_child_id, e.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       e.start_date AS early_help_assessment_start_date,
       annex_a_by(e.end_date, $as_at) AS early_help_assessment_completion_date,
       e.organisation AS early_help_organisation
FROM fact_early_help e
LEFT JOIN fact_child c ON c.child_key = e.child_key
WHERE e.start_date <= $as_at
  AND (e.start_date >= annex_a_months_before($as_at, 6) OR e.end_date IS NULL OR e.end_date > $as_at)
ORDER BY e.start_date, child_unique_id, e.early_help_id
