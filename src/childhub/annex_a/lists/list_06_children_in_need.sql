-- list_06_children_in_need: one row per child-in-need episode open at any time in the 6 months before the
-- as-at date (open on the as-at date, or closed in that time); referrals with no further action and the
-- episodes of care leavers are left out.
-- Window: the episode started on or before the as-at date and was not closed before the as-at date 6 months
-- earlier (a closure on that day is in).
-- Case status on the as-at date, first that applies: closed episode; looked after (not short breaks only);
-- child protection plan; child in need plan; open assessment (started, not yet authorised).
-- Date child was last seen: the latest visit (child in need, child protection or looked-after) at which the
-- child was not recorded as unseen, on or before the as-at date.
-- Sources:
--   cin_start_date: fact_referral.referral_date
--   primary_need: fact_referral.primary_need
--   date_child_last_seen: fact_cin_visit, fact_cp_visit, fact_cla_visit (visit_date)
--   cin_closure_date: fact_referral.close_date
--   reason_for_closure: fact_referral.close_reason
--   case_status: fact_referral, fact_cla_period, fact_cp_plan, fact_cin_plan, fact_assessment
WITH visit AS (
    SELECT child_key, visit_date, seen FROM fact_cin_visit
    UNION ALL SELECT child_key, visit_date, seen FROM fact_cp_visit
    UNION ALL SELECT child_key, visit_date, seen FROM fact_cla_visit
),
last_seen AS (
    SELECT child_key, max(visit_date) AS last_seen
    FROM visit
    WHERE visit_date <= $as_at AND coalesce(seen, 'Y') NOT IN ('N', 'NO', '0', 'FALSE')
    GROUP BY child_key
),
chosen AS (
    SELECT r.*, annex_a_by(r.close_date, $as_at) AS closed,
           coalesce(annex_a_by(r.close_date, $as_at), $as_at) AS allocation_day
    FROM fact_referral r
    WHERE r.referral_date <= $as_at
      AND (r.close_date IS NULL OR r.close_date >= annex_a_months_before($as_at, 6))
      AND NOT coalesce(r.nfa, false)
      AND NOT EXISTS (SELECT 1 FROM fact_care_leaver l
                      WHERE l.child_key = r.child_key AND l.latest_contact <= $as_at)
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
       coalesce(c.disability, 'U') AS disability,
       r.referral_date AS cin_start_date,
       r.primary_need,
       s.last_seen AS date_child_last_seen,
       r.closed AS cin_closure_date,
       CASE WHEN r.closed IS NOT NULL THEN r.close_reason END AS reason_for_closure,
       CASE WHEN r.closed IS NOT NULL THEN 'e'
            WHEN EXISTS (SELECT 1 FROM fact_cla_period p
                         WHERE p.child_key = r.child_key AND care_period_on(p, $as_at)) THEN 'a'
            WHEN EXISTS (SELECT 1 FROM fact_cp_plan p WHERE p.child_key = r.child_key AND cp_plan_on(p, $as_at)) THEN 'b'
            WHEN EXISTS (SELECT 1 FROM fact_cin_plan p
                         WHERE p.child_key = r.child_key AND open_on(p.start_date, p.end_date, $as_at)) THEN 'c'
            WHEN EXISTS (SELECT 1 FROM fact_assessment a
                         WHERE a.child_key = r.child_key AND open_on(a.start_date, a.authorised_date, $as_at)) THEN 'd'
       END AS case_status,
       r.allocation.team AS allocated_team,
       r.allocation.worker AS allocated_worker
FROM listed r
LEFT JOIN fact_child c ON c.child_key = r.child_key
LEFT JOIN last_seen s ON s.child_key = r.child_key
ORDER BY r.referral_date, child_unique_id, r.referral_id
