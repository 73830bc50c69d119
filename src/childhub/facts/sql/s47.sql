-- fact_s47: one row per section 47 enquiry, with the ICPC that followed it (if any) and its timeliness.
SELECT s.s47e_s47_enquiry_id AS s47_id, s.s47e_referral_id AS referral_id, s.s47e_person_id AS person_id,
       p.child_id, child_key_of(p.child_key, s.source_system, s.s47e_person_id) AS child_key,
       s.s47e_s47_start_date AS start_date, s.s47e_s47_end_date AS end_date,
       coalesce(upper(trim(s.s47e_s47_nfa)) IN ('Y', 'YES', '1', 'TRUE'), false) AS icpc_not_required,
       i.icpc_icpc_id AS icpc_id, i.icpc_icpc_date AS icpc_date,
       coalesce(upper(trim(i.icpc_icpc_outcome_cp_flag)) IN ('Y', 'YES', '1', 'TRUE'), false) AS icpc_led_to_plan,
       working_days_between(s.s47e_s47_start_date, i.icpc_icpc_date) AS icpc_working_days,
       s.s47e_s47_completed_by_team AS team_id, s.s47e_s47_completed_by_worker_id AS worker_id
FROM @current(s47_enquiry) s
JOIN ingest_batch feed_batch ON feed_batch.batch_id = s.batch_id
LEFT JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.s47e_person_id
LEFT JOIN @current(initial_cp_conference) i
       ON i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id AND i.source_system = s.source_system
WHERE s.s47e_s47_start_date IS NOT NULL
-- Where two feeds hold the same event (a CIN census and an Annex A workbook of the same period, say),
-- only the rows of the feed that sent it last count for that child and date, so nothing counts twice.
QUALIFY row_number() OVER (PARTITION BY s.s47e_s47_enquiry_id ORDER BY i.icpc_icpc_date NULLS LAST) = 1
    AND max(s.batch_id) OVER (PARTITION BY s.s47e_person_id, s.s47e_s47_start_date, feed_batch.feed)
      = max(s.batch_id) OVER (PARTITION BY s.s47e_person_id, s.s47e_s47_start_date)
