-- Macros the Annex A list queries share, created on the connection before the lists run (after the
-- facts' own macros, facts/sql/_macros.sql, which they use).
-- Windows: "N months before the as-at date" runs from the same day N months earlier (or that
-- month's last day when it has no such day) up to and including the as-at date, both ends in.

CREATE OR REPLACE TEMP MACRO annex_a_months_before(day, months) AS
    CAST(CAST(day AS DATE) - to_months(months) AS DATE);

-- Age in whole years on a day; an unborn child (expected date of birth only, or a birth date
-- after the day) is -1, as in the widely used Annex A extracts.
CREATE OR REPLACE TEMP MACRO annex_a_age(birth, expected_birth, on_day) AS
    CASE WHEN birth IS NULL AND expected_birth IS NOT NULL THEN -1
         WHEN birth > on_day THEN -1
         ELSE age_on(birth, on_day) END;

-- Keep a date only if it had happened by the as-at date (later dates were not known then).
CREATE OR REPLACE TEMP MACRO annex_a_by(day, as_at) AS CASE WHEN day <= as_at THEN day END;

-- The team and worker holding a child's case on a day: the allocation open that day that
-- started last (ties: the highest allocation ID), by name where the team or worker is known.
CREATE OR REPLACE TEMP MACRO annex_a_allocation(key, on_day) AS (
    SELECT arg_max({'team': coalesce(t.team_name, a.team_id), 'worker': coalesce(w.worker_name, a.worker_id)},
                   {'start_date': a.start_date, 'allocation_id': a.allocation_id})
    FROM fact_allocation a
    LEFT JOIN fact_team t ON t.team_id = a.team_id
    LEFT JOIN fact_worker w ON w.worker_id = a.worker_id
    WHERE a.child_key = key AND allocation_on(a, on_day)
);

-- A team and worker named on the event itself, by name where known (NULL when neither is named).
CREATE OR REPLACE TEMP MACRO annex_a_named(team, worker) AS
    CASE WHEN team IS NOT NULL OR worker IS NOT NULL THEN {
        'team': coalesce((SELECT t.team_name FROM fact_team t WHERE t.team_id = team), team),
        'worker': coalesce((SELECT w.worker_name FROM fact_worker w WHERE w.worker_id = worker), worker)
    } END;

-- Allocated team and worker for a row: the allocation open on the as-at date; for a case
-- closed by then, the allocation open on the row's event date; else the team and worker
-- recorded on the event.
CREATE OR REPLACE TEMP MACRO annex_a_allocated(key, as_at, event_day, team, worker) AS
    coalesce(annex_a_allocation(key, as_at), annex_a_allocation(key, event_day), annex_a_named(team, worker));

-- A date a source knows only by the collection year it fell in (a fact's date_is_proxy: the SSDA903 return
-- dates such events by the year's end, 31 March), written as that year ("Done in the year 2025-26"), never as
-- the 31 March it is not; a real date as the date. The value is text: the export writes an ISO date as a date.
CREATE OR REPLACE TEMP MACRO annex_a_dated(day, is_proxy) AS
    CASE WHEN day IS NULL THEN NULL
         WHEN is_proxy THEN 'Done in the year ' || (year(day - INTERVAL 3 MONTH)) || '-'
                            || right(CAST(year(day - INTERVAL 3 MONTH) + 1 AS VARCHAR), 2)
         ELSE strftime(day, '%Y-%m-%d') END;

-- The first day an event may have happened: its date, or for a proxy the start of its collection year (1 April),
-- by the facts' one rule for dates known only by their year (known_from). Ranking a child's events by it (then
-- real dates first) makes the latest real date win over a proxy of the same year or earlier, and a proxy win over
-- real dates before its year; an event counts by an as-at date when this day is on or before it.
CREATE OR REPLACE TEMP MACRO annex_a_earliest_day(day, is_proxy) AS known_from(day, is_proxy);

-- The order to find a child's latest event in (arg_max(annex_a_dated(...), annex_a_event_order(...))): by the
-- first day it may have happened, then a real date before a proxy.
CREATE OR REPLACE TEMP MACRO annex_a_event_order(day, is_proxy) AS
    {'day': annex_a_earliest_day(day, is_proxy), 'real': NOT is_proxy};
