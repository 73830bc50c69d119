"""What the data-quality page, the child page's data-quality box and the overview's measure read.

``childhub dq`` (and the check after every ingest) records its findings in ``dq_finding``; this module
reads them from the snapshot as people need them: each open finding with the child it is about *now*
(the linked child of its source record, from ``fact_person``: linkage may have given the record a child
ID since the check ran), the team and worker holding that child's case today (with their names), and
whether it is accepted (by whom, when and why). Every reader takes a scope, a predicate over the column
``f.child_key`` (``childhub.web.scope.child_filter(signed, "f.child_key")``), so that a manager sees the
findings about the children they may see.

``measure`` is the overview's: counts of findings only (no child is named), the same for every role.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from childhub.calendar import collection_year_label
from childhub.web.pages.shared import Row, rows, service_name

if TYPE_CHECKING:
    import duckdb

Scope = tuple[str, list[Any]]
EVERY_CHILD: Scope = ("TRUE", [])
TREND_DAYS = 60
FILTERS = ("kind", "rule", "system", "team", "worker", "year")

# Every finding ever recorded (open or fixed), with its child now, that child's team and worker today, and the
# acceptance that stands (the newest, while the record's values are still those accepted).
_FINDINGS = """
WITH accepted AS (
    SELECT * FROM dq_acceptance
    QUALIFY row_number() OVER (PARTITION BY finding_key ORDER BY accepted_at DESC) = 1
),
allocated AS (
    SELECT a.child_key, arg_max(a.team_id, a.start_date) AS team_id, arg_max(a.worker_id, a.start_date) AS worker_id
    FROM fact_allocation a WHERE allocation_on(a, current_date) GROUP BY a.child_key
),
finding AS (
    SELECT d.finding_key, d.kind, d.rule, d.year, d.severity, d.message, d.table_name, d.fields, d.child_id,
           coalesce(p.child_key, d.child_key) AS child_key, d.source_system, d.source_record, d.detail,
           d.first_seen, d.last_seen, d.fixed_at,
           ac.finding_key IS NOT NULL AS accepted, ac.reason AS accepted_reason, ac.accepted_by, ac.accepted_at
    FROM dq_finding d
    LEFT JOIN accepted ac ON ac.finding_key = d.finding_key AND ac.fingerprint IS NOT DISTINCT FROM d.fingerprint
    LEFT JOIN fact_person p ON p.source_system = d.source_system AND p.person_id = d.child_id
)
SELECT f.*, al.team_id, t.team_name, al.worker_id, w.worker_name,
       nullif(trim(concat_ws(' ', c.forename, c.surname)), '') AS child_name
