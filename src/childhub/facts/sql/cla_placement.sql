-- fact_cla_placement: one row per placement of a looked-after child: an SSDA903 episode that starts a new placement
-- (RNE S, P, B, T or U) and the episodes after it in the same period of care that do not (RNE L changes only the
-- legal status). end_date is the last episode's date ceased (NULL while it lasts); short_break is true when every
-- episode in it was a short break (V3, V4); previous_start_date is when the placement before it in the period began.
WITH numbered AS (
    SELECT person_id, child_id, child_key, period_number, period_start, start_date, ceased, short_break,
           placement_type, placement_provider,
           sum(CASE WHEN new_placement THEN 1 ELSE 0 END)
               OVER (PARTITION BY person_id, period_number ORDER BY start_date) AS placement_number
    FROM fact_cla_episode
),
placement AS (
    SELECT person_id, any_value(child_id) AS child_id, any_value(child_key) AS child_key, period_number,
           any_value(period_start) AS period_start, placement_number,
           min(start_date) AS start_date,
           CASE WHEN bool_and(ceased IS NOT NULL) THEN max(ceased) END AS end_date,
           arg_max(placement_type, start_date) AS placement_type,
           arg_max(placement_provider, start_date) AS placement_provider,
           bool_and(short_break) AS short_break
    FROM numbered
    GROUP BY person_id, period_number, placement_number
)
SELECT person_id, child_id, child_key, period_number, period_start, placement_number, start_date, end_date,
       placement_type, placement_provider, short_break,
       lag(start_date) OVER (PARTITION BY person_id, period_number ORDER BY start_date) AS previous_start_date
FROM placement
