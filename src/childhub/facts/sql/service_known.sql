-- fact_service_known: one row per child, service and spell the child was known to the service, from from_date
-- until until_date (not included; NULL while it lasts). The services and their spells:
-- social_care: an open CIN episode (referral date to close date; a referral with no further action and no close
--   date is taken as closed on its referral date), a child protection plan (start to end), or being looked after
--   (episode start to ceased; short breaks, legal status V3/V4, are not counted);
-- early_help: an early help episode (start to end);
-- sen: SEN support (K) or an EHC plan (E) at the child's latest SEN record, until the child's next record;
-- persistent_absence: 10%+ of sessions missed in the academic year to date (fact_service_attendance);
-- youth_justice: a caution or sentence in the last 12 months (outcome date to 12 months later);
-- neet: NEET in the latest month of NCCIS data (the month to the next month in the data);
-- police_notification: a police domestic-abuse notification in the last 12 months (notification date to 12
--   months later). Rows whose person has no person record (child_key NULL) are left out.
WITH spell AS (
    SELECT child_key, 'social_care' AS service, 'cin_episode' AS record, referral_id AS record_id,
           referral_date AS from_date,
           CASE WHEN close_date IS NULL AND nfa THEN referral_date ELSE close_date END AS until_date, team_id
    FROM fact_referral
    UNION ALL
    SELECT child_key, 'social_care', 'cp_plan', cp_plan_id, start_date, end_date, NULL FROM fact_cp_plan
    UNION ALL
    SELECT child_key, 'social_care', 'looked_after', person_id || ':' || start_date, start_date, ceased, NULL
    FROM fact_cla_episode
    WHERE NOT short_break
    UNION ALL
    SELECT child_key, 'early_help', 'early_help_episode', early_help_id, start_date, end_date, NULL
    FROM fact_early_help
    UNION ALL
    SELECT child_key, 'sen', CASE provision WHEN 'E' THEN 'ehc_plan' ELSE 'sen_support' END,
           person_id || ':' || census_date, census_date, until_date, NULL
    FROM (  -- one record per child and census (an EHC plan over SEN support), then each until the next
        SELECT *, lead(census_date) OVER (PARTITION BY child_key ORDER BY census_date) AS until_date
        FROM (
            SELECT * FROM fact_sen
            WHERE child_key IS NOT NULL
            QUALIFY row_number() OVER (
                PARTITION BY child_key, census_date ORDER BY CASE provision WHEN 'E' THEN 0 WHEN 'K' THEN 1 ELSE 2 END
            ) = 1
        )
    )
    WHERE provision IN ('K', 'E')
    UNION ALL
    SELECT child_key, 'persistent_absence', 'attendance', academic_year || ' ' || term, from_date, until_date, NULL
    FROM fact_service_attendance
    WHERE persistent_absence
    UNION ALL
    SELECT child_key, 'youth_justice', 'youth_justice_outcome', outcome_type || ':' || outcome_date, outcome_date,
           CAST(outcome_date + INTERVAL 12 MONTH AS DATE), NULL
    FROM fact_youth_justice
    UNION ALL
    SELECT n.child_key, 'neet', 'nccis_month', n.activity, n.month, m.next_month, NULL
    FROM fact_neet n
    JOIN fact_neet_month m USING (month)
    WHERE n.neet
    UNION ALL
    SELECT child_key, 'police_notification', 'police_notification', CAST(notification_date AS VARCHAR),
           notification_date, CAST(notification_date + INTERVAL 12 MONTH AS DATE), NULL
    FROM fact_police_notification
)
SELECT child_key, service, record, record_id, from_date, until_date, team_id
FROM spell
WHERE child_key IS NOT NULL AND from_date IS NOT NULL AND (until_date IS NULL OR until_date > from_date)
