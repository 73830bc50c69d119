"""The rules over the store: every return rule for every collection year held, the checks across systems,
and the record of findings (first seen, last seen, fixed, accepted) that gives data quality its trend.

``check(conn, ...)`` runs on the writer's connection (``childhub.hub.check_quality`` calls it after every
ingest and on demand) and records the run; ``findings``, ``summary`` and ``trend`` read what it recorded;
``accept`` marks a finding accepted with a reason until the record it is about changes.

A finding's key is its return, rule, collection year, table and source record (or child): the same fault
in the same record is the same finding from run to run. Its fingerprint is a hash of the record's values
(for the checks across systems, of the values behind it): an acceptance holds while the fingerprint is
the one accepted.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from childhub.calendar import collection_year_label
from childhub.dq.engine import Finding, ReturnRun, run_rules
from childhub.dq.rules import Rule, RuleError, load_rules
from childhub.dq.tables import NATURAL_KEY, TABLES


@dataclass(frozen=True)
class CheckResult:
    """What one run over the store found."""

    started_at: datetime
    seconds: float
    rules_run: int
    findings: int
    opened: int  # findings not open before this run
    fixed: int  # findings open before that this run no longer finds
    years: str
    unchanged: int = 0  # return years not run again: nothing they read had changed since their last check


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def _fingerprints(run: ReturnRun, findings: list[Finding]) -> dict[int, tuple[str, str | None]]:
    """rid -> (a hash of that row's values, the row's own key in words: "DECOM 01/04/2025"), for every row a
    finding points at. The key tells apart two rows of one child in one table (two episodes), which the store's
    rows, named by the child's record, would not."""
    wanted: dict[str, list[int]] = {}
    for finding in findings:
        if finding.rid is not None and finding.table:
            wanted.setdefault(finding.table, []).append(finding.rid)
    out: dict[int, tuple[str, str | None]] = {}
    for table, rids in wanted.items():
        base = table.removesuffix("_last")
        columns = TABLES[run.kind][base]
        values = ", ".join(f"coalesce(\"{c}\", '<blank>')" for c in columns)
        natural = (
            " || ' ' || ".join(f"'{c} ' || coalesce(\"{c}\", 'blank')" for c in NATURAL_KEY.get(base, ())) or "NULL"
        )
        rows = run.conn.execute(
            f"SELECT _rid, md5(concat_ws('|', {values})), {natural} FROM \"{table}\" WHERE _rid IN (SELECT unnest(?))",
            [sorted(set(rids))],
        ).fetchall()
        out.update({rid: (digest, key) for rid, digest, key in rows})
    return out


def return_findings(run: ReturnRun, only: set[str] | None = None) -> list[Finding]:
    """The run's findings, each with its source system and record (from the row's origin) and fingerprint."""
    findings = run_rules(run, only=only)
    prints = _fingerprints(run, findings)
    out = []
    for finding in findings:
        system, _, record = (finding.origin or "").partition(" ")
        digest, natural = prints.get(finding.rid, (None, None)) if finding.rid is not None else (None, None)
        out.append(
            replace(
                finding,
                source_system=system or None,
                source_record=record or None,
                fingerprint=digest,
                detail=f"{finding.table.removesuffix('_last')}: {natural}" if natural and finding.table else None,
            )
        )
    return out