FROM finding f
LEFT JOIN allocated al ON al.child_key = f.child_key
LEFT JOIN fact_team t ON t.team_id = al.team_id
LEFT JOIN fact_worker w ON w.worker_id = al.worker_id
LEFT JOIN fact_child c ON c.child_key = f.child_key
"""


def recorded(cursor: duckdb.DuckDBPyConnection) -> bool:
    """Whether the snapshot holds the data-quality tables (one published before they existed does not)."""
    return bool(cursor.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_finding'").fetchone()[0])


def _where(scope: Scope, filters: dict[str, Any], *, open_only: bool = True) -> tuple[str, list[Any]]:
    predicate, params = scope
    clauses = [f"({predicate})"] if predicate != "TRUE" else []
    params = list(params)
    if open_only:
        clauses.append("f.fixed_at IS NULL")
    columns = {"kind": "kind", "rule": "rule", "system": "source_system", "team": "team_id", "worker": "worker_id"}
    for name, column in columns.items():
        value = filters.get(name)
        if value:
            clauses.append(f"f.{column} = ?")
            params.append(value)
    if filters.get("year"):
        clauses.append("f.year = ?")
        params.append(int(filters["year"]))
    if filters.get("child_key"):
        clauses.append("f.child_key = ?")
        params.append(filters["child_key"])
    if filters.get("finding_key"):
        clauses.append("f.finding_key = ?")
        params.append(filters["finding_key"])
    show = filters.get("show")
    if show == "accepted":
        clauses.append("f.accepted")
    elif show == "open":
        clauses.append("NOT f.accepted")
    return " AND ".join(clauses) or "TRUE", params


def _worded(finding: Row) -> Row:
    """The finding with the words a person reads: the return, the system, the collection year."""
    from childhub.dq import RETURN_NAMES

    finding["return_name"] = RETURN_NAMES.get(finding["kind"], finding["kind"])
    finding["system_name"] = service_name(finding["source_system"]) if finding["source_system"] else ""
    finding["year_label"] = collection_year_label(finding["year"])
    # names, never IDs (the filters and the API keep team_id and worker_id)
    finding["team_label"] = finding["team_name"] or ("A team whose name is not recorded" if finding["team_id"] else "")
    finding["worker_label"] = finding["worker_name"] or (
        "A worker whose name is not recorded" if finding["worker_id"] else ""
    )
    return finding


def open_findings(
    cursor: duckdb.DuckDBPyConnection,
    filters: dict[str, Any],
    scope: Scope = EVERY_CHILD,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """The open findings matching ``filters`` (kind, rule, system, team, worker, year, child_key, finding_key,
    show: open | accepted | all) about children in ``scope``, errors first: a page of them and how many in all."""
    if not recorded(cursor):
        return [], 0
    where, params = _where(scope, filters)
    total = cursor.execute(f"SELECT count(*) FROM ({_FINDINGS}) f WHERE {where}", params).fetchone()[0]
    sql = (
        f"SELECT * FROM ({_FINDINGS}) f WHERE {where} "
        "ORDER BY f.severity, f.kind, f.year DESC NULLS LAST, f.rule, f.source_system, f.source_record, f.finding_key"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return [_worded(f) for f in rows(cursor, sql, params)], total


def _grouped(cursor: duckdb.DuckDBPyConnection, where: str, params: list[Any], key: str, label: str) -> list[Row]:
    since = datetime.now() - timedelta(days=1)
    return rows(
        cursor,
        f"SELECT {key} AS value, any_value({label}) AS label, "
        "count(*) FILTER (WHERE severity = 'error') AS errors, count(*) FILTER (WHERE severity = 'query') AS queries, "
        "count(DISTINCT child_key) AS children, count(*) FILTER (WHERE first_seen >= ?) AS new "
        f"FROM ({_FINDINGS}) f WHERE {where} AND NOT f.accepted GROUP BY ALL "
        "ORDER BY errors DESC, queries DESC, label NULLS LAST",
        [since, *params],
    )


def summary(cursor: duckdb.DuckDBPyConnection, scope: Scope = EVERY_CHILD, now: datetime | None = None) -> Row:
    """The page's counts about children in ``scope``: open errors and queries (not accepted), accepted, the
    children they are about, new since yesterday, fixed in the last week, the last check; and the open findings
    per rule, return, system, team and worker (each with its words)."""
    from childhub.dq import RETURN_NAMES

    now = now or datetime.now()
    if not recorded(cursor):
        empty: Row = dict.fromkeys(("errors", "queries", "accepted", "children", "new_since_yesterday"), 0)
        return {**empty, "fixed_last_week": 0, "last_run": None, "years": []} | {
            f"by_{name}": [] for name in ("rule", "system", "team", "worker")
        }
    open_where, params = _where(scope, {})
    totals = rows(
        cursor,
        "SELECT count(*) FILTER (WHERE NOT accepted AND severity = 'error') AS errors, "
        "count(*) FILTER (WHERE NOT accepted AND severity = 'query') AS queries, "
        "count(*) FILTER (WHERE accepted) AS accepted, "
        "count(DISTINCT child_key) FILTER (WHERE NOT accepted) AS children, "
        "count(*) FILTER (WHERE first_seen >= ?) AS new_since_yesterday "
        f"FROM ({_FINDINGS}) f WHERE {open_where}",
        [now - timedelta(days=1), *params],
    )[0]
    any_where, any_params = _where(scope, {}, open_only=False)
    totals["fixed_last_week"] = cursor.execute(
        f"SELECT count(*) FROM ({_FINDINGS}) f WHERE {any_where} AND f.fixed_at >= ?",
        [*any_params, now - timedelta(days=7)],
    ).fetchone()[0]
    totals["last_run"] = cursor.execute("SELECT max(started_at) FROM dq_run").fetchone()[0]
    rules = load_rule_names()
    by_rule = _grouped(cursor, open_where, params, "kind || ' ' || rule", "message")
    for group in by_rule:
        kind, _, code = group["value"].partition(" ")
        group.update(kind=kind, rule=code, return_name=RETURN_NAMES.get(kind, kind))
        group["label"] = rules.get((kind, code)) or group["label"]
    by_system = _grouped(cursor, open_where, params, "source_system", "source_system")
    for group in by_system:
        group["label"] = service_name(group["value"]) if group["value"] else None
    totals.update(
        by_rule=by_rule,
        by_system=by_system,
        by_team=_grouped(cursor, open_where, params, "team_id", "team_name"),
        by_worker=_grouped(cursor, open_where, params, "worker_id", "worker_name"),
        years=[
            year
            for (year,) in cursor.execute(
                f"SELECT DISTINCT year FROM ({_FINDINGS}) f WHERE {open_where} AND year IS NOT NULL ORDER BY 1 DESC",
                params,
            ).fetchall()
        ],
    )
    return totals


def load_rule_names() -> dict[tuple[str, str], str]:
    """(return, code) -> the rule's message, from the rule library."""
    from childhub.dq import load_rules

    return {(kind, code): rule.message for kind, library in load_rules().items() for code, rule in library.items()}


