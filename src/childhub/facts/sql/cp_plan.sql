-- fact_cp_plan: one row per child protection plan, numbered within the child's plans (plan_number 1 is the first).
WITH plan AS (
    SELECT * FROM @current(cp_plans)
    WHERE cppl_cp_plan_start_date IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY cppl_person_id, cppl_cp_plan_start_date ORDER BY batch_id DESC) = 1
)
SELECT c.cppl_cp_plan_id AS cp_plan_id, c.cppl_person_id AS person_id, p.child_id, child_key_of(p.child_key, c.source_system, c.cppl_person_id) AS child_key,
       c.cppl_cp_plan_start_date AS start_date, c.cppl_cp_plan_end_date AS end_date,
       upper(trim(c.cppl_cp_plan_initial_category)) AS initial_category,
       upper(trim(coalesce(c.cppl_cp_plan_latest_category, c.cppl_cp_plan_initial_category))) AS latest_category,
       row_number() OVER (PARTITION BY c.cppl_person_id ORDER BY c.cppl_cp_plan_start_date) AS plan_number
FROM plan c
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cppl_person_id
