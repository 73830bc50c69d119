-- fact_person: one row per person in each source system, their latest values merged across feeds, with their child ID.
-- sex is M, F, U (not stated or unborn) or I (indeterminate); disability is Y, N or NULL (nothing recorded).
-- name_recorded_on, date_of_birth_recorded_on and sex_recorded_on are the dates of the newest extract that held
-- each (its extract date, else the day it was loaded; never after the day it was loaded: a return in progress is
-- dated by the end of its collection year, a day that has not come): how recent the record is, for the
-- precedence that chooses a child's demographics.
-- nhs_number is the record's own latest, or the number an NHS batch trace found for the record (linked_identifiers of
-- type 'NHS number (traced)', under the reference '<source system>-<record ID>': childhub.ingest.nhs_trace) when the
-- record holds none or its own number was first recorded before the trace; nhs_number_traced says which.
WITH dated AS (
    SELECT p.*, least(coalesce(b.extract_date, CAST(b.started_at AS DATE)), CAST(b.started_at AS DATE)) AS recorded_on
    FROM @current(person) p
    JOIN ingest_batch b USING (batch_id)
),
field AS (
    SELECT source_system, pers_person_id AS person_id,
           arg_max(pers_forename, batch_id) FILTER (WHERE pers_forename IS NOT NULL) AS forename,
           arg_max(pers_surname, batch_id) FILTER (WHERE pers_surname IS NOT NULL) AS surname,
           arg_max(upper(trim(coalesce(pers_sex, pers_gender))), batch_id)
               FILTER (WHERE coalesce(pers_sex, pers_gender) IS NOT NULL) AS sex_code,
           arg_max(upper(trim(pers_ethnicity)), batch_id) FILTER (WHERE pers_ethnicity IS NOT NULL) AS ethnicity,
           arg_max(pers_dob, batch_id) FILTER (WHERE pers_dob IS NOT NULL) AS date_of_birth,
           arg_max(pers_expected_dob, batch_id) FILTER (WHERE pers_expected_dob IS NOT NULL) AS expected_date_of_birth,
           arg_max(pers_death_date, batch_id) FILTER (WHERE pers_death_date IS NOT NULL) AS date_of_death,
           arg_max(pers_upn, batch_id) FILTER (WHERE pers_upn IS NOT NULL) AS upn,
           arg_max(replace(pers_nhs_number, ' ', ''), batch_id) FILTER (WHERE pers_nhs_number IS NOT NULL) AS nhs_number,
           max(recorded_on) FILTER (WHERE pers_forename IS NOT NULL OR pers_surname IS NOT NULL) AS name_recorded_on,
           max(recorded_on) FILTER (WHERE pers_dob IS NOT NULL) AS date_of_birth_recorded_on,
           max(recorded_on) FILTER (WHERE coalesce(pers_sex, pers_gender) IS NOT NULL) AS sex_recorded_on
    FROM dated
    GROUP BY ALL
),
disability AS (
    SELECT source_system, disa_person_id AS person_id,
           CASE WHEN bool_or(upper(disa_disability_code) <> 'NONE') THEN 'Y' ELSE 'N' END AS disability
    FROM @current(disability)
    GROUP BY ALL
),
home AS (
    SELECT source_system, addr_person_id AS person_id,
           arg_max(upper(trim(addr_address_postcode)),
                   (coalesce(addr_address_start_date, DATE '1900-01-01'), upper(trim(addr_address_postcode))))
               FILTER (WHERE addr_address_end_date IS NULL AND addr_address_postcode IS NOT NULL) AS postcode
    FROM @current(address)
    GROUP BY ALL
),
link AS (
    SELECT source_system, source_record_id AS person_id, child_id FROM child_link WHERE valid_to IS NULL
),
traced AS (
    SELECT link_person_id AS reference, arg_max(replace(link_identifier_value, ' ', ''), batch_id) AS nhs_number,
           max(batch_id) AS traced_batch
    FROM @current(linked_identifiers)
    WHERE link_identifier_type = 'NHS number (traced)' AND link_identifier_value IS NOT NULL
    GROUP BY ALL
),
own_since AS (  -- the first batch (of all ever loaded) holding each number a record has held
    SELECT p.source_system, p.pers_person_id AS person_id, replace(p.pers_nhs_number, ' ', '') AS nhs_number,
           min(p.batch_id) AS since
    FROM person p
    JOIN ingest_batch b USING (batch_id)
    WHERE b.status = 'loaded' AND p.pers_nhs_number IS NOT NULL
    GROUP BY ALL
),
numbered AS (
    SELECT f.source_system, f.person_id,
           t.nhs_number IS NOT NULL AND (f.nhs_number IS NULL OR t.traced_batch > o.since) AS nhs_number_traced,
           CASE WHEN nhs_number_traced THEN t.nhs_number ELSE f.nhs_number END AS nhs_number
    FROM field f
    LEFT JOIN traced t ON t.reference = f.source_system || '-' || f.person_id
    LEFT JOIN own_since o ON o.source_system = f.source_system AND o.person_id = f.person_id
                         AND o.nhs_number = f.nhs_number
)
SELECT f.source_system, f.person_id, l.child_id,
       child_key_of('C' || l.child_id, f.source_system, f.person_id) AS child_key,
       f.forename, f.surname,
       CASE WHEN f.sex_code IN ('M', '1', 'MALE', 'A') THEN 'M'
            WHEN f.sex_code IN ('F', '2', 'FEMALE', 'B') THEN 'F'
            WHEN f.sex_code IN ('I', 'D', 'NEITHER', 'INDETERMINATE') THEN 'I'
            ELSE 'U' END AS sex,
       f.ethnicity, f.date_of_birth, f.expected_date_of_birth, f.date_of_death, f.upn, n.nhs_number, n.nhs_number_traced,
       d.disability, h.postcode,
       postcode_district(h.postcode) AS area,
       f.name_recorded_on, f.date_of_birth_recorded_on, f.sex_recorded_on
FROM field f
JOIN numbered n USING (source_system, person_id)
LEFT JOIN disability d USING (source_system, person_id)
LEFT JOIN home h USING (source_system, person_id)
LEFT JOIN link l USING (source_system, person_id)
