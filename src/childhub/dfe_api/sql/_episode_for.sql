-- The episode (a referral and the CIN episode that follows it, dfe_episode) an item of the child's record belongs to:
-- the referral the item names, when the child has that referral; else the latest of the child's referrals made on or
-- before the item's day; else (an item older than every referral) the child's first referral.
CREATE OR REPLACE TEMP MACRO dfe_episode_for(key, referral, day) AS (
    SELECT e.social_care_episode_id
    FROM dfe_episode e
    WHERE e.child_key = key
      AND (referral IS NULL
           OR e.social_care_episode_id = referral
           OR NOT EXISTS (SELECT 1 FROM dfe_episode o WHERE o.child_key = key AND o.social_care_episode_id = referral))
    ORDER BY e.social_care_episode_id = referral DESC, e.referral_date <= day DESC,
             CASE WHEN e.referral_date <= day THEN e.referral_date END DESC NULLS LAST, e.referral_date,
             e.social_care_episode_id
    LIMIT 1
);
