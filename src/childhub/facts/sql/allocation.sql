-- fact_allocation: one row per period a worker (and their team) held a child's case.
SELECT a.invo_involvements_id AS allocation_id, a.invo_person_id AS person_id, p.child_id, child_key_of(p.child_key, a.source_system, a.invo_person_id) AS child_key,
       a.invo_professional_id AS worker_id, coalesce(a.invo_professional_team, w.team_id) AS team_id,
       a.invo_professional_role_id AS role, a.invo_involvement_start_date AS start_date,
       a.invo_involvement_end_date AS end_date
FROM @current(involvements) a
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.invo_person_id
LEFT JOIN fact_worker w ON w.worker_id = a.invo_professional_id
WHERE a.invo_person_id IS NOT NULL AND a.invo_involvement_start_date IS NOT NULL
