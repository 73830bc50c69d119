-- fact_team: one row per team, with its service area (the parent the case-management system gives it).
SELECT dept_team_id AS team_id, dept_team_name AS team_name,
       coalesce(dept_team_parent_name, dept_team_parent_id) AS service_area
FROM @current(department)
WHERE dept_team_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY dept_team_id ORDER BY batch_id DESC) = 1
