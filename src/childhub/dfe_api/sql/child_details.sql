-- child_details: the child as fact_child chooses them (name, date of birth, sex, ethnicity), the UPN and postcode of
-- the child's case-management record (else of any of the child's records), the disability codes every social care
-- record of the child holds (NONE only when that is all they hold; NULL when nothing is recorded), and the UASC flag
-- when the child was unaccompanied and asylum-seeking during the window (a flag that ended before it is not sent).
WITH own AS (
    SELECT pers_person_id AS person_id,
           arg_max(nullif(trim(pers_upn), ''), batch_id) FILTER (WHERE nullif(trim(pers_upn), '') IS NOT NULL) AS upn,
           arg_max(nullif(trim(pers_former_upn), ''), batch_id)
               FILTER (WHERE nullif(trim(pers_former_upn), '') IS NOT NULL) AS former_upn,
           arg_max(upper(trim(pers_upn_unknown)), batch_id)
               FILTER (WHERE nullif(trim(pers_upn_unknown), '') IS NOT NULL) AS upn_unknown
    FROM dfe_person
    GROUP BY ALL
),
any_upn AS (
    SELECT child_key, arg_min(upn, (source_system, person_id)) AS upn
    FROM fact_person WHERE upn IS NOT NULL
    GROUP BY ALL
),
disability AS (
    SELECT r.child_key,
           list(DISTINCT upper(trim(d.disa_disability_code)) ORDER BY upper(trim(d.disa_disability_code)))
               FILTER (WHERE upper(trim(d.disa_disability_code)) <> 'NONE') AS codes,
           bool_or(upper(trim(d.disa_disability_code)) = 'NONE') AS none_recorded
    FROM dfe_disability d JOIN dfe_record r ON r.person_id = d.disa_person_id
    WHERE nullif(trim(d.disa_disability_code), '') IS NOT NULL
    GROUP BY ALL
),
uasc AS (
    SELECT child_key, bool_or(ceased_date IS NULL) AS open, max(ceased_date) AS ceased_date
    FROM fact_uasc
    GROUP BY ALL
)
SELECT c.child_key,
       coalesce(o.upn, a.upn) AS unique_pupil_number,
       o.former_upn AS former_unique_pupil_number,
       CASE WHEN coalesce(o.upn, a.upn) IS NULL THEN o.upn_unknown END AS unique_pupil_number_unknown_reason,
       f.forename AS first_name,
       f.surname,
       f.date_of_birth,
       f.expected_date_of_birth,
       CASE WHEN f.sex IN ('M', 'F') THEN f.sex ELSE 'U' END AS sex,
       f.ethnicity,
       CASE WHEN len(d.codes) > 0 THEN d.codes WHEN d.none_recorded THEN ['NONE'] END AS disabilities,
       p.postcode,
       coalesce(u.open OR u.ceased_date >= getvariable('dfe_window_start'), false) AS uasc_flag,
       CASE WHEN u.ceased_date >= getvariable('dfe_window_start') AND NOT u.open THEN u.ceased_date END AS uasc_end_date
FROM dfe_cohort c
JOIN fact_child f USING (child_key)
LEFT JOIN fact_person p ON p.source_system = 'social_care' AND p.person_id = c.la_child_id
LEFT JOIN own o ON o.person_id = c.la_child_id
LEFT JOIN any_upn a ON a.child_key = c.child_key
LEFT JOIN disability d ON d.child_key = c.child_key
LEFT JOIN uasc u ON u.child_key = c.child_key
