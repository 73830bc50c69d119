-- fact_missing: one row per episode of a looked-after child missing (M) or absent (A) from their placement.
SELECT m.miss_table_id AS missing_id, m.miss_person_id AS person_id, p.child_id, child_key_of(p.child_key, m.source_system, m.miss_person_id) AS child_key,
       m.miss_missing_episode_start_date AS start_date, m.miss_missing_episode_end_date AS end_date,
       upper(trim(m.miss_missing_episode_type)) AS missing_type,
       upper(trim(m.miss_missing_rhi_offered)) AS return_interview_offered,
       upper(trim(m.miss_missing_rhi_accepted)) AS return_interview_accepted
FROM @current(missing) m
LEFT JOIN fact_person p ON p.source_system = m.source_system AND p.person_id = m.miss_person_id
WHERE m.miss_missing_episode_start_date IS NOT NULL