def hub_findings(
    conn: Any,
    as_at: date,
    *,
    unallocated_days: int = 5,
    only: set[str] | None = None,
    rules: dict[str, Rule] | None = None,
) -> list[Finding]:
    """The checks across systems (``library/hub``) over the facts on ``conn`` (built by ``facts.prepare``)."""
    from childhub.engines import check_translation

    rules = rules if rules is not None else load_rules()["hub"]
    conn.execute(f"CREATE OR REPLACE TEMP MACRO as_at() AS DATE '{as_at.isoformat()}'")
    conn.execute(f"CREATE OR REPLACE TEMP MACRO unallocated_days() AS {int(unallocated_days)}")
    # every check translated before any runs (on Spark): one it cannot run fails now, naming the engine and construct
    versions = {code: rule.version(as_at.year) for code, rule in rules.items() if not only or code in only}
    check_translation(
        conn,
        ((f"rule hub {code} ({rules[code].file})", version.sql, None) for code, version in versions.items() if version),
    )
    found: list[Finding] = []
    for code, rule in rules.items():
        if only and code not in only:
            continue
        version = rule.version(as_at.year)
        if version is None:
            continue
        try:
            cursor = conn.execute(f"SELECT * FROM ({version.sql}) f")
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        except Exception as error:
            raise RuleError(f"rule hub {code} failed: {str(error).splitlines()[0]}") from error
        fields = tuple(f.split(".", 1)[1] for f in rule.fields)
        for values in rows:
            row = dict(zip(columns, values, strict=True))
            detail = row.get("detail")
            found.append(
                Finding(
                    rule=code,
                    kind="hub",
                    year=None,
                    severity=rule.severity,
                    message=rule.message,
                    table=(rule.fields[0].split(".", 1)[0] if rule.fields else None),
                    origin=None,
                    line=None,
                    child=row.get("source_record"),
                    fields=fields,
                    child_key=row.get("child_key"),
                    source_system=row.get("source_system"),
                    source_record=str(row.get("source_record") or ""),
                    detail=detail,
                    fingerprint=_key(row.get("fingerprint") or detail),
                )
            )
    return found


def finding_key(finding: Finding) -> str:
    if finding.kind == "hub":
        return _key("hub", finding.rule, finding.source_system, finding.source_record)
    return _key(
        finding.kind,
        finding.rule,
        finding.year,
        finding.table,
        finding.origin or finding.child,
        finding.line,
        finding.detail,
    )


def _library_digest(kind: str) -> str:
    """A hash of a return's rules as loaded: a change to any rule makes every year of that return run again."""
    rules = load_rules()[kind]
    return _key(*(rule.model_dump_json() for rule in rules.values()))


def _inputs(conn: Any, kind: str, la_code: str | None, years: list[int]) -> dict[int, str]:
    """What each of a return's years is made from: the returning system's loaded batches (the store's return
    tables read social care's records), the rule library, the code that builds and runs the tables (childhub's
    version and the modules' source), the authority's code and, for the latest two years, the newest date any
    batch carries (the store's "today", which decides what a year still in progress holds)."""
    from importlib import resources

    from childhub import __version__

    batches = conn.execute(
        "SELECT count(*), coalesce(max(batch_id), 0), coalesce(sum(batch_id), 0) FROM ingest_batch "
        "WHERE source_system = 'social_care'"
    ).fetchone()
    newest = conn.execute("SELECT max(coalesce(extract_date, CAST(started_at AS DATE))) FROM ingest_batch").fetchone()
    code = _key(*(resources.files("childhub.dq").joinpath(name).read_text("utf-8") for name in _BUILDERS))
    base = _key(kind, batches, _library_digest(kind), __version__, code, la_code)
    latest = max(years, default=0)
    return {year: _key(base, newest if year >= latest - 1 else None) for year in years}


# The modules whose code decides what a year's return tables and findings are (a change re-runs every year).
_BUILDERS = ("store.py", "engine.py", "tables.py")


def check(
    conn: Any,
    *,
    as_at: date | None = None,
    la_code: str | None = None,
    unallocated_days: int = 5,
    only: set[str] | None = None,
    everything: bool = False,
    progress: Any = None,
) -> CheckResult:
    """Every rule over the store (each return for each collection year held, then the checks across systems),
    recorded as one run. On the writer's connection, with the facts refreshed: ``run_checks`` then
    ``record_checks`` (which a held store runs apart, reading without holding the writer).

    A return's year whose inputs (``_inputs``: social care's batches, the rules, the code that builds the tables,
    the authority's code; for the latest two years the newest batch date) are what they were when it was last
    checked keeps its findings without running again; ``everything`` (or ``only``, a set of rules) runs them all
    regardless. A year no longer held has its findings fixed. The findings, the years' state and the run are
    recorded in one transaction: a check that fails records nothing."""
    checked = run_checks(
        conn,
        as_at=as_at,
        la_code=la_code,
        unallocated_days=unallocated_days,
        only=only,
        everything=everything,
        progress=progress,
    )
    return record_checks(conn, checked)


