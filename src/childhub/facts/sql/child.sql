-- fact_child: one row per child (linked across systems), with the demographics the child's records agree on
-- (social care's first, then the other systems') and the services the child is known to.
SELECT child_key, any_value(child_id) AS child_id,
       arg_min(person_id, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END)
           FILTER (WHERE source_system = 'social_care') AS la_child_id,
       arg_min(sex, CASE WHEN sex = 'U' THEN 2 WHEN source_system = 'social_care' THEN 0 ELSE 1 END) AS sex,
       arg_min(ethnicity, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END)
           FILTER (WHERE ethnicity IS NOT NULL) AS ethnicity,
       arg_min(date_of_birth, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END)
           FILTER (WHERE date_of_birth IS NOT NULL) AS date_of_birth,
       arg_min(expected_date_of_birth, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END)
           FILTER (WHERE expected_date_of_birth IS NOT NULL) AS expected_date_of_birth,
       arg_min(disability, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END)
           FILTER (WHERE disability IS NOT NULL) AS disability,
       arg_min(area, CASE source_system WHEN 'social_care' THEN 0 ELSE 1 END) FILTER (WHERE area IS NOT NULL) AS area,
       list(DISTINCT source_system ORDER BY source_system) AS source_systems
FROM fact_person
GROUP BY child_key
