-- fact_contact: one row per contact to children's social care; led_to_referral when its outcome was a referral.
SELECT c.cont_contact_id AS contact_id, c.cont_person_id AS person_id, p.child_id, child_key_of(p.child_key, c.source_system, c.cont_person_id) AS child_key,
       c.cont_contact_date AS contact_date, upper(trim(c.cont_contact_source_code)) AS contact_source,
       c.cont_contact_outcome_json AS outcome,
       -- a referral outcome names the referral ("Referral to children's social care", "Referred to CSC");
       -- "No referral required" does not count
       coalesce(regexp_matches(c.cont_contact_outcome_json, '(?i)^\s*(referral|referred)\b')
                AND NOT regexp_matches(c.cont_contact_outcome_json, '(?i)\bno referral\b'), false) AS led_to_referral
FROM @current(contacts) c
JOIN ingest_batch feed_batch ON feed_batch.batch_id = c.batch_id
LEFT JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.cont_person_id
WHERE c.cont_contact_date IS NOT NULL
-- Where two feeds hold the same event (a CIN census and an Annex A workbook of the same period, say),
-- only the rows of the feed that sent it last count for that child and date, so nothing counts twice.
QUALIFY max(c.batch_id) OVER (PARTITION BY c.cont_person_id, c.cont_contact_date, feed_batch.feed)
      = max(c.batch_id) OVER (PARTITION BY c.cont_person_id, c.cont_contact_date)
