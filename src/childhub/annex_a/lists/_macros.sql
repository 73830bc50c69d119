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

-- Every allocation (fact_allocation: the team and worker holding a child's case from start_date until end_date),
-- by name where the team or worker is known, with the order in which allocations open on one day win: the one
-- that started last (ties: the highest allocation ID).
CREATE OR REPLACE TEMP MACRO annex_a_named_allocations() AS TABLE
    SELECT a.child_key, a.start_date, a.end_date,
           {'team': coalesce(t.team_name, a.team_id), 'worker': coalesce(w.worker_name, a.worker_id)} AS named,
           {'start_date': a.start_date, 'allocation_id': a.allocation_id} AS precedence
    FROM fact_allocation a
    LEFT JOIN fact_team t ON t.team_id = a.team_id
    LEFT JOIN fact_worker w ON w.worker_id = a.worker_id;

-- A team and worker named on the event itself, by name where known (NULL when neither is named).
-- The aliases inside a macro are named so no caller's alias can be taken for them: a macro's arguments are
-- read inside its body, where an argument "a.team_id" would mean the body's own "a" if it had one.
CREATE OR REPLACE TEMP MACRO annex_a_named(team, worker) AS
    CASE WHEN team IS NOT NULL OR worker IS NOT NULL THEN {
        'team': coalesce((SELECT named_team.team_name FROM fact_team named_team
                          WHERE named_team.team_id = team), team),
        'worker': coalesce((SELECT named_worker.worker_name FROM fact_worker named_worker
                            WHERE named_worker.worker_id = worker), worker)
    } END;

-- The allocated team and worker for a list's rows, looked up for all of them at once (a join, never a query per
-- row). ``listed`` names the query's CTE of rows (query_table), each with child_key and allocation_day (the row's
-- event date: for a case closed by the as-at date, the day it closed). Per child and allocation_day: the
-- allocation open on the as-at date; else the one open on allocation_day; NULL when neither, where the list falls
-- back to the team and worker recorded on the event (annex_a_named). Join it on
-- child_key = and allocation_day IS NOT DISTINCT FROM.
CREATE OR REPLACE TEMP MACRO annex_a_allocations(listed, as_at) AS TABLE
    SELECT wanted.child_key, wanted.allocation_day,
           coalesce(arg_max(held.named, held.precedence) FILTER (WHERE allocation_on(held, as_at)),
                    arg_max(held.named, held.precedence) FILTER (WHERE allocation_on(held, wanted.allocation_day)))
               AS allocation
    FROM (SELECT DISTINCT child_key, allocation_day FROM query_table(listed)) wanted
    JOIN annex_a_named_allocations() held ON held.child_key = wanted.child_key
    GROUP BY wanted.child_key, wanted.allocation_day;

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
-- real dates before its year.
CREATE OR REPLACE TEMP MACRO annex_a_earliest_day(day, is_proxy) AS known_from(day, is_proxy);

-- An event counts in a list by the as-at date once it is known to have happened by then: a real date on or before
-- it; a proxy only once its collection year is over (its 31 March on or before the as-at date), since during the
-- year the return's "done in the year" may still lie ahead. Until then the latest real date, or the previous
-- year's proxy, stands. The indicators keep known_from's rule (a proxy counts from its 1 April).
CREATE OR REPLACE TEMP MACRO annex_a_known_by(day, as_at) AS day <= as_at;

-- The order to find a child's latest event in (arg_max(annex_a_dated(...), annex_a_event_order(...))): by the
-- first day it may have happened, then a real date before a proxy.
CREATE OR REPLACE TEMP MACRO annex_a_event_order(day, is_proxy) AS
    {'day': annex_a_earliest_day(day, is_proxy), 'real': NOT is_proxy};
