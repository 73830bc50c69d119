-- list_07_child_protection: one row per child protection plan open on the as-at date or ended in the 6 months
-- before it.
-- Window: the plan started on or before the as-at date and had not ended before the as-at date 6 months
-- earlier (an end on that day is in). A plan recorded open past the child's 18th birthday is left out (it ended
-- in law at 18; the data-quality check names it).
-- Number of previous plans: fact_cp_plan.previous_plans, the child's plans before this one at any time (the
-- larger of those childhub has seen and the CIN census's NumberOfPreviousCPP). Subject to an EPO or police
-- protection: a looked-after episode with legal status L1 or L2 in effect at any time in the 6 months.
-- Last statutory visit and review: the latest on or before the as-at date while the plan ran.
-- Sources:
--   cp_plan_start_date: fact_cp_plan.start_date
--   initial_category_of_abuse: fact_cp_plan.initial_category
--   latest_category_of_abuse: fact_cp_plan.latest_category
--   date_of_last_statutory_visit: fact_cp_visit.visit_date
--   child_seen_alone: fact_cp_visit.seen_alone
--   date_of_latest_review_conference: fact_cp_review.review_date
--   cp_plan_end_date: fact_cp_plan.end_date
--   emergency_protection_in_last_six_months: fact_cla_episode.legal_status
--   previous_cp_plans: fact_cp_plan.previous_plans
WITH chosen AS (
    SELECT p.*, annex_a_by(p.end_date, $as_at) AS ended,
           coalesce(annex_a_by(p.end_date, $as_at), $as_at) AS allocation_day
    FROM fact_cp_plan p
    WHERE p.start_date <= $as_at
      AND (p.end_date IS NULL OR p.end_date >= annex_a_months_before($as_at, 6))
      AND NOT cp_plan_open_past_18(p, $as_at)
),
listed AS (
    SELECT p.*, a.allocation
    FROM chosen p
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = p.child_key AND a.allocation_day IS NOT DISTINCT FROM p.allocation_day
),
last_visit AS (
    SELECT p.cp_plan_id, arg_max({'visit_date': v.visit_date, 'seen_alone': v.seen_alone}, v.visit_date) AS visit
    FROM listed p
    JOIN fact_cp_visit v ON v.child_key = p.child_key
    WHERE v.visit_date BETWEEN p.start_date AND coalesce(p.ended, $as_at)
    GROUP BY p.cp_plan_id
)
SELECT coalesce(c.la_child_id, p.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       coalesce(c.disability, 'U') AS disability,
       p.start_date AS cp_plan_start_date,
       p.initial_category AS initial_category_of_abuse,
       p.latest_category AS latest_category_of_abuse,
       v.visit.visit_date AS date_of_last_statutory_visit,
       v.visit.seen_alone AS child_seen_alone,
       greatest((SELECT max(r.review_date) FROM fact_cp_review r
                 WHERE r.cp_plan_id = p.cp_plan_id
                   AND r.review_date BETWEEN p.start_date AND coalesce(p.ended, $as_at)),
                (SELECT max(r.review_date) FROM fact_cp_review r
                 WHERE r.cp_plan_id IS NULL AND r.child_key = p.child_key
                   AND r.review_date BETWEEN p.start_date AND coalesce(p.ended, $as_at)))
           AS date_of_latest_review_conference,
       p.ended AS cp_plan_end_date,
       EXISTS (SELECT 1 FROM fact_cla_episode e
               WHERE e.child_key = p.child_key AND e.legal_status IN ('L1', 'L2')
                 AND e.start_date <= $as_at
                 AND (e.ceased IS NULL OR e.ceased >= annex_a_months_before($as_at, 6)))
           AS emergency_protection_in_last_six_months,
       p.previous_plans AS previous_cp_plans,
       p.allocation.team AS allocated_team,
       p.allocation.worker AS allocated_worker
FROM listed p
LEFT JOIN fact_child c ON c.child_key = p.child_key
LEFT JOIN last_visit v ON v.cp_plan_id = p.cp_plan_id
ORDER BY p.start_date, child_unique_id, p.cp_plan_id
