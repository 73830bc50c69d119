-- list_11_adopters: one row per individual in contact with the authority's adoption agency in the 12 months
-- before the as-at date. The canonical model holds no adopters yet, so the list is always empty: its columns
-- are written, headed, with no rows.
-- Sources:
--   adopter_identifier: NONE - the canonical model holds no records of adopters
--   family_identifier: NONE - the canonical model holds no records of adopters
--   gender: NONE - the canonical model holds no records of adopters
--   ethnicity: NONE - the canonical model holds no records of adopters
--   disability: NONE - the canonical model holds no records of adopters
--   fostering_for_adoption: NONE - the canonical model holds no records of adopters
--   date_enquiry_received: NONE - the canonical model holds no records of adopters
--   date_stage_1_started: NONE - the canonical model holds no records of adopters
--   date_stage_1_ended: NONE - the canonical model holds no records of adopters
--   date_stage_2_started: NONE - the canonical model holds no records of adopters
--   date_stage_2_ended: NONE - the canonical model holds no records of adopters
--   date_application_submitted: NONE - the canonical model holds no records of adopters
--   date_application_approved: NONE - the canonical model holds no records of adopters
--   date_adopter_matched: NONE - the canonical model holds no records of adopters
--   date_children_placed_with_adopter: NONE - the canonical model holds no records of adopters
--   children_placed: NONE - the canonical model holds no records of adopters
--   date_of_adoption_order: NONE - the canonical model holds no records of adopters
--   date_left_adoption_process: NONE - the canonical model holds no records of adopters
--   reason_left_adoption_process: NONE - the canonical model holds no records of adopters
SELECT CAST(NULL AS VARCHAR) AS adopter_identifier,
       CAST(NULL AS VARCHAR) AS family_identifier,
       CAST(NULL AS VARCHAR) AS gender,
       CAST(NULL AS VARCHAR) AS ethnicity,
       CAST(NULL AS VARCHAR) AS disability,
       CAST(NULL AS BOOLEAN) AS fostering_for_adoption,
       CAST(NULL AS DATE) AS date_enquiry_received,
       CAST(NULL AS DATE) AS date_stage_1_started,
       CAST(NULL AS DATE) AS date_stage_1_ended,
       CAST(NULL AS DATE) AS date_stage_2_started,
       CAST(NULL AS DATE) AS date_stage_2_ended,
       CAST(NULL AS DATE) AS date_application_submitted,
       CAST(NULL AS DATE) AS date_application_approved,
       CAST(NULL AS DATE) AS date_adopter_matched,
       CAST(NULL AS DATE) AS date_children_placed_with_adopter,
       CAST(NULL AS INTEGER) AS children_placed,
       CAST(NULL AS DATE) AS date_of_adoption_order,
       CAST(NULL AS DATE) AS date_left_adoption_process,
       CAST(NULL AS VARCHAR) AS reason_left_adoption_process
WHERE false
