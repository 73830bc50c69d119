-- health_and_wellbeing.sdq_assessments: each strengths and difficulties questionnaire with a score, completed in the
-- window (one per day: the latest batch's).
SELECT r.child_key, s.csdq_sdq_completed_date AS date, TRY_CAST(trim(s.csdq_sdq_score) AS INTEGER) AS score
FROM dfe_sdq s JOIN dfe_record r ON r.person_id = s.csdq_person_id
WHERE TRY_CAST(trim(s.csdq_sdq_score) AS INTEGER) IS NOT NULL
  AND s.csdq_sdq_completed_date BETWEEN getvariable('dfe_window_start') AND getvariable('dfe_as_at')
QUALIFY row_number() OVER (PARTITION BY r.child_key, s.csdq_sdq_completed_date ORDER BY s.batch_id DESC) = 1
