-- list_03_referrals: one row per referral to children's social care in the 6 months before the as-at date
-- (a child may appear more than once).
-- Window: referral date from the as-at date 6 months earlier up to the as-at date, both days included.
-- Number of referrals in last 12 months: the child's other referrals dated from 12 months before the listed
-- referral up to the day before it (the listed referral is not counted).
-- Sources:
--   date_of_referral: fact_referral.referral_date
--   referral_source: fact_referral.referral_source
--   referral_nfa: fact_referral.nfa
--   referrals_in_last_12_months: fact_referral (counted)
WITH chosen AS (
    SELECT r.*, r.referral_date AS allocation_day
    FROM fact_referral r
    WHERE r.referral_date BETWEEN annex_a_months_before($as_at, 6) AND $as_at
),
listed AS (
    SELECT r.*, coalesce(a.allocation, annex_a_named(r.team_id, r.worker_id)) AS allocation
    FROM chosen r
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = r.child_key AND a.allocation_day IS NOT DISTINCT FROM r.allocation_day
)
SELECT coalesce(c.la_child_id, r.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       r.referral_date AS date_of_referral,
       r.referral_source,
       r.nfa AS referral_nfa,
       (SELECT count(*) FROM fact_referral earlier
        WHERE earlier.child_key = r.child_key
          AND earlier.referral_date < r.referral_date
          AND earlier.referral_date >= annex_a_months_before(r.referral_date, 12)) AS referrals_in_last_12_months,
       r.allocation.team AS allocated_team,
       r.allocation.worker AS allocated_worker
FROM listed r
LEFT JOIN fact_child c ON c.child_key = r.child_key
ORDER BY r.referral_date, child_unique_id, r.referral_id
