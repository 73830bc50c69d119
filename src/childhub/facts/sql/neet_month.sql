-- fact_neet_month: one row per month the NCCIS data holds (any young person's activity), with the next month it
-- holds (NULL for the latest): how long a month's NEET status stands (the service_known fact).
SELECT month, lead(month) OVER (ORDER BY month) AS next_month
FROM (SELECT DISTINCT month FROM fact_neet)
