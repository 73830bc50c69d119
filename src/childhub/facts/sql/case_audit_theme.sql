-- fact_case_audit_theme: one row per theme a case file audit looked at (a case_audit_theme code), with the theme's
-- own grade where the audit gave one (a case_audit_grade code, else NULL) and the audit's day and overall grade.
SELECT t.cath_audit_id AS audit_id, a.person_id, a.child_id, a.child_key, a.audit_date, a.grade AS audit_grade,
       lower(trim(t.cath_theme)) AS theme, lower(trim(t.cath_theme_grade)) AS theme_grade
FROM @current(case_audit_themes) t
JOIN fact_case_audit a ON a.source_system = t.source_system AND a.audit_id = t.cath_audit_id
QUALIFY row_number() OVER (PARTITION BY t.source_system, t.cath_audit_id, lower(trim(t.cath_theme))
                           ORDER BY t.cath_theme_grade NULLS LAST) = 1
