-- fact_referral: one row per referral to children's social care and the CIN episode that follows it.
SELECT r.cine_referral_id AS referral_id, r.cine_person_id AS person_id, p.child_id, child_key_of(p.child_key, r.source_system, r.cine_person_id) AS child_key,
       r.cine_referral_date AS referral_date, upper(trim(r.cine_referral_source_code)) AS referral_source,
       coalesce(upper(trim(r.cine_referral_nfa)) IN ('Y', 'YES', '1', 'TRUE'), false) AS nfa,
       upper(trim(r.cine_cin_primary_need_code)) AS primary_need,
       r.cine_close_date AS close_date, upper(trim(r.cine_close_reason)) AS close_reason,
       r.cine_referral_team AS team_id, r.cine_referral_worker_id AS worker_id
FROM @current(cin_episodes) r
LEFT JOIN fact_person p ON p.source_system = r.source_system AND p.person_id = r.cine_person_id
WHERE r.cine_referral_date IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY r.cine_person_id, r.cine_referral_date ORDER BY r.batch_id DESC) = 1
