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