@dataclass
class Checked:
    """What ``run_checks`` found, ready for ``record_checks``."""

    started: datetime
    seconds: float
    rules_run: int
    found: list[Finding]
    checked: list[tuple[str, int | None]]
    states: list[tuple[str, int, str]]
    spans: list[str]
    unchanged: int
    only: set[str] | None


def run_checks(
    conn: Any,
    *,
    as_at: date | None = None,
    la_code: str | None = None,
    unallocated_days: int = 5,
    only: set[str] | None = None,
    everything: bool = False,
    progress: Any = None,
    engine: Any = None,
) -> Checked:
    """Run the rules as ``check`` does, reading only (any connection that sees the stored facts fresh).

    ``engine``, a connection of another engine holding the store (a ``SparkConnection``, ``childhub.engines``),
    runs every rule and builds the facts the checks across systems read; ``conn`` then only derives the return
    tables and reads what the last run recorded."""
    from contextlib import closing

    from childhub import facts
    from childhub.dq.engine import applicable
    from childhub.dq.store import store_runs, years_held

    say = progress or (lambda *a, **k: None)
    counting = conn if engine is None else engine  # where the rules run and the facts are read
    started, clock = datetime.now().replace(microsecond=0), time.perf_counter()
    as_at = as_at or date.today()
    found: list[Finding] = []
    spans, rules_run, checked, unchanged = [], 0, [("hub", None)], 0
    last = {(k, y): inputs for k, y, inputs in conn.execute("SELECT kind, year, inputs FROM dq_state").fetchall()}
    states: list[tuple[str, int, str]] = []
    for kind in ("ssda903", "cin"):
        years = years_held(conn, kind)
        if only is None:  # a year no longer held (its records corrected away): its findings are fixed
            gone = conn.execute(
                "SELECT DISTINCT year FROM dq_finding WHERE kind = ? AND fixed_at IS NULL", [kind]
            ).fetchall()
            checked += [(kind, year) for (year,) in gone if year not in years]
        if years:
            spans.append(f"{kind} {years[0]}-{years[-1]}")
        inputs = _inputs(conn, kind, la_code, years)
        due = [year for year in years if everything or only is not None or last.get((kind, year)) != inputs[year]]
        unchanged += len(years) - len(due)  # nothing the others read has changed since they were checked
        # each year's tables derived once (they are the next year's last year), from relations built once
        with closing(store_runs(conn, kind, due, la_code=la_code, engine=engine)) as runs:
            for year in due:
                say(f"checking the {kind} return for {collection_year_label(year)}")
                run = next(runs)
                try:
                    rules_run += len(applicable(run, only=only))
                    found += return_findings(run, only)
                finally:
                    run.close()
                checked.append((kind, year))
                states.append((kind, year, inputs[year]))
    say("checking across systems")
    facts.prepare(counting)
    hub = hub_findings(counting, as_at, unallocated_days=unallocated_days, only=only)
    rules_run += len(load_rules()["hub"]) if not only else len(only & set(load_rules()["hub"]))
    found += _with_child_keys(counting, found) + hub
    seconds = time.perf_counter() - clock
    return Checked(started, seconds, rules_run, found, checked, states, spans, unchanged, only)


