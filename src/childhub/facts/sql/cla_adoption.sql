-- fact_cla_adoption: one row per adoption from care: a period of care that ended with reason E11 or E12 (adopted),
-- with the dates the adoption scorecard measures between. entered_care_date is the start of that period of care;
-- placement_order_date, matched_date and placed_date are the latest of each recorded on the child's permanence
-- records within the period of care (on or after it started, on or before the adoption), else from the episodes:
-- the first episode with legal status E1 (placement order granted), the latest new placement of type A3 to A6
-- (placed for adoption). The episodes carry no match date.
WITH adopted AS (
    SELECT person_id, child_id, child_key, period_number, start_date AS entered_care_date,
           end_date AS adoption_date, reason_ceased
    FROM fact_cla_period
    WHERE reason_ceased IN ('E11', 'E12') AND end_date IS NOT NULL
),
recorded AS (
    SELECT a.person_id, a.period_number,
           max(pm.placement_order_date)
               FILTER (WHERE pm.placement_order_date BETWEEN a.entered_care_date AND a.adoption_date)
               AS placement_order_date,
           max(pm.matched_date) FILTER (WHERE pm.matched_date BETWEEN a.entered_care_date AND a.adoption_date)
               AS matched_date,
           max(pm.placed_date) FILTER (WHERE pm.placed_date BETWEEN a.entered_care_date AND a.adoption_date)
               AS placed_date
    FROM adopted a
    JOIN fact_permanence pm ON pm.person_id = a.person_id
    GROUP BY a.person_id, a.period_number
),
episodes AS (
    SELECT person_id, period_number,
           min(start_date) FILTER (WHERE legal_status = 'E1') AS placement_order_date,
           max(start_date) FILTER (WHERE new_placement AND placement_type IN ('A3', 'A4', 'A5', 'A6')) AS placed_date
    FROM fact_cla_episode
    GROUP BY person_id, period_number
)
SELECT a.person_id, a.child_id, a.child_key, a.period_number, a.entered_care_date, a.adoption_date, a.reason_ceased,
       coalesce(r.placement_order_date, e.placement_order_date) AS placement_order_date,
       r.matched_date,
       coalesce(r.placed_date, e.placed_date) AS placed_date
FROM adopted a
LEFT JOIN recorded r ON r.person_id = a.person_id AND r.period_number = a.period_number
LEFT JOIN episodes e ON e.person_id = a.person_id AND e.period_number = a.period_number
