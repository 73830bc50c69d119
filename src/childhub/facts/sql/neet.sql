-- fact_neet: one row per young person and month of NCCIS activity; neet and not_known from the flags or the
-- activity code (540-680 not in education, employment or training; 810 and above not known).
SELECT n.neet_person_id AS person_id, p.child_id, child_key_of(p.child_key, n.source_system, n.neet_person_id) AS child_key, n.neet_month AS month, n.neet_activity_code AS activity,
       coalesce(n.neet_is_neet, TRY_CAST(n.neet_activity_code AS INTEGER) BETWEEN 540 AND 680, false) AS neet,
       coalesce(n.neet_is_not_known, TRY_CAST(n.neet_activity_code AS INTEGER) >= 810, false) AS not_known
FROM @current(neet_status) n
LEFT JOIN fact_person p ON p.source_system = n.source_system AND p.person_id = n.neet_person_id
