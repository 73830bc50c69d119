-- section_47_assessments: each section 47 enquiry begun by the day of the send; an initial child protection
-- conference was required unless the enquiry said not (or one was held).
SELECT s.child_key, dfe_episode_for(s.child_key, s.referral_id, s.start_date) AS social_care_episode_id,
       dfe_in_window(s.start_date, s.end_date) AS in_window,
       s.s47_id AS section_47_assessment_id, s.start_date,
       NOT s.icpc_not_required OR s.icpc_date IS NOT NULL AS icpc_required_flag,
       CASE WHEN s.icpc_date <= getvariable('dfe_as_at') THEN s.icpc_date END AS icpc_date,
       CASE WHEN s.end_date <= getvariable('dfe_as_at') THEN s.end_date END AS end_date
FROM fact_s47 s JOIN dfe_cohort USING (child_key)
WHERE s.start_date <= getvariable('dfe_as_at')
