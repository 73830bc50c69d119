-- list_10_adoption: one row per child's adoption pathway (a decision that the child should be placed for
-- adoption) that, in the 12 months before the as-at date, ended in an adoption order, was reversed, or was
-- still open on the as-at date (decided, neither adopted nor reversed by then).
-- Window: adoption order or reversal dated from the as-at date 12 months earlier up to the as-at date, both
-- days in; or a decision on or before the as-at date with neither by then. Records of one pathway from several
-- returns (same child, same decision date) are one row, each date taken where any record gives it.
-- Family identifier: childhub's family_id (family_member rows that still hold, by child_id).
-- Date the child entered care: the start of the child's latest period of care begun on or before the decision.
-- Sources:
--   family_identifier: family_member.family_id
--   date_entered_care: fact_cla_period.start_date
--   date_of_adoption_decision: fact_permanence.decision_date
--   date_of_placement_order: fact_permanence.placement_order_date
--   date_of_matching: fact_permanence.matched_date
--   date_placed_for_adoption: fact_permanence.placed_date
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
       a.placement_order_date AS date_of_placement_order,
       a.matched_date AS date_of_matching,
       a.placed_date AS date_placed_for_adoption,
       a.adoption_order_date AS date_of_adoption_order,
       a.reversed_date AS date_of_decision_reversed,
       a.reversed_reason AS reason_no_longer_placed,
       a.placed_ffa_date AS date_placed_in_ffa_or_concurrent_placement
FROM listed a
LEFT JOIN fact_child c ON c.child_key = a.child_key
ORDER BY a.decision_date, child_unique_id
