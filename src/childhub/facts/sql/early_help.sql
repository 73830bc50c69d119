-- fact_early_help: one row per early help episode the authority coordinates.
SELECT e.earl_episode_id AS early_help_id, e.earl_person_id AS person_id, p.child_id, child_key_of(p.child_key, e.source_system, e.earl_person_id) AS child_key,
       e.earl_episode_start_date AS start_date, e.earl_episode_end_date AS end_date,
       e.earl_episode_reason AS reason, e.earl_episode_end_reason AS end_reason,
       e.earl_episode_organisation AS organisation, e.earl_episode_worker_id AS worker_id
FROM @current(early_help_episodes) e
LEFT JOIN fact_person p ON p.source_system = e.source_system AND p.person_id = e.earl_person_id
WHERE e.earl_episode_start_date IS NOT NULL
