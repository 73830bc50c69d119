-- fact_permanence: one row per adoption (or other permanence) pathway: decision, placement order, match,
-- placement, reversal, and the adoption order (from the episode that ceased E11 or E12).
SELECT a.perm_table_id AS permanence_id, a.perm_person_id AS person_id, p.child_id, child_key_of(p.child_key, a.source_system, a.perm_person_id) AS child_key,
       a.perm_adm_decision_date AS decision_date, a.perm_placement_order_date AS placement_order_date,
       a.perm_matched_date AS matched_date, a.perm_placed_for_adoption_date AS placed_date,
       a.perm_placed_ffa_cp_date AS placed_ffa_date, a.perm_decision_reversed_date AS reversed_date,
       upper(trim(a.perm_decision_reversed_reason)) AS reversed_reason,
       coalesce(a.perm_permanence_order_date,
                (SELECT max(e.ceased) FROM fact_cla_episode e
                 WHERE e.person_id = a.perm_person_id AND e.reason_ceased IN ('E11', 'E12'))) AS adoption_order_date
FROM @current(permanence) a
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.perm_person_id
