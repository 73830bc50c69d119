-- child_protection_plans: each child protection plan begun by the day of the send (in the episode of the latest
-- referral before it: the plans hold no referral).
SELECT p.child_key, dfe_episode_for(p.child_key, NULL, p.start_date) AS social_care_episode_id,
       dfe_in_window(p.start_date, p.end_date) AS in_window,
       p.cp_plan_id AS child_protection_plan_id, p.start_date,
       CASE WHEN p.end_date <= getvariable('dfe_as_at') THEN p.end_date END AS end_date
FROM fact_cp_plan p JOIN dfe_cohort USING (child_key)
WHERE p.start_date <= getvariable('dfe_as_at')
