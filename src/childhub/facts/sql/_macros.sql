-- Macros every query over the facts may use (facts, indicators, Annex A, cohorts, the web), created on
-- the connection before the facts are built. Each business rule is written here once; the bank
-- holidays list, bank_holidays(), is generated from childhub.calendar and created before this file.

-- Working days from the epoch (Monday 1 January 1900) up to and including x: weekdays, less the bank
-- holidays on weekdays.
CREATE OR REPLACE TEMP MACRO working_day_number(x) AS
    5 * ((x - DATE '1900-01-01') // 7) + least((x - DATE '1900-01-01') % 7 + 1, 5)
    - len(list_filter(bank_holidays(), lambda h: h <= x));

-- The DfE rule: working days after a up to and including b (same day 0; NULL if either is NULL).
CREATE OR REPLACE TEMP MACRO working_days_between(a, b) AS
    CAST(working_day_number(CAST(b AS DATE)) - working_day_number(CAST(a AS DATE)) AS INTEGER);

-- Age in whole years on a date; a 29 February birthday turns on 1 March.
CREATE OR REPLACE TEMP MACRO age_on(birth, on_day) AS
    year(on_day) - year(birth) - CASE WHEN month(on_day) * 100 + day(on_day)
                                           < month(birth) * 100 + day(birth) THEN 1 ELSE 0 END;

-- A source record's child key: the linked child's key (fact_person.child_key, 'C' and the child ID), or, for
-- a person not linked or with no person record, the source system and the person ID ('system:person').
CREATE OR REPLACE TEMP MACRO child_key_of(linked_key, source_system, person_id) AS
    coalesce(linked_key, source_system || ':' || person_id);

-- A spell from start_day until end_day (the end not included; NULL while it lasts) that overlaps the
-- days first_day to last_day: it started on or before the last and had not ended on or before the first.
CREATE OR REPLACE TEMP MACRO open_during(start_day, end_day, first_day, last_day) AS
    start_day <= last_day AND (end_day IS NULL OR end_day > first_day);

-- A spell held on a day: started on or before it and not ended on or before it (a spell ending on
-- the day itself is no longer held).
CREATE OR REPLACE TEMP MACRO open_on(start_day, end_day, day) AS open_during(start_day, end_day, day, day);

-- The rules for "on a day" below take a fact's row as their first argument (the table's alias:
-- JOIN fact_cla_episode e ON looked_after_on(e, p.end_date)), so they fit joins and filters alike.

-- Looked after on a day: an episode of care that started on or before the day and had not ceased on or
-- before it (care that ceased on the day itself is over); short breaks (legal status V3 or V4) never count.
CREATE OR REPLACE TEMP MACRO looked_after_on(episode, day) AS
    NOT episode.short_break AND open_on(episode.start_date, episode.ceased, day);

-- Looked after at some time from first_day to last_day, the one rule for "during a period" (indicators, Annex A,
-- cohorts): care from start_day until end_day (NULL while it lasts) that started on or before the last day and
-- had not ended before the first. Care that ended on the first day itself counts, as the DfE counts children
-- looked after during a year (those looked after at the start of it, on 31 March, and those who started in
-- it): a child whose care ceased on 1 April ceased in the year, so was looked after in it.
CREATE OR REPLACE TEMP MACRO in_care_during(start_day, end_day, first_day, last_day) AS
    start_day <= last_day AND (end_day IS NULL OR end_day >= first_day);

-- An episode of care (fact_cla_episode, not a short break) under way at some time from first_day to last_day.
CREATE OR REPLACE TEMP MACRO looked_after_during(episode, first_day, last_day) AS
    NOT episode.short_break AND in_care_during(episode.start_date, episode.ceased, first_day, last_day);

-- Looked after on a day within a period of care (fact_cla_period): one of its episodes that was not a short
-- break was under way on the day. A child whose legal status on the day is a short break (V3 or V4) is not
-- looked after on it, even when the period began under another legal status.
CREATE OR REPLACE TEMP MACRO care_period_on(period, day) AS
    coalesce(len(list_filter(period.care_spans, lambda span: open_on(span.start_date, span.ceased, day))) > 0, false);

-- Looked after at some time from first_day to last_day within a period of care (the rule of in_care_during,
-- over its episodes that were not short breaks).
CREATE OR REPLACE TEMP MACRO care_period_during(period, first_day, last_day) AS
    coalesce(len(list_filter(period.care_spans,
                             lambda span: in_care_during(span.start_date, span.ceased, first_day, last_day))) > 0, false);

-- An open children-in-need case on a day: a referral (fact_referral) not NFA, dated on or before the day
-- and not closed on or before it.
CREATE OR REPLACE TEMP MACRO cin_open_on(referral, day) AS
    NOT referral.nfa AND open_on(referral.referral_date, referral.close_date, day);