def trend(
    cursor: duckdb.DuckDBPyConnection, scope: Scope = EVERY_CHILD, days: int = TREND_DAYS, today: date | None = None
) -> list[Row]:
    """Open errors and open queries at the end of each day of the last ``days`` since the first check, about
    children in ``scope`` (accepted ones included: an acceptance is a judgement, not a fix)."""
    today = today or date.today()
    if not recorded(cursor):
        return []
    first = cursor.execute("SELECT CAST(min(started_at) AS DATE) FROM dq_run").fetchone()[0]
    if first is None:
        return []
    start = max(first, today - timedelta(days=days - 1))
    where, params = _where(scope, {}, open_only=False)
    return rows(
        cursor,
        "SELECT CAST(t.day AS DATE) AS day, "
        "count(f.finding_key) FILTER (WHERE f.severity = 'error') AS errors, "
        "count(f.finding_key) FILTER (WHERE f.severity = 'query') AS queries "
        "FROM generate_series(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), INTERVAL 1 DAY) t(day) "
        f"LEFT JOIN (SELECT * FROM ({_FINDINGS}) f WHERE {where}) f "
        "ON CAST(f.first_seen AS DATE) <= CAST(t.day AS DATE) "
        "AND (f.fixed_at IS NULL OR CAST(f.fixed_at AS DATE) > CAST(t.day AS DATE)) "
        "GROUP BY ALL ORDER BY day",
        [start, today, *params],
    )


def child_findings(cursor: duckdb.DuckDBPyConnection, child_key: str) -> list[Row]:
    """The child's open findings (accepted ones too, said so), errors first: for the child page."""
    found, _ = open_findings(cursor, {"child_key": child_key})
    return found


def measure(cursor: duckdb.DuckDBPyConnection, today: date | None = None) -> Row:
    """The overview's data-quality measure for the whole authority: open errors and queries (not accepted), new
    since yesterday, fixed in the last week, the daily trend of open errors, the last check. Counts of findings,
    never of children, and no child named: the same for every role."""
    totals = summary(cursor)
    return {
        "errors": totals["errors"],
        "queries": totals["queries"],
        "new_since_yesterday": totals["new_since_yesterday"],
        "fixed_last_week": totals["fixed_last_week"],
        "last_run": totals["last_run"],
        "trend": trend(cursor, today=today),
    }
