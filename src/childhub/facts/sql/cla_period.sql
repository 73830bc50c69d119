-- fact_cla_period: one row per period of care (a run of episodes from RNE S to a reason ceased other than X1),
-- with its end (NULL while it lasts), how it ended (its last episode's reason ceased, NULL when that episode gave
-- none), whether every episode in it was a short break, and whether its start is on record (start_on_record, see
-- fact_cla_episode: false when its first episode on record continues care begun before it).
-- care_spans: the period's episodes that were not short breaks (legal status V3 or V4), as {start_date, ceased,
-- reason_ceased},
-- oldest first (empty when the period is short breaks only): the child was looked after only in these, so
-- care_period_on and care_period_during (facts/sql/_macros.sql) read them, not the period's start and end.
SELECT person_id, any_value(child_id) AS child_id, any_value(child_key) AS child_key, period_number,
       min(start_date) AS start_date,
       CASE WHEN bool_and(ceased IS NOT NULL) THEN max(ceased) END AS end_date,
       arg_max_null(reason_ceased, start_date) AS reason_ceased,
       bool_and(start_on_record) AS start_on_record,
       bool_and(short_break) AS short_breaks_only,
       arg_min(category_of_need, start_date) AS category_of_need,
       coalesce(list({'start_date': start_date, 'ceased': ceased, 'reason_ceased': reason_ceased} ORDER BY start_date) FILTER (WHERE NOT short_break),
                []) AS care_spans
FROM fact_cla_episode
GROUP BY person_id, period_number
