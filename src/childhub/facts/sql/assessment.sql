-- fact_assessment: one row per social care (continuous) assessment, with its length in working days.
-- Its outcome, where the record does not say (outcome_nfa; the CIN census has no such item), is read from what
-- followed it in its CIN episode (the referral it belongs to): support_started_date, the first child-in-need plan of
-- that episode, child protection plan or episode of care (not a short break) that started on or after the assessment
-- started and before the episode closed; nfa_closed_date, the episode's close date when it closed after the
-- assessment with reason RC8 (no further action) or RC9 (referred to early help).
WITH assessment AS (
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
),
support AS (  -- when each child's plans and care began
    SELECT child_key, referral_id, start_date FROM fact_cin_plan
    UNION ALL SELECT child_key, NULL, start_date FROM fact_cp_plan
    UNION ALL SELECT child_key, NULL, start_date FROM fact_cla_episode WHERE NOT short_break
)
SELECT a.assessment_id, a.referral_id, a.person_id, a.child_id, a.child_key, a.start_date, a.authorised_date,
       a.child_seen, a.outcome_nfa, a.working_days, a.team_id, a.worker_id,
       (SELECT min(s.start_date) FROM support s
        WHERE s.child_key = a.child_key AND (s.referral_id IS NULL OR s.referral_id = a.referral_id)
          AND s.start_date >= a.start_date
          AND (r.close_date IS NULL OR s.start_date < r.close_date)) AS support_started_date,
       CASE WHEN r.close_reason IN ('RC8', 'RC9') AND r.close_date >= a.start_date THEN r.close_date END
           AS nfa_closed_date
FROM assessment a
LEFT JOIN fact_referral r ON r.referral_id = a.referral_id AND r.child_key = a.child_key
