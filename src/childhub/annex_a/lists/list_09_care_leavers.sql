-- list_09_care_leavers: one row per young person entitled to leaving-care services on the as-at date, in the
-- categories of the Children (Leaving Care) Act 2000 (Children Act 1989 s.23A-24, as amended): each looked-after
-- child or care leaver whose care history makes them one, and each young person with a care leaver record.
-- Window: none; everything known by the as-at date. Care counts only episodes that are not short breaks (V3, V4);
-- "13 weeks since 14": at least 91 days looked after in all, from the 14th birthday up to the as-at date.
-- Eligibility category (ages in whole years on the as-at date):
--   d) eligible child: 16 or 17, looked after on the as-at date, 13 weeks since 14;
--   a) relevant child: 16 or 17, no longer looked after, looked after at some time since their 16th birthday,
--      13 weeks since 14;
--   b) former relevant child: 18 up to their 25th birthday (not on it), looked after since their 16th birthday,
--      13 weeks since 14 (so a young person who left care at 18 yesterday is one);
--   c) qualifying care leaver: 16 up to their 21st birthday, no longer looked after, looked after since their 16th
--      birthday but for less than 13 weeks since 14.
-- A category recorded on the care leaver record wins. A young person known only by a care leaver record (no care
-- history in the returns held) is a relevant child under 18 and a former relevant child from 18 to 24, or listed
-- with no age when the date of birth is unknown. Their circumstances come from their latest record by the as-at
-- date (a record the SSDA903 return dates only by its collection year counts from that year's start; a real
-- contact date in or after that year wins over it).
-- Suitability where the record gives none: the SSDA903 accommodation code's second character (1 suitable,
-- 2 unsuitable). UASC or formerly UASC: any UASC record for the young person.
-- Sources:
--   uasc_or_former_uasc: fact_uasc
--   allocated_personal_advisor: fact_care_leaver.personal_advisor
--   eligibility_category: fact_care_leaver.eligibility, else fact_cla_episode (care since the 14th birthday)
--   latest_pathway_plan_review_date: fact_care_leaver.pathway_plan_review_date
--   la_in_touch: fact_care_leaver.in_touch
--   latest_date_of_contact: fact_care_leaver.latest_contact (date_is_proxy as the year)
--   accommodation_type: fact_care_leaver.accommodation
--   accommodation_suitability: fact_care_leaver.accommodation_suitable
--   activity_status: fact_care_leaver.activity
WITH care AS (  -- each child's care by the as-at date, measured from their 14th and 16th birthdays
    SELECT e.child_key, min(e.person_id) AS person_id,
           sum(greatest(0, least(coalesce(e.ceased, $as_at + 1), $as_at + 1)
                           - greatest(e.start_date, CAST(c.date_of_birth + INTERVAL 14 YEAR AS DATE))))
               AS days_since_14,
           bool_or(open_during(e.start_date, e.ceased, CAST(c.date_of_birth + INTERVAL 16 YEAR AS DATE), $as_at))
               AS since_16,
           bool_or(looked_after_on(e, $as_at)) AS looked_after
    FROM fact_cla_episode e
    JOIN fact_child c ON c.child_key = e.child_key
    WHERE NOT e.short_break AND e.start_date <= $as_at AND c.date_of_birth IS NOT NULL
    GROUP BY e.child_key
),
latest AS (
    SELECT l.*
    FROM fact_care_leaver l
    -- a record with no contact date (the SSD leaves it blank when the LA is not in touch) stays in
    WHERE l.latest_contact IS NULL OR annex_a_known_by(l.latest_contact, $as_at)
    QUALIFY row_number() OVER (
        PARTITION BY l.child_key
        ORDER BY annex_a_event_order(l.latest_contact, l.date_is_proxy) DESC NULLS LAST, l.care_leaver_id DESC
    ) = 1
),
young_person AS (
    SELECT child_key FROM care WHERE since_16
    UNION
    SELECT child_key FROM latest
),
classified AS (
    SELECT y.child_key, coalesce(c.la_child_id, l.person_id, k.person_id) AS child_unique_id,
           c.sex, c.ethnicity, c.date_of_birth, c.expected_date_of_birth, c.disability,
           annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age,
           l.care_leaver_id, l.personal_advisor, l.pathway_plan_review_date, l.in_touch, l.latest_contact,
           l.date_is_proxy, l.accommodation, l.accommodation_suitable, l.activity, l.team_id, l.worker_id,
           coalesce(
               l.eligibility,
               CASE WHEN NOT k.since_16 THEN NULL
                    WHEN k.days_since_14 >= 91 THEN
                        CASE WHEN annex_a_age(c.date_of_birth, NULL, $as_at) >= 18 THEN 'b'
                             WHEN k.looked_after THEN 'd'
                             ELSE 'a' END
                    WHEN NOT k.looked_after AND annex_a_age(c.date_of_birth, NULL, $as_at) < 21 THEN 'c' END,
               CASE WHEN l.child_key IS NULL THEN NULL
                    WHEN annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) < 18 THEN 'a'
                    WHEN annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) >= 18 THEN 'b' END
           ) AS eligibility
    FROM young_person y
    LEFT JOIN care k ON k.child_key = y.child_key
    LEFT JOIN latest l ON l.child_key = y.child_key
    LEFT JOIN fact_child c ON c.child_key = y.child_key
),
chosen AS (
    SELECT l.*, l.latest_contact AS allocation_day
    FROM classified l
    WHERE (l.age BETWEEN 16 AND 24 AND l.eligibility IS NOT NULL) OR (l.age IS NULL AND l.care_leaver_id IS NOT NULL)
),
listed AS (
    SELECT l.*, coalesce(a.allocation, annex_a_named(l.team_id, l.worker_id)) AS allocation
    FROM chosen l
    LEFT JOIN annex_a_allocations('chosen', $as_at) a
           ON a.child_key = l.child_key AND a.allocation_day IS NOT DISTINCT FROM l.allocation_day
)
SELECT l.child_unique_id,
       l.sex AS gender,
       l.ethnicity,
       coalesce(l.date_of_birth, l.expected_date_of_birth) AS date_of_birth,
       l.age AS age_of_child,
       EXISTS (SELECT 1 FROM fact_uasc u WHERE u.child_key = l.child_key) AS uasc_or_former_uasc,
       coalesce(l.disability, 'U') AS disability,
       l.allocation.team AS allocated_team,
       l.allocation.worker AS allocated_worker,
       coalesce((SELECT w.worker_name FROM fact_worker w WHERE w.worker_id = l.personal_advisor), l.personal_advisor)
           AS allocated_personal_advisor,
       l.eligibility AS eligibility_category,
       annex_a_by(l.pathway_plan_review_date, $as_at) AS latest_pathway_plan_review_date,
       l.in_touch AS la_in_touch,
       annex_a_dated(l.latest_contact, l.date_is_proxy) AS latest_date_of_contact,
       l.accommodation AS accommodation_type,
       coalesce(l.accommodation_suitable,
                CASE WHEN length(l.accommodation) = 2 THEN right(l.accommodation, 1) END) AS accommodation_suitability,
       l.activity AS activity_status,
       coalesce(l.date_is_proxy, false) AS _proxy_latest_date_of_contact
FROM listed l
ORDER BY l.child_unique_id
