-- fact_attendance: one row per pupil, school, academic year and term: sessions possible and missed.
-- academic_year_start is the 1 September that starts the academic year ('2024/25' -> 2024-09-01).
SELECT a.attd_person_id AS person_id, p.child_id, child_key_of(p.child_key, a.source_system, a.attd_person_id) AS child_key, a.attd_school_urn AS school_urn,
       a.attd_academic_year AS academic_year,
       make_date(CAST(left(a.attd_academic_year, 4) AS INTEGER), 9, 1) AS academic_year_start,
       upper(a.attd_term) AS term, a.attd_possible_sessions AS possible_sessions,
       coalesce(a.attd_sessions_authorised_absence, 0) + coalesce(a.attd_sessions_unauthorised_absence, 0)
           AS sessions_missed
FROM @current(school_attendance) a
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.attd_person_id
WHERE regexp_full_match(a.attd_academic_year, '[0-9]{4}/[0-9]{2}')
