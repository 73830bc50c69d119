-- fact_youth_justice: one row per youth justice outcome (caution or sentence).
SELECT y.yjus_person_id AS person_id, p.child_id, child_key_of(p.child_key, y.source_system, y.yjus_person_id) AS child_key, y.yjus_offence_date AS offence_date,
       y.yjus_outcome_date AS outcome_date, y.yjus_outcome_type AS outcome_type, y.yjus_outcome_tier AS tier,
       coalesce(y.yjus_first_time_entrant, false) AS first_time_entrant
FROM @current(youth_justice_outcomes) y
LEFT JOIN fact_person p ON p.source_system = y.source_system AND p.person_id = y.yjus_person_id
