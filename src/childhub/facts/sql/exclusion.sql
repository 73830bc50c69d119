-- fact_exclusion: one row per suspension or permanent exclusion from school (category PERM is permanent).
SELECT x.excl_person_id AS person_id, p.child_id, child_key_of(p.child_key, x.source_system, x.excl_person_id) AS child_key, x.excl_start_date AS start_date,
       upper(trim(x.excl_category)) AS category, x.excl_reason_code AS reason, x.excl_sessions AS sessions
FROM @current(school_exclusions) x
LEFT JOIN fact_person p ON p.source_system = x.source_system AND p.person_id = x.excl_person_id
