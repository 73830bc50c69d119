-- list_09_care_leavers: one row per young person entitled to leaving-care services on the as-at date: each with
-- a care leaver record on or before the as-at date, aged 16 to 25 then (or of unknown age), the latest record
-- giving their circumstances.
-- Window: none; the latest care leaver record (by latest contact) on or before the as-at date.
-- Eligibility category where the record gives none: still looked after on the as-at date, eligible child;
-- under 18, relevant child; 18 or over, former relevant child (qualifying care leavers cannot be told apart).
-- Suitability where the record gives none: the SSDA903 accommodation code's second character (1 suitable,
-- 2 unsuitable). UASC or formerly UASC: any UASC record for the young person.
-- Sources:
--   uasc_or_former_uasc: fact_uasc
--   allocated_personal_advisor: fact_care_leaver.personal_advisor
--   eligibility_category: fact_care_leaver.eligibility
--   latest_pathway_plan_review_date: fact_care_leaver.pathway_plan_review_date
--   la_in_touch: fact_care_leaver.in_touch
--   latest_date_of_contact: fact_care_leaver.latest_contact
--   accommodation_type: fact_care_leaver.accommodation
--   accommodation_suitability: fact_care_leaver.accommodation_suitable
--   activity_status: fact_care_leaver.activity
WITH latest AS (
    SELECT l.*
    FROM fact_care_leaver l
    -- a record with no contact date (the SSD leaves it blank when the LA is not in touch) stays in
    WHERE l.latest_contact IS NULL OR l.latest_contact <= $as_at
    QUALIFY row_number() OVER (
        PARTITION BY l.child_key ORDER BY l.latest_contact DESC NULLS LAST, l.care_leaver_id DESC
    ) = 1
),
listed AS (
    SELECT l.*, c.la_child_id, c.sex, c.ethnicity, c.date_of_birth, c.expected_date_of_birth, c.disability,
           annex_a_age(c.date_of_birth, c.expected_date_of_birth, $as_at) AS age,
           annex_a_allocated(l.child_key, $as_at, l.latest_contact, l.team_id, l.worker_id) AS allocation
    FROM latest l
    LEFT JOIN fact_child c ON c.child_key = l.child_key
)
SELECT coalesce(l.la_child_id, l.person_id) AS child_unique_id,
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
       coalesce(l.eligibility,
                CASE WHEN EXISTS (SELECT 1 FROM fact_cla_period p
                                  WHERE p.child_key = l.child_key AND care_period_on(p, $as_at))
                         THEN 'd'
                     WHEN l.age < 18 THEN 'a'
                     WHEN l.age >= 18 THEN 'b' END) AS eligibility_category,
       annex_a_by(l.pathway_plan_review_date, $as_at) AS latest_pathway_plan_review_date,
       l.in_touch AS la_in_touch,
       l.latest_contact AS latest_date_of_contact,
       l.accommodation AS accommodation_type,
       coalesce(l.accommodation_suitable,
                CASE WHEN length(l.accommodation) = 2 THEN right(l.accommodation, 1) END) AS accommodation_suitability,
       l.activity AS activity_status
FROM listed l
WHERE l.age IS NULL OR l.age BETWEEN 16 AND 25
ORDER BY child_unique_id