def record_checks(conn: Any, done: Checked) -> CheckResult:
    """Record what ``run_checks`` found, on the writer, in one transaction."""
    from childhub.dq.store import years_held

    conn.execute("BEGIN TRANSACTION")  # the findings, what each year was checked from and the run: all or nothing
    try:
        opened, fixed = record(conn, done.found, done.started, checked=done.checked, rules=done.only)
        if done.only is None:
            for kind, year, inputs in done.states:
                conn.execute("DELETE FROM dq_state WHERE kind = ? AND year = ?", [kind, year])
                conn.execute("INSERT INTO dq_state VALUES (?, ?, ?, ?)", [kind, year, inputs, done.started])
            for kind in ("ssda903", "cin"):  # a year no longer held is forgotten (checked afresh if it comes back)
                conn.execute(
                    "DELETE FROM dq_state WHERE kind = ? AND year NOT IN (SELECT unnest(?))",
                    [kind, years_held(conn, kind)],
                )
        conn.execute(
            "INSERT INTO dq_run VALUES ((SELECT coalesce(max(run_id), 0) + 1 FROM dq_run), ?, ?, ?, ?, ?)",
            [done.started, done.seconds, done.rules_run, len(done.found), "; ".join(done.spans)],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    spans, found = "; ".join(done.spans), len(done.found)
    return CheckResult(done.started, done.seconds, done.rules_run, found, opened, fixed, spans, done.unchanged)


def _with_child_keys(conn: Any, found: list[Finding]) -> list[Finding]:
    """Return findings (about to be recorded) given the linked child of their source record; removes them
    from ``found`` (which keeps the hub findings' place) and gives them back keyed."""
    returns = [f for f in found if f.kind != "hub"]
    del found[:]
    pairs = sorted({(f.source_system, f.child) for f in returns if f.source_system and f.child})
    keys: dict[tuple[str, str], str] = {}
    if pairs:
        from childhub.engines import values_relation

        with values_relation(conn, "_dq_pairs", {"s": [p[0] for p in pairs], "p": [p[1] for p in pairs]}):
            rows = conn.execute(
                "SELECT s, p, f.child_key FROM _dq_pairs JOIN fact_person f ON f.source_system = s AND f.person_id = p"
            ).fetchall()
        keys = {(s, p): k for s, p, k in rows}
    return [replace(f, child_key=keys.get((f.source_system, f.child))) for f in returns]


def record(
    conn: Any,
    found: list[Finding],
    at: datetime,
    *,
    checked: list[tuple[str, int | None]] | None = None,
    rules: set[str] | None = None,
) -> tuple[int, int]:
    """Record a run's findings: new ones first seen now, standing ones seen again, and the open findings the
    run looked for and did not find fixed: those of the returns' years in ``checked`` (kind, year; ("hub", None)
    for the checks across systems; None: every open finding) and of ``rules`` (None: every rule).
    Returns (opened, fixed)."""
    import pyarrow as pa

    rows = {}
    for f in found:
        rows[finding_key(f)] = f
    columns = {
        "finding_key": list(rows),
        "kind": [f.kind for f in rows.values()],
        "rule": [f.rule for f in rows.values()],
        "year": pa.array([f.year for f in rows.values()], pa.int32()),
        "severity": [f.severity for f in rows.values()],
        "message": [f.message for f in rows.values()],
        "table_name": [f.table for f in rows.values()],
        "fields": [", ".join(f.fields) for f in rows.values()],
        "child_id": [f.child for f in rows.values()],
        "child_key": [f.child_key for f in rows.values()],
        "source_system": [f.source_system for f in rows.values()],
        "source_record": [f.source_record for f in rows.values()],
        "detail": [f.detail for f in rows.values()],
        "fingerprint": [f.fingerprint for f in rows.values()],
    }
    table = pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v, pa.string())) for k, v in columns.items()})
    conn.register("_dq_now", table)
    scope, params = _scope(checked, rules)
    try:
        opened = conn.execute(
            "SELECT count(*) FROM _dq_now n WHERE NOT EXISTS (SELECT 1 FROM dq_finding d "
            "WHERE d.finding_key = n.finding_key AND d.fixed_at IS NULL)"
        ).fetchone()[0]
        fixed = conn.execute(
            "SELECT count(*) FROM dq_finding d WHERE d.fixed_at IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM _dq_now n WHERE n.finding_key = d.finding_key) AND {scope}",
            params,
        ).fetchone()[0]
        conn.execute(
            "UPDATE dq_finding d SET fixed_at = ? WHERE d.fixed_at IS NULL "
            f"AND d.finding_key NOT IN (SELECT finding_key FROM _dq_now) AND {scope}",
            [at, *params],
        )
        conn.execute(
            "UPDATE dq_finding d SET last_seen = ?, fingerprint = n.fingerprint, message = n.message, "
            "detail = n.detail, child_key = n.child_key, severity = n.severity "
            "FROM _dq_now n WHERE d.finding_key = n.finding_key AND d.fixed_at IS NULL",
            [at],
        )
        conn.execute(
            "INSERT INTO dq_finding SELECT n.*, ?, ?, NULL FROM _dq_now n WHERE NOT EXISTS "
            "(SELECT 1 FROM dq_finding d WHERE d.finding_key = n.finding_key AND d.fixed_at IS NULL)",
            [at, at],
        )
    finally:
        conn.unregister("_dq_now")
    return opened, fixed


