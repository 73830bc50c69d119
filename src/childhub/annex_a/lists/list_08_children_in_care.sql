-- list_08_children_in_care: one row per period of care in which the child was looked after on the as-at date,
-- or which ceased in the 6 months before it. Short breaks (legal status V3 or V4) are not being looked after:
-- a period in which the child was on short breaks throughout the 6 months is left out, even when it began
-- under another legal status.
-- Window: care_period_during the 6 months (an episode that was not a short break started on or before the
-- as-at date and had not ceased before the as-at date 6 months earlier: ceasing on that day is in). The "last 12 months" run likewise from 12 months before the as-at date.
-- The child was looked after only in the period's care spans (fact_cla_period.care_spans: its episodes that were
-- not short breaks): care started with the first of them, and care not under way on the as-at date (care_period_on)
-- ceased when the last of them begun by then ceased, for its reason, even when short breaks (V3 or V4) followed.
-- The current episode is the period's latest episode that started on or before the as-at date (for care that
-- ceased, the latest that was not a short break): it gives the legal status (and the start of the run of episodes
-- with that status) and the placement.
-- Number of placements in the last 12 months: episodes in effect at any time in the 12 months that started a
-- placement, and the first such episode, which was a placement already. Second or subsequent period: another
-- period of the child's care ended in the 12 months before this one started. UASC: a UASC record that had
-- not ceased 12 months before the as-at date.
-- Permanence plan: the care plan in effect on the as-at date (or on the day care ceased), else the latest begun
-- by then. Last IRO contact: the latest contact recorded on an episode, or statutory review, in the period by the
-- as-at date. Health assessment and dental check: the latest done by the as-at date; one the SSDA903 return knows
-- only by its collection year is written as that year ("Done in the year 2025-26") and counts only once that year
-- is over (annex_a_known_by), a real date in or after that year winning over it. Placement location: "In" when the placement postcode's district is one of the
-- authority's own (fact_local_area), "Out" when it is another; blank with no postcode or no known area.
-- Sources:
--   uasc_in_last_12_months: fact_uasc.ceased_date
--   date_started_looked_after: fact_cla_period.care_spans (the first's start_date)
--   category_of_need: fact_cla_period.category_of_need
--   second_period_looked_after_in_last_12_months: fact_cla_period (earlier periods)
--   legal_status_start_date: fact_cla_episode.start_date
--   legal_status: fact_cla_episode.legal_status
--   date_of_latest_statutory_review: fact_cla_review.review_date
--   date_of_last_social_work_visit: fact_cla_visit.visit_date
--   permanence_plan: fact_cla_care_plan.permanence_plan
--   date_of_last_iro_contact: fact_cla_iro_contact.contact_date
--   date_of_last_health_assessment: fact_health_check.check_date (health_assessment; date_is_proxy as the year)
--   date_of_last_dental_check: fact_health_check.check_date (dental; date_is_proxy as the year)
--   placements_in_last_12_months: fact_cla_episode (counted)
--   date_ceased_looked_after: fact_cla_period.care_spans (the last's ceased)
--   reason_ceased: fact_cla_period.care_spans (the last's reason_ceased)
--   placement_start_date: fact_cla_episode.start_date
--   placement_type: fact_cla_episode.placement_type
--   placement_provider: fact_cla_episode.placement_provider
--   placement_postcode: fact_cla_episode.placement_postcode
--   placement_urn: fact_cla_episode.placement_urn
--   placement_location: fact_cla_episode.placement_postcode, fact_local_area.district
--   placement_la: NONE - no source names the authority a placement is in (the SSDA903 return and the SSD give its postcode only)
--   missing_episodes_in_last_12_months: fact_missing (type M or no type recorded, counted)
--   absent_episodes_in_last_12_months: fact_missing (type A, counted)
--   return_interview_offered: fact_missing.return_interview_offered (of the latest missing episode, type M or none)
--   return_interview_accepted: fact_missing.return_interview_accepted (N when none was offered)
WITH care AS (
    SELECT p.*, care_period_on(p, $as_at) AS looked_after,
           list_filter(p.care_spans, lambda span: span.start_date <= $as_at)[-1] AS last_care
    FROM fact_cla_period p
    WHERE care_period_during(p, annex_a_months_before($as_at, 6), $as_at)
),
chosen AS (  -- care not under way on the as-at date ceased when its last care span did, on or before that date
    SELECT p.*, CASE WHEN NOT p.looked_after THEN p.last_care.ceased END AS ceased,
           CASE WHEN p.looked_after THEN $as_at ELSE p.last_care.ceased END AS allocation_day
    FROM care p
),
period AS (
    SELECT p.*, a.allocation
    FROM chosen p
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = p.child_key AND a.allocation_day IS NOT DISTINCT FROM p.allocation_day
),
episode AS (
    SELECT e.*,
           sum(CASE WHEN e.legal_status IS DISTINCT FROM e.previous_status THEN 1 ELSE 0 END)
               OVER (PARTITION BY e.person_id, e.period_number ORDER BY e.start_date) AS status_run
    FROM (SELECT e.*, lag(e.legal_status) OVER (PARTITION BY e.person_id, e.period_number ORDER BY e.start_date)
                          AS previous_status
          FROM fact_cla_episode e
          WHERE e.start_date <= $as_at) e
),
current_episode AS (
    SELECT e.person_id, e.period_number,
           arg_max(e.legal_status, e.start_date) AS legal_status,
           arg_max(e.status_run, e.start_date) AS status_run,
           max(e.start_date) FILTER (WHERE e.new_placement OR e.start_date = e.period_start) AS placement_start_date,
           arg_max(e.placement_type, e.start_date) FILTER (WHERE e.placement_type IS NOT NULL) AS placement_type,
           arg_max(e.placement_provider, e.start_date) FILTER (WHERE e.placement_provider IS NOT NULL)
               AS placement_provider,
           arg_max(e.placement_postcode, e.start_date) FILTER (WHERE e.placement_postcode IS NOT NULL)
               AS placement_postcode,
           arg_max(e.placement_urn, e.start_date) FILTER (WHERE e.placement_urn IS NOT NULL) AS placement_urn
    FROM episode e
    JOIN chosen p ON p.person_id = e.person_id AND p.period_number = e.period_number
    WHERE p.looked_after OR NOT e.short_break
    GROUP BY e.person_id, e.period_number
),
status_start AS (
    SELECT e.person_id, e.period_number, e.status_run, min(e.start_date) AS legal_status_start_date
    FROM episode e
    GROUP BY ALL
),
placements AS (
    SELECT child_key, count(*) FILTER (WHERE new_placement OR first_in_window) AS placements
    FROM (SELECT e.child_key, coalesce(e.new_placement, false) AS new_placement,
                 e.start_date = min(e.start_date) OVER (PARTITION BY e.child_key) AS first_in_window
          FROM fact_cla_episode e
          WHERE looked_after_during(e, annex_a_months_before($as_at, 12), $as_at))
    GROUP BY child_key
),
missing AS (
    SELECT m.child_key,
           count(*) FILTER (WHERE m.missing_type IS DISTINCT FROM 'A' AND m.start_date >= annex_a_months_before($as_at, 12))
               AS missing_episodes,
           count(*) FILTER (WHERE m.missing_type = 'A' AND m.start_date >= annex_a_months_before($as_at, 12))
               AS absent_episodes,
           arg_max({'offered': m.return_interview_offered, 'accepted': m.return_interview_accepted}, m.start_date)
               FILTER (WHERE m.missing_type IS DISTINCT FROM 'A') AS last_missing
    FROM fact_missing m
    WHERE m.start_date <= $as_at
    GROUP BY m.child_key
),
health AS (
    SELECT h.child_key,
           arg_max(annex_a_dated(h.check_date, h.date_is_proxy), annex_a_event_order(h.check_date, h.date_is_proxy))
               FILTER (WHERE h.check_type = 'health_assessment') AS health_assessment,
           arg_max(annex_a_dated(h.check_date, h.date_is_proxy), annex_a_event_order(h.check_date, h.date_is_proxy))
               FILTER (WHERE h.check_type = 'dental') AS dental_check,
           arg_max(h.date_is_proxy, annex_a_event_order(h.check_date, h.date_is_proxy))
               FILTER (WHERE h.check_type = 'health_assessment') AS health_assessment_proxy,
           arg_max(h.date_is_proxy, annex_a_event_order(h.check_date, h.date_is_proxy))
               FILTER (WHERE h.check_type = 'dental') AS dental_check_proxy
    FROM fact_health_check h
    WHERE h.done AND annex_a_known_by(h.check_date, $as_at)
    GROUP BY h.child_key
),
care_plan AS (
    SELECT p.person_id, p.period_number,
           arg_max(c.permanence_plan, {'in_effect': open_on(c.start_date, c.end_date, coalesce(p.ceased, $as_at)),
                                       'start_date': c.start_date, 'care_plan_id': c.care_plan_id}) AS permanence_plan
    FROM period p
    JOIN fact_cla_care_plan c ON c.child_key = p.child_key
    WHERE c.start_date <= coalesce(p.ceased, $as_at) AND c.permanence_plan IS NOT NULL
    GROUP BY p.person_id, p.period_number
),
iro AS (
    SELECT p.person_id, p.period_number, max(i.contact_date) AS last_contact
    FROM period p
    JOIN fact_cla_iro_contact i ON i.child_key = p.child_key
    WHERE i.contact_date BETWEEN p.start_date AND coalesce(p.ceased, $as_at)
    GROUP BY p.person_id, p.period_number
)
SELECT coalesce(c.la_child_id, p.person_id) AS child_unique_id,
       c.sex AS gender,
       c.ethnicity,
       coalesce(c.date_of_birth, c.expected_date_of_birth) AS date_of_birth,
       annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age_of_child,
       EXISTS (SELECT 1 FROM fact_uasc u
               WHERE u.child_key = p.child_key
                 AND (u.ceased_date IS NULL OR u.ceased_date >= annex_a_months_before($as_at, 12)))
           AS uasc_in_last_12_months,
       coalesce(c.disability, 'U') AS disability,
       p.care_spans[1].start_date AS date_started_looked_after,
       p.category_of_need,
       EXISTS (SELECT 1 FROM fact_cla_period earlier
               WHERE earlier.person_id = p.person_id AND earlier.period_number < p.period_number
                 AND NOT earlier.short_breaks_only
                 AND earlier.end_date >= annex_a_months_before(p.start_date, 12))
           AS second_period_looked_after_in_last_12_months,
       s.legal_status_start_date,
       e.legal_status,
       (SELECT max(r.review_date) FROM fact_cla_review r
        WHERE r.child_key = p.child_key AND r.review_date BETWEEN p.start_date AND coalesce(p.ceased, $as_at))
           AS date_of_latest_statutory_review,
       (SELECT max(v.visit_date) FROM fact_cla_visit v
        WHERE v.child_key = p.child_key AND v.visit_date BETWEEN p.start_date AND coalesce(p.ceased, $as_at))
           AS date_of_last_social_work_visit,
       cp.permanence_plan,
       i.last_contact AS date_of_last_iro_contact,
       h.health_assessment AS date_of_last_health_assessment,
       h.dental_check AS date_of_last_dental_check,
       coalesce(n.placements, 0) AS placements_in_last_12_months,
       p.ceased AS date_ceased_looked_after,
       CASE WHEN p.ceased IS NOT NULL THEN p.last_care.reason_ceased END AS reason_ceased,
       e.placement_start_date,
       e.placement_type,
       e.placement_provider,
       e.placement_postcode,
       e.placement_urn,
       CASE WHEN e.placement_postcode IS NULL OR NOT EXISTS (SELECT 1 FROM fact_local_area) THEN NULL
            WHEN postcode_district(e.placement_postcode) IN (SELECT district FROM fact_local_area) THEN 'a'
            ELSE 'b' END AS placement_location,
       CAST(NULL AS VARCHAR) AS placement_la,
       coalesce(m.missing_episodes, 0) AS missing_episodes_in_last_12_months,
       coalesce(m.absent_episodes, 0) AS absent_episodes_in_last_12_months,
       m.last_missing.offered AS return_interview_offered,
       CASE WHEN m.last_missing.offered = 'N' THEN 'N' ELSE m.last_missing.accepted END AS return_interview_accepted,
       p.allocation.team AS allocated_team,
       p.allocation.worker AS allocated_worker,
       coalesce(h.health_assessment_proxy, false) AS _proxy_date_of_last_health_assessment,
       coalesce(h.dental_check_proxy, false) AS _proxy_date_of_last_dental_check
FROM period p
LEFT JOIN fact_child c ON c.child_key = p.child_key
LEFT JOIN current_episode e ON e.person_id = p.person_id AND e.period_number = p.period_number
LEFT JOIN status_start s
       ON s.person_id = p.person_id AND s.period_number = p.period_number AND s.status_run = e.status_run
LEFT JOIN placements n ON n.child_key = p.child_key
LEFT JOIN missing m ON m.child_key = p.child_key
LEFT JOIN health h ON h.child_key = p.child_key
LEFT JOIN care_plan cp ON cp.person_id = p.person_id AND cp.period_number = p.period_number
LEFT JOIN iro i ON i.person_id = p.person_id AND i.period_number = p.period_number
ORDER BY p.start_date, child_unique_id, p.period_number
