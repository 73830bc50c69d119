-- fact_missing: one row per episode of a looked-after child missing (M) or absent (A) from their placement.
-- Where several feeds hold the same episode (the SSDA903 return, and the case-management system's SSD export
-- with the return interview the return has no item for), it is one row per child and start date, so nothing
-- counts twice: each item is taken from the latest feed that gives it (the row ID from the latest feed of all).
-- Return interview offered and accepted are Y or N (Yes/No, True/False, 1/0 read as such); NA or anything else
-- is not known.
WITH missing AS (
    SELECT m.miss_table_id AS missing_id, m.miss_person_id AS person_id, p.child_id,
           child_key_of(p.child_key, m.source_system, m.miss_person_id) AS child_key,
           m.miss_missing_episode_start_date AS start_date, m.miss_missing_episode_end_date AS end_date,
           nullif(upper(trim(m.miss_missing_episode_type)), '') AS missing_type,
           CASE WHEN upper(trim(m.miss_missing_rhi_offered)) IN ('Y', 'YES', 'TRUE', '1') THEN 'Y'
                WHEN upper(trim(m.miss_missing_rhi_offered)) IN ('N', 'NO', 'FALSE', '0') THEN 'N' END
               AS return_interview_offered,
           CASE WHEN upper(trim(m.miss_missing_rhi_accepted)) IN ('Y', 'YES', 'TRUE', '1') THEN 'Y'
                WHEN upper(trim(m.miss_missing_rhi_accepted)) IN ('N', 'NO', 'FALSE', '0') THEN 'N' END
               AS return_interview_accepted,
           m.source_system, m.batch_id
    FROM @current(missing) m
    LEFT JOIN fact_person p ON p.source_system = m.source_system AND p.person_id = m.miss_person_id
    WHERE m.miss_missing_episode_start_date IS NOT NULL
)
SELECT missing_id, person_id, child_id, child_key, start_date,
       last_value(end_date IGNORE NULLS) OVER episode AS end_date,
       last_value(missing_type IGNORE NULLS) OVER episode AS missing_type,
       last_value(return_interview_offered IGNORE NULLS) OVER episode AS return_interview_offered,
       last_value(return_interview_accepted IGNORE NULLS) OVER episode AS return_interview_accepted
FROM missing
WINDOW episode AS (PARTITION BY source_system, person_id, start_date ORDER BY batch_id, missing_id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
QUALIFY row_number() OVER (PARTITION BY source_system, person_id, start_date ORDER BY batch_id DESC, missing_id) = 1
