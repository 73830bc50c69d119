-- fact_assessment: one row per social care (continuous) assessment, with its length in working days.
SELECT a.cina_assessment_id AS assessment_id, a.cina_referral_id AS referral_id, a.cina_person_id AS person_id,
       p.child_id, child_key_of(p.child_key, a.source_system, a.cina_person_id) AS child_key,
       a.cina_assessment_start_date AS start_date, a.cina_assessment_auth_date AS authorised_date,
       upper(trim(a.cina_assessment_child_seen)) AS child_seen,
       upper(trim(a.cina_assessment_outcome_nfa)) AS outcome_nfa,
       working_days_between(a.cina_assessment_start_date, a.cina_assessment_auth_date) AS working_days,
       a.cina_assessment_team AS team_id, a.cina_assessment_worker_id AS worker_id
FROM @current(cin_assessments) a
JOIN ingest_batch feed_batch ON feed_batch.batch_id = a.batch_id
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.cina_person_id
WHERE a.cina_assessment_start_date IS NOT NULL
-- Where two feeds hold the same event (a CIN census and an Annex A workbook of the same period, say),
-- only the rows of the feed that sent it last count for that child and date, so nothing counts twice.
QUALIFY max(a.batch_id) OVER (PARTITION BY a.cina_person_id, a.cina_assessment_start_date, feed_batch.feed)
      = max(a.batch_id) OVER (PARTITION BY a.cina_person_id, a.cina_assessment_start_date)