def _scope(checked: list[tuple[str, int | None]] | None, rules: set[str] | None) -> tuple[str, list]:
    """SQL over ``dq_finding d`` for the findings a run looked for (see ``record``), and its parameters."""
    parts, params = [], []
    if checked is not None:
        pairs = ["(d.kind = ? AND d.year IS NOT DISTINCT FROM ?)" for _ in checked]
        parts.append("(" + (" OR ".join(pairs) or "false") + ")")
        params += [value for pair in checked for value in pair]
    if rules is not None:
        parts.append("d.rule IN (SELECT unnest(?))")
        params.append(sorted(rules))
    return (" AND ".join(parts) or "true"), params


def accept(conn: Any, key: str, reason: str, accepted_by: str) -> dict:
    """Accept an open finding (with a reason) until the record it is about changes; the finding as accepted."""
    from childhub.errors import ChildhubError

    reason = (reason or "").strip()
    if not reason:
        raise ChildhubError("say why the finding is accepted (a reason is required)")
    row = conn.execute(
        "SELECT finding_key, fingerprint, rule, child_key FROM dq_finding WHERE finding_key = ? AND fixed_at IS NULL",
        [key],
    ).fetchone()
    if row is None:
        raise ChildhubError(f"there is no open finding {key}")
    conn.execute(
        "INSERT INTO dq_acceptance VALUES (?, ?, ?, ?, ?)", [key, row[1], reason[:500], accepted_by, datetime.now()]
    )
    return {"finding_key": row[0], "rule": row[2], "child_key": row[3]}


_OPEN = """
SELECT d.* REPLACE (coalesce(p.child_key, d.child_key) AS child_key),
       a.reason AS accepted_reason, a.accepted_by, a.accepted_at, a.finding_key IS NOT NULL AS accepted,
       al.team_id, al.worker_id
FROM dq_finding d
LEFT JOIN fact_person p ON p.source_system = d.source_system AND p.person_id = d.child_id
LEFT JOIN (SELECT * FROM dq_acceptance
           QUALIFY row_number() OVER (PARTITION BY finding_key ORDER BY accepted_at DESC) = 1) a
       ON a.finding_key = d.finding_key AND a.fingerprint IS NOT DISTINCT FROM d.fingerprint
LEFT JOIN (SELECT child_key, arg_max(team_id, start_date) AS team_id, arg_max(worker_id, start_date) AS worker_id
           FROM fact_allocation WHERE start_date <= current_date AND (end_date IS NULL OR end_date > current_date)
           GROUP BY child_key) al ON al.child_key = coalesce(p.child_key, d.child_key)
WHERE d.fixed_at IS NULL
"""


