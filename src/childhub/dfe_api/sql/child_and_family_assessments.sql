-- child_and_family_assessments: each assessment begun by the day of the send, with the factors identified at it
-- (the CIN census codes, from the SSD's assessment factors; none recorded: an empty list).
WITH factors AS (
    SELECT f.cinf_assessment_id AS assessment_id,
           list(DISTINCT upper(trim(code)) ORDER BY upper(trim(code))) AS factors
    FROM dfe_assessment_factors f, unnest(TRY_CAST(f.cinf_assessment_factors_json AS VARCHAR[])) AS t(code)
    WHERE nullif(trim(code), '') IS NOT NULL
    GROUP BY ALL
)
SELECT a.child_key, dfe_episode_for(a.child_key, a.referral_id, a.start_date) AS social_care_episode_id,
       dfe_in_window(a.start_date, a.authorised_date) AS in_window,
       a.assessment_id AS child_and_family_assessment_id, a.start_date,
       a.authorised_date AS authorisation_date, coalesce(f.factors, []) AS factors
FROM fact_assessment a
JOIN dfe_cohort USING (child_key)
LEFT JOIN factors f USING (assessment_id)
WHERE a.start_date <= getvariable('dfe_as_at')
