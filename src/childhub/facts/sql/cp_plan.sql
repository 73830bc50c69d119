-- fact_cp_plan: one row per child protection plan, numbered within the child's plans (plan_number 1 is the first).
-- previous_plans: how many plans the child had before this one, at any time: the larger of the plans childhub has
-- seen start earlier (for the linked child, from any system or record; one plan per start date, however many of the
-- child's records hold it) and the number the CIN census reports for the plan
-- (NumberOfPreviousCPP, which knows plans older than any return childhub holds). date_of_birth is the child's
-- on the plan's own system (a plan ends in law at 18: cp_plan_on leaves out a plan recorded open past it).
WITH plan AS (
    SELECT * FROM @current(cp_plans)
    WHERE cppl_cp_plan_start_date IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY cppl_person_id, cppl_cp_plan_start_date ORDER BY batch_id DESC) = 1
),
keyed AS (
    SELECT c.cppl_cp_plan_id AS cp_plan_id, c.cppl_person_id AS person_id, p.child_id,
           child_key_of(p.child_key, c.source_system, c.cppl_person_id) AS child_key,
           c.cppl_cp_plan_start_date AS start_date, c.cppl_cp_plan_end_date AS end_date,
           upper(trim(c.cppl_cp_plan_initial_category)) AS initial_category,
           upper(trim(coalesce(c.cppl_cp_plan_latest_category, c.cppl_cp_plan_initial_category))) AS latest_category,
           row_number() OVER (PARTITION BY c.cppl_person_id ORDER BY c.cppl_cp_plan_start_date) AS plan_number,
           c.cppl_previous_cp_plans AS reported_previous_plans, p.date_of_birth
    FROM plan c
    LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cppl_person_id
)
SELECT cp_plan_id, person_id, child_id, child_key, start_date, end_date, initial_category, latest_category,
       plan_number, date_of_birth, reported_previous_plans,
       CAST(greatest(dense_rank() OVER (PARTITION BY child_key ORDER BY start_date) - 1,
                     coalesce(reported_previous_plans, 0)) AS INTEGER) AS previous_plans
FROM keyed
