-- child_looked_after_placements: each placement of a looked-after child begun by the day of the send: an SSDA903
-- episode that starts a new placement and the episodes after it in the same period of care that do not (as
-- fact_cla_placement numbers them), with the reason the first began (RNE), the placement type and postcode of the
-- last, the reason the last ceased (REC) when it has, and the reason the placement changed (the SSD's placement
-- record of that start date).
WITH numbered AS (
    SELECT *,
           sum(CASE WHEN new_placement THEN 1 ELSE 0 END)
               OVER (PARTITION BY person_id, period_number ORDER BY start_date) AS placement_number
    FROM fact_cla_episode
    WHERE start_date <= getvariable('dfe_as_at')
),
placement AS (
    SELECT person_id, any_value(child_key) AS child_key, period_number, placement_number,
           min(start_date) AS start_date,
           arg_min(reason_new, start_date) AS start_reason,
           arg_max(placement_type, start_date) AS placement_type,
           arg_max(placement_postcode, start_date) AS postcode,
           CASE WHEN bool_and(ceased IS NOT NULL AND ceased <= getvariable('dfe_as_at')) THEN max(ceased) END
               AS end_date,
           arg_max(reason_ceased, start_date) AS last_reason_ceased
    FROM numbered
    GROUP BY person_id, period_number, placement_number
),
recorded AS (
    SELECT clap_person_id AS person_id, clap_cla_placement_start_date AS start_date,
           arg_max(clap_cla_placement_id, batch_id) AS placement_id,
           arg_max(upper(trim(clap_cla_placement_change_reason)), batch_id)
               FILTER (WHERE nullif(trim(clap_cla_placement_change_reason), '') IS NOT NULL) AS change_reason
    FROM dfe_cla_placement
    GROUP BY ALL
)
SELECT p.child_key, dfe_episode_for(p.child_key, NULL, p.start_date) AS social_care_episode_id,
       dfe_in_window(p.start_date, p.end_date) AS in_window,
       coalesce(r.placement_id, p.person_id || ':' || CAST(p.start_date AS VARCHAR)) AS child_looked_after_placement_id,
       p.start_date, p.start_reason, p.placement_type, p.postcode, p.end_date,
       CASE WHEN p.end_date IS NOT NULL THEN p.last_reason_ceased END AS end_reason,
       r.change_reason
FROM placement p
JOIN dfe_cohort USING (child_key)
LEFT JOIN recorded r ON r.person_id = p.person_id AND r.start_date = p.start_date
