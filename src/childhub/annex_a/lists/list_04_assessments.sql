-- list_04_assessments: one row per social care (continuous) assessment started in the 6 months before the
-- as-at date, or started earlier and authorised in that time.
-- Window: start or authorisation date from the as-at date 6 months earlier up to the as-at date, both days in.
-- "Requiring children's social care support" is the assessment's outcome: no further action means no. Where the
-- record does not say (the CIN census has no outcome), what followed it by the as-at date: a child-in-need plan,
-- CP plan or care begun in its episode means yes; its episode closed with no further action (RC8) or a referral
-- to early help (RC9) means no. Left blank when the assessment was authorised only after the as-at date.
-- Sources:
--   assessment_start_date: fact_assessment.start_date
--   child_seen_during_assessment: fact_assessment.child_seen
--   assessment_authorisation_date: fact_assessment.authorised_date
--   requires_social_care_support: fact_assessment.outcome_nfa, support_started_date, nfa_closed_date
WITH chosen AS (
    SELECT s.*, coalesce(annex_a_by(s.authorised_date, $as_at), s.start_date) AS allocation_day
    FROM fact_assessment s
    WHERE s.start_date <= $as_at
      AND (s.start_date >= annex_a_months_before($as_at, 6)
           OR s.authorised_date BETWEEN annex_a_months_before($as_at, 6) AND $as_at)
),
listed AS (
    SELECT s.*, coalesce(a.allocation, annex_a_named(s.team_id, s.worker_id)) AS allocation
    FROM chosen s
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = s.child_key AND a.allocation_day IS NOT DISTINCT FROM s.allocation_day
)
SELECT coalesce(c.la_child_id, a.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       coalesce(c.disability, 'U') AS disability,
       a.start_date AS assessment_start_date,
       a.child_seen AS child_seen_during_assessment,
       annex_a_by(a.authorised_date, $as_at) AS assessment_authorisation_date,
       CASE WHEN a.authorised_date > $as_at THEN NULL
            WHEN a.outcome_nfa IN ('Y', 'YES', '1', 'TRUE') THEN 'N'
            WHEN a.outcome_nfa IN ('N', 'NO', '0', 'FALSE') THEN 'Y'
            WHEN a.support_started_date <= $as_at THEN 'Y'
            WHEN a.nfa_closed_date <= $as_at THEN 'N' END AS requires_social_care_support,
       a.allocation.team AS allocated_team,
       a.allocation.worker AS allocated_worker
FROM listed a
LEFT JOIN fact_child c ON c.child_key = a.child_key
ORDER BY a.start_date, child_unique_id, a.assessment_id
