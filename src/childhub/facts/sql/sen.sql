-- fact_sen: one row per pupil's SEN provision at a census date: K (SEN support) or E (EHC plan).
SELECT s.senp_person_id AS person_id, p.child_id, child_key_of(p.child_key, s.source_system, s.senp_person_id) AS child_key, s.senp_census_date AS census_date,
       upper(trim(s.senp_sen_provision)) AS provision, s.senp_primary_need AS primary_need
FROM @current(sen_provision) s
LEFT JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.senp_person_id
