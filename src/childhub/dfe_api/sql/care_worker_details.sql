-- care_worker_details: each worker allocated to the child during the episode (not the child's whole history:
-- an allocation that ended before the referral or began after the episode closed is left out).
SELECT e.child_key, e.social_care_episode_id, false AS in_window,
       a.worker_id, a.start_date, a.end_date
FROM dfe_episode e
JOIN fact_allocation a ON a.child_key = e.child_key
WHERE a.worker_id IS NOT NULL
  AND a.start_date <= coalesce(e.closure_date, getvariable('dfe_as_at'))
  AND (a.end_date IS NULL OR a.end_date >= e.referral_date)
QUALIFY row_number() OVER (PARTITION BY e.social_care_episode_id, a.worker_id, a.start_date ORDER BY a.end_date) = 1
