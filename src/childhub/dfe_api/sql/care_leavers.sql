-- care_leavers: the child's latest care leaver record (one per child, however many returns hold one), in the
-- episode of the latest referral before its contact; contact_date only where it is a contact's real date (an
-- SSDA903 return gives the end of its year, not the contact's day).
SELECT c.child_key, dfe_episode_for(c.child_key, NULL, coalesce(c.latest_contact, getvariable('dfe_as_at')))
           AS social_care_episode_id,
       c.latest_contact IS NULL OR c.latest_contact >= getvariable('dfe_window_start') AS in_window,
       CASE WHEN NOT c.date_is_proxy THEN c.latest_contact END AS contact_date,
       c.activity, c.accommodation
FROM fact_care_leaver c JOIN dfe_cohort USING (child_key)
WHERE c.latest_contact IS NULL OR c.latest_contact <= getvariable('dfe_as_at')
QUALIFY row_number() OVER (PARTITION BY c.child_key
                           ORDER BY c.latest_contact DESC NULLS LAST, c.date_is_proxy, c.care_leaver_id DESC) = 1
