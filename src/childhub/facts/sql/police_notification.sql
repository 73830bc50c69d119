-- fact_police_notification: one row per police domestic-abuse notification about a child.
SELECT n.poln_person_id AS person_id, p.child_id, child_key_of(p.child_key, n.source_system, n.poln_person_id) AS child_key, n.poln_incident_date AS incident_date,
       n.poln_notification_date AS notification_date
FROM @current(police_notifications) n
LEFT JOIN fact_person p ON p.source_system = n.source_system AND p.person_id = n.poln_person_id
