-- fact_service_attendance: one row per pupil, academic year and term reached: the sessions possible and missed in
-- the academic year to date, which stand from the term's start until the next term's start (until_date not included).
-- Terms start on nominal dates: autumn 1 September, spring 1 January, summer 1 April; a term code not starting AUT,
-- SPR or SUM counts from 1 September. A pupil's schools are added together. Persistent absence: 10% or more of
-- possible sessions missed (exactly 10% is persistent); severe absence: 50% or more. Rows whose pupil has no person
-- record (child_key NULL) and rows with no possible sessions to date are left out.
WITH term AS (
    SELECT child_key, academic_year, academic_year_start,
           CASE WHEN term LIKE 'SPR%' THEN 2 WHEN term LIKE 'SUM%' THEN 3 ELSE 1 END AS term_number,
           coalesce(possible_sessions, 0) AS possible_sessions, coalesce(sessions_missed, 0) AS sessions_missed
    FROM fact_attendance
    WHERE child_key IS NOT NULL
),
by_year AS (  -- one row per pupil and academic year, each term's sessions side by side
    SELECT child_key, academic_year, academic_year_start,
           sum(possible_sessions) FILTER (WHERE term_number = 1) AS possible_1,
           sum(sessions_missed) FILTER (WHERE term_number = 1) AS missed_1,
           sum(possible_sessions) FILTER (WHERE term_number = 2) AS possible_2,
           sum(sessions_missed) FILTER (WHERE term_number = 2) AS missed_2,
           sum(possible_sessions) FILTER (WHERE term_number = 3) AS possible_3,
           sum(sessions_missed) FILTER (WHERE term_number = 3) AS missed_3
    FROM term
    GROUP BY child_key, academic_year, academic_year_start
),
to_date AS (  -- the year to date at each of its three terms: the terms up to and including it
    SELECT y.child_key, y.academic_year, y.academic_year_start, t.term_number,
           coalesce(possible_1, 0) + CASE WHEN t.term_number >= 2 THEN coalesce(possible_2, 0) ELSE 0 END
               + CASE WHEN t.term_number = 3 THEN coalesce(possible_3, 0) ELSE 0 END AS possible_sessions,
           coalesce(missed_1, 0) + CASE WHEN t.term_number >= 2 THEN coalesce(missed_2, 0) ELSE 0 END
               + CASE WHEN t.term_number = 3 THEN coalesce(missed_3, 0) ELSE 0 END AS sessions_missed
    FROM by_year y
    CROSS JOIN (VALUES (1), (2), (3)) AS t(term_number)
)
SELECT child_key, academic_year, academic_year_start,
       CASE term_number WHEN 1 THEN 'autumn' WHEN 2 THEN 'spring' ELSE 'summer' END AS term,
       CASE term_number WHEN 1 THEN academic_year_start
                        WHEN 2 THEN make_date(year(academic_year_start) + 1, 1, 1)
                        ELSE make_date(year(academic_year_start) + 1, 4, 1) END AS from_date,
       CASE term_number WHEN 1 THEN make_date(year(academic_year_start) + 1, 1, 1)
                        WHEN 2 THEN make_date(year(academic_year_start) + 1, 4, 1)
                        ELSE make_date(year(academic_year_start) + 1, 9, 1) END AS until_date,
       possible_sessions, sessions_missed,
       10 * sessions_missed >= possible_sessions AS persistent_absence,
       2 * sessions_missed >= possible_sessions AS severe_absence
FROM to_date
WHERE possible_sessions > 0
