-- fact_uasc: one row per unaccompanied asylum-seeking child, with the date they ceased to be one (if they have).
SELECT u.clau_person_id AS person_id, p.child_id, child_key_of(p.child_key, u.source_system, u.clau_person_id) AS child_key, max(u.clau_uasc_ceased_date) AS ceased_date
FROM @current(cla_uasc) u
LEFT JOIN fact_person p ON p.source_system = u.source_system AND p.person_id = u.clau_person_id
GROUP BY ALL
