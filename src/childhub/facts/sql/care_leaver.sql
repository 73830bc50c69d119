-- fact_care_leaver: one row per care leaver record (SSDA903 OC3 or the SSD care leaver table): in touch,
-- accommodation, its suitability and activity, as at latest_contact (the return's year end or the contact).
-- date_is_proxy: latest_contact is not a contact's date but the end of the collection year the SSDA903 return
-- (OC3) describes (every row of the ssda903 feed); the SSD and Annex A give the real date of the latest contact.
SELECT c.clea_table_id AS care_leaver_id, c.clea_person_id AS person_id, p.child_id, child_key_of(p.child_key, c.source_system, c.clea_person_id) AS child_key,
       upper(trim(c.clea_care_leaver_eligibility)) AS eligibility,
       upper(trim(c.clea_care_leaver_in_touch)) AS in_touch,
       c.clea_care_leaver_latest_contact AS latest_contact,
       upper(trim(c.clea_care_leaver_accommodation)) AS accommodation,
       upper(trim(c.clea_care_leaver_accom_suitable)) AS accommodation_suitable,
       upper(trim(c.clea_care_leaver_activity)) AS activity,
       c.clea_pathway_plan_review_date AS pathway_plan_review_date,
       c.clea_care_leaver_personal_advisor AS personal_advisor,
       c.clea_care_leaver_allocated_team AS team_id, c.clea_care_leaver_worker_id AS worker_id,
       feed_batch.feed = 'ssda903' AS date_is_proxy
FROM @current(care_leavers) c
JOIN ingest_batch feed_batch ON feed_batch.batch_id = c.batch_id
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.clea_person_id
