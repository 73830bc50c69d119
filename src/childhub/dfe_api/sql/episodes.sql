-- social_care_episodes: each referral of a cohort child made by the day of the send, and the CIN episode that
-- follows it (a closure after the day of the send is not known then). in_window: the episode overlaps the window
-- (an episode before it is sent only when it holds a plan, placement or the like that overlaps the window).
SELECT r.child_key, r.referral_id AS social_care_episode_id,
       r.referral_date, r.referral_source,
       r.nfa AS referral_no_further_action_flag,
       CASE WHEN r.close_date <= getvariable('dfe_as_at') THEN r.close_date END AS closure_date,
       CASE WHEN r.close_date <= getvariable('dfe_as_at') THEN r.close_reason END AS closure_reason,
       dfe_in_window(r.referral_date, r.close_date) AS in_window
FROM fact_referral r JOIN dfe_cohort USING (child_key)
WHERE r.referral_date <= getvariable('dfe_as_at') AND r.referral_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY r.child_key, r.referral_id ORDER BY r.referral_date) = 1
