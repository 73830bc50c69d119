-- fact_cin_plan: one row per child-in-need plan.
SELECT c.cinp_cin_plan_id AS cin_plan_id, c.cinp_referral_id AS referral_id, c.cinp_person_id AS person_id,
       p.child_id, coalesce(p.child_key, c.source_system || ':' || c.cinp_person_id) AS child_key, c.cinp_cin_plan_start_date AS start_date, c.cinp_cin_plan_end_date AS end_date,
       c.cinp_cin_plan_team AS team_id, c.cinp_cin_plan_worker_id AS worker_id
FROM @current(cin_plans) c
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cinp_person_id
WHERE c.cinp_cin_plan_start_date IS NOT NULL