-- On a child protection plan on a day: a plan (fact_cp_plan) started on or before the day and not ended
-- on or before it (a plan ending on the day itself is over), for a child under 18 on the day: a plan ends
-- in law at 18, so one still recorded open is wrong data, not a child on a plan (an unknown date of birth
-- counts as under 18).
CREATE OR REPLACE TEMP MACRO cp_plan_on(plan, day) AS
    open_on(plan.start_date, plan.end_date, day) AND NOT coalesce(age_on(plan.date_of_birth, day) >= 18, false);

-- A plan recorded open past the child's 18th birthday, seen on a day: on its last day open up to that day
-- (the day itself, or the day before it ended) the child was 18 or over. Annex A List 7 leaves such plans out
-- and the data-quality check names them.
CREATE OR REPLACE TEMP MACRO cp_plan_open_past_18(plan, day) AS
    coalesce(plan.start_date <= day
             AND age_on(plan.date_of_birth,
                        CASE WHEN plan.end_date IS NULL OR plan.end_date > day THEN day
                             ELSE plan.end_date - 1 END) >= 18, false);

-- Allocated on a day: an allocation (fact_allocation: the worker and team holding a case) started on or
-- before the day and not ended on or before it (an allocation ending on the day is no longer held).
CREATE OR REPLACE TEMP MACRO allocation_on(allocation, day) AS
    open_on(allocation.start_date, allocation.end_date, day);

-- The attendance a child's school reported for the academic year to date, as it stood on a day: the row of
-- fact_service_attendance from its term's start (from_date) until the next term's (until_date, not included).
CREATE OR REPLACE TEMP MACRO attendance_on(attendance, day) AS
    attendance.from_date <= day AND attendance.until_date > day;

-- Of compulsory school age in an academic year (starting 1 September): aged 5 to 15 on the 31 August
-- before it, as the DfE's absence and exclusion figures count pupils.
CREATE OR REPLACE TEMP MACRO compulsory_school_age(birth, academic_year_start) AS
    age_on(birth, make_date(year(academic_year_start), 8, 31)) BETWEEN 5 AND 15;

-- The DfE's age bands on a day, as the indicators break figures down: 'unborn' (expected date of birth
-- only, or born after the day), 'unknown' (no date of birth), then under 1, 1 to 4, 5 to 9, 10 to 15,
-- '16 and over'.
CREATE OR REPLACE TEMP MACRO dfe_age_band(birth, expected_birth, day) AS
    CASE WHEN birth IS NULL OR birth > day THEN CASE WHEN expected_birth IS NOT NULL THEN 'unborn' ELSE 'unknown' END
         WHEN age_on(birth, day) < 1 THEN 'under 1'
         WHEN age_on(birth, day) < 5 THEN '1 to 4'
         WHEN age_on(birth, day) < 10 THEN '5 to 9'
         WHEN age_on(birth, day) < 16 THEN '10 to 15'
         ELSE '16 and over' END;

-- The cohort builder's age bands: the DfE's, with '16 and over' split into '16 to 17' and '18 and over'
-- (cohorts reach care leavers up to 25).
CREATE OR REPLACE TEMP MACRO cohort_age_band(birth, expected_birth, day) AS
    CASE WHEN dfe_age_band(birth, expected_birth, day) <> '16 and over' THEN dfe_age_band(birth, expected_birth, day)
         WHEN age_on(birth, day) < 18 THEN '16 to 17'
         ELSE '18 and over' END;

-- A day a source knows only by the collection year it fell in (a fact's date_is_proxy: the SSDA903 return dates a
-- health check or a care leaver's contact by the year's end, 31 March) is known from the year's first day, 1 April;
-- a real date from itself. Count such a row by a day only when this is on or before the day, never take the 31 March
-- for the day it happened, and rank a child's rows by it (then a real date before a proxy): a real date in the year
-- or later wins over the year, and the year over real dates before it.
CREATE OR REPLACE TEMP MACRO known_from(day, is_proxy) AS
    CASE WHEN is_proxy THEN CAST(day - INTERVAL 1 YEAR + INTERVAL 1 DAY AS DATE) ELSE day END;

-- The district (outward code) of a UK postcode, however it was typed: "QX1 5AB", "qx15ab" and " QX1  5AB" are all
-- QX1 (the inward code is always a digit and two letters, the last three characters). NULL when it is too short
-- or too long to be a postcode.
CREATE OR REPLACE TEMP MACRO postcode_district(postcode) AS
    CASE WHEN length(regexp_replace(upper(postcode), '\s', '', 'g')) BETWEEN 5 AND 7
         THEN left(regexp_replace(upper(postcode), '\s', '', 'g'),
                   length(regexp_replace(upper(postcode), '\s', '', 'g')) - 3) END;

-- The working day n working days after d (n >= 1): the DfE's "within n working days" falls due on it.
CREATE OR REPLACE TEMP MACRO add_working_days(d, n) AS CAST(list_filter(
    generate_series(CAST(d AS TIMESTAMP) + INTERVAL 1 DAY, CAST(d AS TIMESTAMP) + to_days(CAST(2 * n + 14 AS INTEGER)),
                    INTERVAL 1 DAY),
    lambda x: isodow(x) <= 5 AND NOT list_contains(bank_holidays(), CAST(x AS DATE)))[n] AS DATE);
