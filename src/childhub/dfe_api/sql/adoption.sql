-- adoption: the child's adoption pathway (the decision that the child should be placed for adoption, the match, the
-- placement), one per episode: the latest decision's, in the episode of the latest referral before it.
WITH pathway AS (
    SELECT child_key, decision_date, max(matched_date) AS matched_date, max(placed_date) AS placed_date
    FROM fact_permanence
    WHERE coalesce(decision_date, matched_date, placed_date) <= getvariable('dfe_as_at')
    GROUP BY ALL
)
SELECT p.child_key,
       dfe_episode_for(p.child_key, NULL, coalesce(p.decision_date, p.matched_date, p.placed_date))
           AS social_care_episode_id,
       dfe_in_window(coalesce(p.decision_date, p.matched_date, p.placed_date), p.placed_date) AS in_window,
       p.decision_date AS initial_decision_date,
       CASE WHEN p.matched_date <= getvariable('dfe_as_at') THEN p.matched_date END AS matched_date,
       CASE WHEN p.placed_date <= getvariable('dfe_as_at') THEN p.placed_date END AS placed_date
FROM pathway p JOIN dfe_cohort USING (child_key)
QUALIFY row_number() OVER (PARTITION BY p.child_key, social_care_episode_id
                           ORDER BY coalesce(p.decision_date, p.matched_date, p.placed_date) DESC) = 1
