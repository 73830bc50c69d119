"""Whose children are whose, and each child's status in each service, in words; caseloads and unallocated work by
team, week by week. Set-wise over the facts: one query for every child or worker, filtered afterwards.

A case is a child allocated to a worker on the day as ``caseload_per_worker`` counts it (an allocation started on or
before the day and not ended on or before it, to a named worker, of a child with a person record); a worker's team
is their worker record's team, else the team of their latest allocation. Unallocated children are those
``unallocated_cases`` counts: open to social care on the day (fact_service_known) with no allocation to a worker.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from childhub.frontline.due import long_date

if TYPE_CHECKING:
    import duckdb

READS = ("allocation", "care_leaver", "child", "cin_plan", "cla_period", "cla_placement", "cp_plan", "referral",
         "service_known", "team", "worker")  # fmt: skip

_STATUS_SQL = """
SELECT child_key, 'cp' AS service, min(start_date) AS since, NULL AS code FROM fact_cp_plan p
WHERE cp_plan_on(p, $as_at) AND child_key IS NOT NULL GROUP BY child_key
UNION ALL
SELECT p.child_key, 'cla', min(p.start_date), arg_max(pl.placement_type, pl.start_date)
FROM fact_cla_period p
LEFT JOIN fact_cla_placement pl
  ON pl.person_id = p.person_id AND pl.period_number = p.period_number AND NOT pl.short_break
 AND open_on(pl.start_date, pl.end_date, $as_at)
WHERE care_period_on(p, $as_at) AND p.child_key IS NOT NULL GROUP BY p.child_key
UNION ALL
SELECT child_key, 'cin_plan', min(start_date), NULL FROM fact_cin_plan
WHERE open_on(start_date, end_date, $as_at) AND child_key IS NOT NULL GROUP BY child_key
UNION ALL
SELECT child_key, 'referral', min(referral_date), NULL FROM fact_referral r
WHERE cin_open_on(r, $as_at) AND child_key IS NOT NULL GROUP BY child_key
UNION ALL
SELECT l.child_key, 'care_leaver', NULL, NULL FROM fact_care_leaver l
JOIN fact_child ch ON ch.child_key = l.child_key
WHERE age_on(ch.date_of_birth, $as_at) BETWEEN 16 AND 25 GROUP BY l.child_key
"""


def statuses(cursor: duckdb.DuckDBPyConnection, as_at: date) -> dict[str, list[str]]:
    """Each child's status in each service on ``as_at``, in words ("Child protection plan since 3 March 2026",
    "Looked after since 1 May 2025, placed: Children's home", "Child in need since ...")."""
    from childhub.codes import label

    found: dict[str, dict[str, tuple[Any, Any]]] = defaultdict(dict)
    for key, service, since, code in cursor.execute(_STATUS_SQL, {"as_at": as_at}).fetchall():
        found[key][service] = (since, code)
    shown: dict[str, list[str]] = {}
    for key, services in found.items():
        words = []
        if "cp" in services:
            words.append(f"Child protection plan since {long_date(services['cp'][0])}")
        if "cla" in services:
            since, code = services["cla"]
            placed = label("ssda903_placement", code) if code else None
            words.append(f"Looked after since {long_date(since)}" + (f", placed: {placed}" if placed else ""))
        elif "care_leaver" in services:
            words.append("Care leaver")
        if "cin_plan" in services and "cp" not in services and "cla" not in services:
            words.append(f"Child in need (plan since {long_date(services['cin_plan'][0])})")
        elif "referral" in services and not {"cp", "cla", "cin_plan"} & set(services):
            words.append(f"Child in need (referred on {long_date(services['referral'][0])})")
        if words:
            shown[key] = words
    return shown


_HELD_SQL = """
WITH held AS (
    SELECT worker_id, child_key, max(start_date) AS start_date, arg_max(team_id, start_date) AS allocation_team_id
    FROM fact_allocation a
    WHERE allocation_on(a, $as_at) AND worker_id IS NOT NULL AND child_key IS NOT NULL
    GROUP BY worker_id, child_key
)
SELECT h.worker_id, h.child_key, h.start_date,
       coalesce(any_value(w.team_id) OVER (PARTITION BY h.worker_id),
                arg_max(h.allocation_team_id, h.start_date) OVER (PARTITION BY h.worker_id)) AS team_id
