-- fact_cin_plan: one row per child-in-need plan.
SELECT c.cinp_cin_plan_id AS cin_plan_id, c.cinp_referral_id AS referral_id, c.cinp_person_id AS person_id,
       p.child_id, child_key_of(p.child_key, c.source_system, c.cinp_person_id) AS child_key, c.cinp_cin_plan_start_date AS start_date, c.cinp_cin_plan_end_date AS end_date,
       c.cinp_cin_plan_team AS team_id, c.cinp_cin_plan_worker_id AS worker_id
FROM @current(cin_plans) c
JOIN ingest_batch feed_batch ON feed_batch.batch_id = c.batch_id
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cinp_person_id
WHERE c.cinp_cin_plan_start_date IS NOT NULL
-- Where two feeds hold the same event (a CIN census and an Annex A workbook of the same period, say),
-- only the rows of the feed that sent it last count for that child and date, so nothing counts twice.
QUALIFY max(c.batch_id) OVER (PARTITION BY c.cinp_person_id, c.cinp_cin_plan_start_date, feed_batch.feed)
      = max(c.batch_id) OVER (PARTITION BY c.cinp_person_id, c.cinp_cin_plan_start_date)
