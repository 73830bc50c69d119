-- fact_assessment: one row per social care (continuous) assessment, with its length in working days.
SELECT a.cina_assessment_id AS assessment_id, a.cina_referral_id AS referral_id, a.cina_person_id AS person_id,
       p.child_id, coalesce(p.child_key, a.source_system || ':' || a.cina_person_id) AS child_key,
       a.cina_assessment_start_date AS start_date, a.cina_assessment_auth_date AS authorised_date,
       upper(trim(a.cina_assessment_child_seen)) AS child_seen,
       upper(trim(a.cina_assessment_outcome_nfa)) AS outcome_nfa,
       working_days_between(a.cina_assessment_start_date, a.cina_assessment_auth_date) AS working_days,
       a.cina_assessment_team AS team_id, a.cina_assessment_worker_id AS worker_id
FROM @current(cin_assessments) a
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.cina_person_id
WHERE a.cina_assessment_start_date IS NOT NULL