FROM held h LEFT JOIN fact_worker w ON w.worker_id = h.worker_id
"""


def cases_by_worker(cursor: duckdb.DuckDBPyConnection, as_at: date) -> dict[str, dict[str, Any]]:
    """Each case-holding worker on ``as_at``: their team and their children (child key -> allocated since)."""
    workers: dict[str, dict[str, Any]] = {}
    for worker_id, key, since, team_id in cursor.execute(_HELD_SQL, {"as_at": as_at}).fetchall():
        worker = workers.setdefault(worker_id, {"team_id": team_id, "children": {}})
        worker["children"][key] = since
    return workers


def open_since(cursor: duckdb.DuckDBPyConnection, keys: list[str], as_at: date) -> dict[str, date]:
    """When each child's spell open to social care on ``as_at`` began (the earliest of the spells open that day)."""
    if not keys:
        return {}
    rows = cursor.execute(
        "SELECT child_key, min(from_date) FROM fact_service_known WHERE service = 'social_care' "
        "AND open_on(from_date, until_date, $as_at) AND child_key IN (SELECT unnest(CAST($keys AS VARCHAR[]))) "
        "GROUP BY child_key",
        {"as_at": as_at, "keys": keys},
    ).fetchall()
    return dict(rows)


def waiting_since(cursor: duckdb.DuckDBPyConnection, keys: list[str], as_at: date) -> dict[str, date]:
    """When each child open to social care on ``as_at`` began waiting for a worker: the day their spell open that
    day began (``open_since``) or, if later, the day their last allocation to a worker ended (a child whose worker
    left last week has waited a week, however long they have been open)."""
    opened = open_since(cursor, keys, as_at)
    if not opened:
        return {}
    ended = dict(
        cursor.execute(
            "SELECT child_key, max(end_date) FROM fact_allocation WHERE worker_id IS NOT NULL AND end_date <= $as_at "
            "AND child_key IN (SELECT unnest(CAST($keys AS VARCHAR[]))) GROUP BY child_key",
            {"as_at": as_at, "keys": sorted(opened)},
        ).fetchall()
    )
    return {key: max(day, ended.get(key) or day) for key, day in opened.items()}


def complete_weeks(as_at: date, weeks: int) -> list[date]:
    """The last day (Sunday) of each of the ``weeks`` complete weeks before ``as_at``, oldest first: a week still
    under way is not a point (as the indicators' trends judge complete periods only)."""
    last_sunday = as_at - timedelta(days=as_at.weekday() + 1)
    return [last_sunday - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]


_WEEKLY_SQL = """
WITH week AS (SELECT unnest(CAST($ends AS DATE[])) AS end_date),
held AS (
    SELECT wk.end_date, a.worker_id, a.child_key, arg_max(a.team_id, a.start_date) AS allocation_team_id,
           max(a.start_date) AS start_date
    FROM week wk JOIN fact_allocation a ON allocation_on(a, wk.end_date)
    WHERE a.worker_id IS NOT NULL AND a.child_key IS NOT NULL
    GROUP BY wk.end_date, a.worker_id, a.child_key
),
holder AS (
    SELECT h.end_date, h.worker_id,
           coalesce(any_value(w.team_id), arg_max(h.allocation_team_id, h.start_date)) AS team_id,
           count(*) AS cases, coalesce(any_value(w.fte), 1.0) AS fte
    FROM held h LEFT JOIN fact_worker w ON w.worker_id = h.worker_id
    GROUP BY h.end_date, h.worker_id
),
open_case AS (
    SELECT wk.end_date, k.child_key, arg_max(k.team_id, k.from_date) AS case_team_id
    FROM week wk
    JOIN fact_service_known k ON k.service = 'social_care' AND open_on(k.from_date, k.until_date, wk.end_date)
    GROUP BY wk.end_date, k.child_key
),
current_allocation AS (
    SELECT o.end_date, o.child_key, bool_or(a.worker_id IS NOT NULL) AS has_worker,
           arg_max(a.team_id, a.start_date) FILTER (WHERE a.worker_id IS NULL) AS team_only_id
    FROM open_case o JOIN fact_allocation a ON a.child_key = o.child_key AND allocation_on(a, o.end_date)
    GROUP BY o.end_date, o.child_key
)
SELECT end_date, team_id, 'cases' AS measure, sum(cases) AS value, sum(fte) AS fte FROM holder GROUP BY ALL
UNION ALL
SELECT o.end_date, coalesce(c.team_only_id, o.case_team_id), 'unallocated', count(*), NULL
FROM open_case o LEFT JOIN current_allocation c ON c.end_date = o.end_date AND c.child_key = o.child_key
WHERE NOT coalesce(c.has_worker, false)
GROUP BY ALL
"""


def weekly_by_team(cursor: duckdb.DuckDBPyConnection, ends: list[date]) -> dict[str | None, dict[date, dict]]:
    """For each team and week end: cases held by its workers, their FTE, and children open to social care with no
    worker (by the rules of caseload_per_worker and unallocated_cases), in one query over every week."""
    found: dict[str | None, dict[date, dict]] = defaultdict(lambda: defaultdict(dict))
    for end, team_id, measure, value, fte in cursor.execute(_WEEKLY_SQL, {"ends": ends}).fetchall():
        found[team_id][end][measure] = int(value)
        if measure == "cases":
            found[team_id][end]["fte"] = float(fte)
    return found
