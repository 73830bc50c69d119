-- child_in_need_plans: each child-in-need plan begun by the day of the send.
SELECT p.child_key, dfe_episode_for(p.child_key, p.referral_id, p.start_date) AS social_care_episode_id,
       dfe_in_window(p.start_date, p.end_date) AS in_window,
       p.cin_plan_id AS child_in_need_plan_id, p.start_date,
       CASE WHEN p.end_date <= getvariable('dfe_as_at') THEN p.end_date END AS end_date
FROM fact_cin_plan p JOIN dfe_cohort USING (child_key)
WHERE p.start_date <= getvariable('dfe_as_at')