def findings(
    conn: Any,
    *,
    year: int | None = None,
    rules: list[str] | None = None,
    team: str | None = None,
    worker: str | None = None,
    system: str | None = None,
    kind: str | None = None,
    include_accepted: bool = True,
    child_key: str | None = None,
    finding_key: str | None = None,
) -> list[dict]:
    """The open findings (newest rule order), each with whether it is accepted, the child its record belongs to now
    (linkage may have moved it since the check) and that child's team and worker now. Reads ``fact_person`` and
    ``fact_allocation`` (``facts.prepare(conn, ["person", "allocation"])`` first)."""
    sql, params = f"SELECT * FROM ({_OPEN}) f WHERE true", []
    for column, value in (
        ("year", year),
        ("team_id", team),
        ("worker_id", worker),
        ("source_system", system),
        ("kind", kind),
        ("child_key", child_key),
        ("finding_key", finding_key),
    ):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if rules:
        sql += " AND rule IN (SELECT unnest(?))"
        params.append(list(rules))
    if not include_accepted:
        sql += " AND NOT accepted"
    sql += " ORDER BY kind, year DESC NULLS LAST, rule, source_system, source_record, child_id"
    cursor = conn.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def summary(conn: Any, now: datetime | None = None) -> dict:
    """Counts for the data-quality page: open (errors, queries, accepted), new since yesterday, fixed in the
    last week, and the open findings per rule, system, team and worker."""
    now = now or datetime.now()
    base = f"SELECT * FROM ({_OPEN}) f"
    totals = conn.execute(
        f"SELECT count(*) FILTER (WHERE NOT accepted AND severity = 'error'), "
        f"count(*) FILTER (WHERE NOT accepted AND severity = 'query'), count(*) FILTER (WHERE accepted), "
        f"count(*) FILTER (WHERE first_seen >= ? - INTERVAL 1 DAY), "
        f"count(DISTINCT child_key) FILTER (WHERE NOT accepted) FROM ({base})",
        [now],
    ).fetchone()
    fixed = conn.execute("SELECT count(*) FROM dq_finding WHERE fixed_at >= ? - INTERVAL 7 DAY", [now]).fetchone()[0]
    last_run = conn.execute("SELECT max(started_at) FROM dq_run").fetchone()[0]

    def grouped(column: str) -> list[dict]:
        cursor = conn.execute(
            f"SELECT {column} AS name, count(*) FILTER (WHERE severity = 'error') AS errors, "
            f"count(*) FILTER (WHERE severity = 'query') AS queries, count(DISTINCT child_key) AS children, "
            f"count(*) FILTER (WHERE first_seen >= ? - INTERVAL 1 DAY) AS new "
            f"FROM ({base}) WHERE NOT accepted GROUP BY ALL ORDER BY errors DESC, queries DESC, name",
            [now],
        )
        cols = [c[0] for c in cursor.description]
        return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]

    return {
        "errors": totals[0],
        "queries": totals[1],
        "accepted": totals[2],
        "new_since_yesterday": totals[3],
        "children": totals[4],
        "fixed_last_week": fixed,
        "last_run": last_run,
        "by_rule": grouped("kind || ' ' || rule"),
        "by_system": grouped("source_system"),
        "by_team": grouped("team_id"),
        "by_worker": grouped("worker_id"),
    }


def trend(conn: Any, days: int = 60, today: date | None = None) -> list[dict]:
    """Open errors and queries at the end of each of the last ``days`` days since the first run (from the
    findings' first-seen and fixed times): whether the data are getting better."""
    today = today or date.today()
    first = conn.execute("SELECT CAST(min(started_at) AS DATE) FROM dq_run").fetchone()[0]
    if first is None:
        return []
    cursor = conn.execute(
        "SELECT CAST(day AS DATE) AS day, "
        "count(f.finding_key) FILTER (WHERE f.severity = 'error') AS errors, "
        "count(f.finding_key) FILTER (WHERE f.severity = 'query') AS queries "
        "FROM generate_series(CAST(greatest(?, ? - to_days(?)) AS TIMESTAMP), CAST(? AS TIMESTAMP), "
        "INTERVAL 1 DAY) t(day) "
        "LEFT JOIN dq_finding f ON CAST(f.first_seen AS DATE) <= CAST(day AS DATE) "
        "AND (f.fixed_at IS NULL OR CAST(f.fixed_at AS DATE) > CAST(day AS DATE)) "
        "GROUP BY ALL ORDER BY day",
        [first, today, days - 1, today],
    )
    return [{"day": d, "errors": e, "queries": q} for d, e, q in cursor.fetchall()]
