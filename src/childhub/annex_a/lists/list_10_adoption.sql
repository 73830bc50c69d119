-- list_10_adoption: one row per child's adoption pathway (a decision that the child should be placed for
-- adoption) that, in the 12 months before the as-at date, ended in an adoption order, was reversed, or was
-- still open on the as-at date (decided, neither adopted nor reversed by then).
-- Window: adoption order or reversal dated from the as-at date 12 months earlier up to the as-at date, both
-- days in; or a decision on or before the as-at date with neither by then. Records of one pathway from several
-- returns (same child, same decision date) are one row, each date taken where any record gives it.
-- Family identifier: childhub's family_id (family_member rows that still hold, by child_id).
-- Date the child entered care: the start of the child's latest period of care begun on or before the decision.
-- Where no permanence record gives the placement order or the placement for adoption, the SSDA903 episodes of
-- that period of care do, by the as-at date (as fact_cla_adoption reads them): the first episode with legal status
-- E1 (placement order granted), the latest new placement of type A3 to A6 (placed for adoption).
-- Sources:
--   family_identifier: family_member.family_id
--   date_entered_care: fact_cla_period.start_date
--   date_of_adoption_decision: fact_permanence.decision_date
--   date_of_placement_order: fact_permanence.placement_order_date, else fact_cla_episode (legal status E1)
--   date_of_matching: fact_permanence.matched_date
--   date_placed_for_adoption: fact_permanence.placed_date, else fact_cla_episode (placement A3 to A6)
--   date_of_adoption_order: fact_permanence.adoption_order_date
--   date_of_decision_reversed: fact_permanence.reversed_date
--   reason_no_longer_placed: fact_permanence.reversed_reason
--   date_placed_in_ffa_or_concurrent_placement: fact_permanence.placed_ffa_date
WITH pathway AS (
    SELECT child_key, decision_date, any_value(child_id) AS child_id, min(person_id) AS person_id,
           max(annex_a_by(placement_order_date, $as_at)) AS placement_order_date,
           max(annex_a_by(matched_date, $as_at)) AS matched_date,
           max(annex_a_by(placed_date, $as_at)) AS placed_date,
           max(annex_a_by(placed_ffa_date, $as_at)) AS placed_ffa_date,
           max(annex_a_by(reversed_date, $as_at)) AS reversed_date,
           arg_max(reversed_reason, reversed_date) FILTER (WHERE reversed_date <= $as_at) AS reversed_reason,
           max(annex_a_by(adoption_order_date, $as_at)) AS adoption_order_date
    FROM fact_permanence
    WHERE decision_date <= $as_at
    GROUP BY child_key, decision_date
),
care AS (  -- each period of care's first placement order and latest placement for adoption, by the as-at date
    SELECT child_key, period_start,
           min(start_date) FILTER (WHERE legal_status = 'E1') AS placement_order_date,
           max(start_date) FILTER (WHERE new_placement AND placement_type IN ('A3', 'A4', 'A5', 'A6')) AS placed_date
    FROM fact_cla_episode
    WHERE start_date <= $as_at
    GROUP BY child_key, period_start
),
from_care AS (  -- for each pathway, the latest period of care begun on or before its decision
    SELECT p.child_key, p.decision_date,
           arg_max({'placement_order_date': k.placement_order_date, 'placed_date': k.placed_date}, k.period_start)
               AS care
    FROM pathway p
    JOIN care k ON k.child_key = p.child_key AND k.period_start <= p.decision_date
    GROUP BY p.child_key, p.decision_date
),
listed AS (
    SELECT * FROM pathway
    WHERE adoption_order_date >= annex_a_months_before($as_at, 12)
       OR reversed_date >= annex_a_months_before($as_at, 12)
       OR (adoption_order_date IS NULL AND reversed_date IS NULL)
)
SELECT coalesce(c.la_child_id, a.person_id) AS child_unique_id,
       (SELECT CAST(min(f.family_id) AS VARCHAR) FROM family_member f
        WHERE f.child_id = a.child_id AND f.valid_to IS NULL) AS family_identifier,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       coalesce(c.disability, 'U') AS disability,
       (SELECT max(p.start_date) FROM fact_cla_period p
        WHERE p.child_key = a.child_key AND p.start_date <= a.decision_date) AS date_entered_care,
       a.decision_date AS date_of_adoption_decision,
       coalesce(a.placement_order_date, f.care.placement_order_date) AS date_of_placement_order,
       a.matched_date AS date_of_matching,
       coalesce(a.placed_date, f.care.placed_date) AS date_placed_for_adoption,
       a.adoption_order_date AS date_of_adoption_order,
       a.reversed_date AS date_of_decision_reversed,
       a.reversed_reason AS reason_no_longer_placed,
       a.placed_ffa_date AS date_placed_in_ffa_or_concurrent_placement
FROM listed a
LEFT JOIN fact_child c ON c.child_key = a.child_key
LEFT JOIN from_care f ON f.child_key = a.child_key AND f.decision_date = a.decision_date
ORDER BY a.decision_date, child_unique_id
