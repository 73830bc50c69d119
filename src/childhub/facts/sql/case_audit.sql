-- fact_case_audit: one row per audit of a child's case file: the day it was completed, the auditor, its overall
-- grade (a case_audit_grade code; grade_rank 1 outstanding, 2 good, 3 requires improvement, 4 inadequate) and the
-- themes it looked at (case_audit_theme codes, in order; from case_audit_themes).
WITH themes AS (
    SELECT source_system, cath_audit_id AS audit_id,
           list(DISTINCT lower(trim(cath_theme)) ORDER BY lower(trim(cath_theme))) AS themes
    FROM @current(case_audit_themes)
    GROUP BY ALL
)
SELECT a.caud_audit_id AS audit_id, a.caud_person_id AS person_id, p.child_id,
       child_key_of(p.child_key, a.source_system, a.caud_person_id) AS child_key, a.source_system,
       a.caud_audit_date AS audit_date, a.caud_auditor AS auditor, lower(trim(a.caud_overall_grade)) AS grade,
       CASE lower(trim(a.caud_overall_grade))
           WHEN 'outstanding' THEN 1 WHEN 'good' THEN 2 WHEN 'requires_improvement' THEN 3 WHEN 'inadequate' THEN 4
       END AS grade_rank,
       coalesce(t.themes, []::VARCHAR[]) AS themes
FROM @current(case_audits) a
LEFT JOIN themes t ON t.source_system = a.source_system AND t.audit_id = a.caud_audit_id
LEFT JOIN fact_person p ON p.source_system = a.source_system AND p.person_id = a.caud_person_id
