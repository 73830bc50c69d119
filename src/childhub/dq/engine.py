"""Running the data-quality rules over one collection year's return tables.

``ReturnRun`` is an in-memory DuckDB holding one return's tables for one collection year (and last
year's, ``<table>_last``), each row with its ``_rid``, and ``_rows``: where each row came from
(``origin``: the file, or the system and record in the store; ``line``: the row in the file) and
whose it is (``child``). ``run_rules`` runs every rule that applies in the year and returns the
findings. The rules may use, beside the shared macros of ``childhub.facts`` (``working_days_between``,
``age_on``, ...):

========================  =====================================================================
``collection_start()``    1 April before the collection year's 31 March (DATE)
``collection_end()``      the collection year's 31 March (DATE)
``collection_year()``     the year of that 31 March (INTEGER)
``la_code()``             the authority's ONS code when known, else NULL
``d(x)``                  the text x as a date in the return's format (``dd/mm/yyyy`` in the
                          SSDA903, ``yyyy-mm-dd`` in the CIN census), NULL when it is not one
``_codes``                (code_set, code): the registry's codes valid in the collection year
========================  =====================================================================

The tables are always built in the run's DuckDB; with ``engine`` (a ``SparkConnection``, ``childhub.engines``)
the rules run on Spark instead: the run's tables and macros are copied into a Spark session of their own (the
return's table names, ``missing`` or ``cp_plans``, are the canonical model's too) before the first rule runs.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from childhub.dq.rules import Rule, load_rules
from childhub.dq.tables import CHILD_COLUMN, TABLES

_DATE_FORMAT = {"ssda903": "%d/%m/%Y", "cin": "%Y-%m-%d"}
# What a date must look like before it is read (strptime's %Y alone takes a two-digit year as the year 12).
_DATE_SHAPE = {"ssda903": r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", "cin": r"[0-9]{4}-[0-9]{2}-[0-9]{2}"}
_TABLE_REF = re.compile(r"\b(?:from|join)\s+\"?([a-z_][a-z0-9_]*)\"?", re.IGNORECASE)
# the rules run side by side on this many cursors at most: the cores this process may use, up to 4
_WORKERS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
# Fewer rules a cursor than this, or fewer rows in the run (the rules' planning, most of their time on small
# tables, does not run side by side), and a cursor's macros cost more than it saves
_RULES_PER_WORKER = 40
_ROWS_PER_WORKER = 20_000
# Rows go in as lists bound as parameters (about 0.4 µs a value), or through pyarrow (about 0.13 µs a value, but
# importing it, and pandas that DuckDB then imports, costs about 0.3 s): pyarrow from this many values in one
# add_rows, or from _ARROW_WARM once both are imported anyway.
_ARROW_FROM = 1_000_000
_ARROW_WARM = 5_000
_CTE = re.compile(
    r"(?:\bwith(?:\s+recursive)?|,)\s*([a-z_][a-z0-9_]*)\s+as\s*(?:not\s+)?(?:materialized\s*)?\(", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One failing record of one rule (``rid`` None: the return as a whole)."""

    rule: str
    kind: str
    year: int
    severity: str
    message: str
    table: str | None
    origin: str | None
    line: int | None
    child: str | None
    fields: tuple[str, ...]
    rid: int | None = None
    child_key: str | None = None  # the linked child (store runs)
    source_system: str | None = None
    source_record: str | None = None
    detail: str | None = None  # the values behind the finding, in words
    fingerprint: str | None = None  # changes when the record's values change


@dataclass
class ReturnRun:
    """One return (``kind``) for one collection year, ready for the rules."""

    kind: str
    year: int
    conn: Any  # duckdb.DuckDBPyConnection (in memory, owned by the run)
    la_code: str | None = None
    tables: set[str] = field(default_factory=set)  # tables supplied (with _last ones)
    next_rid: int = 1
    engine: Any = None  # where the rules run: None for ``conn``, else a connection of another engine (Spark)
    macros: list[str] = field(default_factory=list)  # the run's own macros, as created on ``conn``
    _rules_conn: Any = None  # ``engine``'s session holding a copy of the run's tables, made on first use

    @classmethod
    def new(cls, kind: str, year: int, la_code: str | None = None, engine: Any = None) -> ReturnRun:
        """A run with every table of the return empty; ``engine`` (a ``SparkConnection``) runs its rules."""
        import duckdb

        from childhub.facts import install_macros

        conn = duckdb.connect(":memory:", config={"threads": 1})
        install_macros(conn)
        run = cls(kind=kind, year=year, conn=conn, la_code=la_code, engine=engine)
        run._setup()
        return run

    def rules_connection(self) -> Any:
        """The connection the rules run on: the run's own DuckDB, or (with ``engine``) a Spark session of its own
        holding a copy of every table of the run and its macros, made on the first call."""
        if self.engine is None:
            return self.conn
        if self._rules_conn is None:
            self._rules_conn = _copied_to(self, self.engine)
        return self._rules_conn

    def _setup(self) -> None:
        from childhub.codes import registry

        year, fmt = self.year, _DATE_FORMAT[self.kind]
        la = "NULL" if not self.la_code else "'" + self.la_code.replace("'", "''") + "'"
        self.macros = [
            f"CREATE MACRO collection_end() AS DATE '{year}-03-31'",
            f"CREATE MACRO collection_start() AS DATE '{year - 1}-04-01'",
            f"CREATE MACRO collection_year() AS {year}",
            f"CREATE MACRO la_code() AS CAST({la} AS VARCHAR)",
            f"CREATE MACRO d(x) AS CASE WHEN regexp_full_match(CAST(x AS VARCHAR), '{_DATE_SHAPE[self.kind]}') "
            f"THEN CAST(try_strptime(CAST(x AS VARCHAR), '{fmt}') AS DATE) END",
        ]
        statements = [
            *self.macros,
            "CREATE TABLE _rows (_rid BIGINT, tbl VARCHAR, origin VARCHAR, line INTEGER, child VARCHAR)",
        ]
        for name, columns in TABLES[self.kind].items():  # every table exists, empty until supplied
            cols = ", ".join(f'"{c}" VARCHAR' for c in columns)
            statements += [f'CREATE TABLE "{table}" (_rid BIGINT, {cols})' for table in (name, f"{name}_last")]
        self.conn.execute(";\n".join(statements))
        sets, codes = [], []
        for set_id, found in registry().items():
            valid = found.valid_codes(year)
            sets += [set_id] * len(valid)
            codes += valid
        self.conn.execute(
            "CREATE TABLE _codes AS SELECT unnest($sets::VARCHAR[]) AS code_set, unnest($codes::VARCHAR[]) AS code",
            {"sets": sets, "codes": codes},
        )

    def add_rows(
        self,
        table: str,
        rows: list[dict[str, Any]],
        origin: str,
        lines: list[int] | None = None,
        last_year: bool = False,
    ) -> None:
        """Add a table's rows (column -> text; blanks become NULL) from one origin (a file, a system)."""
        columns = TABLES[self.kind][table]
        name = f"{table}_last" if last_year else table
        self.tables.add(name)
        if not rows:
            return
        values = {column: [_text(row.get(column)) for row in rows] for column in columns}
        size = len(rows) * len(columns)
        if size >= _ARROW_FROM or (size >= _ARROW_WARM and {"pyarrow", "pandas"} <= sys.modules.keys()):
            import pyarrow as pa

            frame = pa.table({column: pa.array(texts, pa.string()) for column, texts in values.items()})
            self.add_arrow(table, frame, origin, lines, last_year=last_year)
            return
        first = self.next_rid
        self.next_rid += len(rows)
        # each column a list bound as a parameter, unnested side by side: no pyarrow (nor pandas) to import
        names = [f"c{index}" for index in range(len(columns))]
        unnested = ", ".join(f"unnest(${n}::VARCHAR[]) AS {n}" for n in names)
        child = f"c{columns.index(CHILD_COLUMN[self.kind])}" if CHILD_COLUMN[self.kind] in columns else "NULL"
        self.conn.execute(
            "CREATE OR REPLACE TEMP TABLE _incoming AS "
            f"SELECT unnest(range($first, $next)) AS _rid, {unnested}, unnest($lines::INTEGER[]) AS line",
            {
                **dict(zip(names, values.values(), strict=True)),
                "first": first,
                "next": self.next_rid,
                "lines": lines or [None] * len(rows),
            },
        )
        self.conn.execute(f'INSERT INTO "{name}" SELECT _rid, {", ".join(names)} FROM _incoming')
        self.conn.execute(
            f"INSERT INTO _rows SELECT _rid, $name, $origin, line, {child} FROM _incoming",
            {"name": name, "origin": origin},
        )
        self.conn.execute("DROP TABLE _incoming")

    def add_arrow(
        self, table: str, frame: Any, origin: str, lines: list[int] | None = None, last_year: bool = False
    ) -> None:
        """Add a table's rows held as an Arrow table of text columns (every column of the table, values already
        text, blanks NULL) from one origin: many rows (a store's history) in two statements."""
        import pyarrow as pa

        name = f"{table}_last" if last_year else table
        self.tables.add(name)
        count = frame.num_rows
        if not count:
            return
        first = self.next_rid
        self.next_rid += count
        columns = TABLES[self.kind][table]
        child = CHILD_COLUMN[self.kind]
        frame = frame.append_column("_rid", pa.array(range(first, first + count), pa.int64()))
        frame = frame.append_column("_line", pa.array(lines or [None] * count, pa.int32()))
        listed = ", ".join(f'"{c}"' for c in columns)
        whose = f'"{child}"' if child in columns else "NULL"
        self.conn.register("_incoming", frame)
        try:
            self.conn.execute(f'INSERT INTO "{name}" (_rid, {listed}) SELECT _rid, {listed} FROM _incoming')
            self.conn.execute(
                f"INSERT INTO _rows (_rid, tbl, origin, line, child) SELECT _rid, $name, $origin, _line, {whose} "
                "FROM _incoming",
                {"name": name, "origin": origin},
            )
        finally:
            self.conn.unregister("_incoming")

    def mark_supplied(self, table: str) -> None:
        """A table is supplied (present in the return) even when it has no rows."""
        self.tables.add(table)

    def close(self) -> None:
        if self._rules_conn is not None:
            self._rules_conn.close()
            self._rules_conn = None
        self.conn.close()


def _copied_to(run: ReturnRun, engine: Any) -> Any:
    """A connection on a session of ``engine``'s own (its temp tables apart from the store's) holding every table
    of ``run`` (as Arrow, a table at a time), the shared macros of ``childhub.facts`` and the run's own."""
    from childhub.engines import separate_session
    from childhub.facts import install_macros

    target = separate_session(engine)
    try:
        install_macros(target)
        for statement in run.macros:
            target.execute(statement)
        names = [name for (name,) in run.conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for name in names:
            target.register(name, run.conn.sql(f'SELECT * FROM "{name}"').to_arrow_table())
    except BaseException:
        target.close()
        raise
    return target


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def tables_read(sql: str) -> set[str]:
    """The tables a rule's SQL reads (names after FROM or JOIN that its own WITH clauses do not define)."""
    defined = {name.lower() for name in _CTE.findall(sql)}
    return {name.lower() for name in _TABLE_REF.findall(sql)} - defined


def applicable(run: ReturnRun, rules: dict[str, Rule] | None = None, only: set[str] | None = None) -> list[Rule]:
    """The rules of the run's return that apply in its year and whose tables the run has."""
    rules = rules if rules is not None else load_rules()[run.kind]
    known = {name for names in TABLES.values() for table in names for name in (table, f"{table}_last")}
    chosen = []
    for code, rule in rules.items():
        if only and code not in only:
            continue
        version = rule.version(run.year)
        if version is None:
            continue
        needed = (tables_read(version.sql) & known) - set(rule.optional)
        if needed <= run.tables:
            chosen.append(rule)
    return chosen


def run_rules(
    run: ReturnRun,
    rules: dict[str, Rule] | None = None,
    only: set[str] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Finding]:
    """Every applicable rule over the run's tables: one finding per failing record, in rule order.

    The rules run as a few queries, each the union of a share of them (one query per rule costs more in
    planning than in running on a return's tables), the shares side by side on cursors of the run's
    connection (DuckDB runs them on their threads), unless ``timings`` asks for each rule's seconds."""
    chosen = applicable(run, rules, only)
    if run.engine is not None and chosen:  # every rule translated before any runs: one Spark cannot run fails now
        from childhub.engines import check_translation

        check_translation(
            run.rules_connection(),
            ((f"rule {run.kind} {rule.code} ({rule.file})", rule.version(run.year).sql, None) for rule in chosen),
        )
    if timings is not None:
        conn = run.rules_connection() if chosen else run.conn
        rows = [_rule_rows(conn, run.year, rule, timings) for rule in chosen]
    else:
        rows = _shares_rows(run, chosen)
    return [finding for rule, found in zip(chosen, rows, strict=True) for finding in _findings(run, rule, found)]


def _rule_rows(conn: Any, year: int, rule: Rule, timings: dict[str, float] | None = None) -> list[tuple]:
    """The (rid, table, origin, line, child) a rule flags, in file order; a RuleError naming it if it fails."""
    started = time.perf_counter()
    sql = (
        "SELECT DISTINCT f._rid, r.tbl, r.origin, r.line, r.child "
        f"FROM ({rule.version(year).sql}\n) f LEFT JOIN _rows r ON r._rid = f._rid ORDER BY r.origin, r.line, f._rid"
    )
    try:
        rows = conn.execute(sql).fetchall()
    except Exception as error:  # a rule that fails on this data is a defect of the rule: say which
        from childhub.dq.rules import RuleError

        raise RuleError(f"rule {rule.return_} {rule.code} failed: {str(error).splitlines()[0]}") from error
    if timings is not None:
        timings[rule.code] = time.perf_counter() - started
    return rows


def _shares_rows(run: ReturnRun, chosen: list[Rule]) -> list[list[tuple]]:
    """What ``_rule_rows`` gives for each rule, the rules in shares of one query each, run side by side."""
    if not chosen:
        return []
    if run.engine is not None:  # Spark spreads each query over its own workers: shares one after another
        conn = run.rules_connection()
        shares = [
            list(range(first, min(first + _RULES_PER_WORKER, len(chosen))))
            for first in range(0, len(chosen), _RULES_PER_WORKER)
        ]
        done = [_share_rows(conn, run.year, chosen, share) for share in shares]
        return _gathered(chosen, done)
    count = max(1, min(_WORKERS, len(chosen) // _RULES_PER_WORKER, (run.next_rid - 1) // _ROWS_PER_WORKER))
    shares = [list(range(first, len(chosen), count)) for first in range(count)]
    if count == 1:
        done = [_share_rows(run.rules_connection(), run.year, chosen, shares[0])]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(count) as pool:
            work = [pool.submit(_share_rows, run.conn, run.year, chosen, shares[0])]
            work += [pool.submit(_cursor_share_rows, run.conn, run.year, chosen, share) for share in shares[1:]]
            done = [job.result() for job in work]
    return _gathered(chosen, done)


def _gathered(chosen: list[Rule], done: list[dict | tuple]) -> list[list[tuple]]:
    """The shares' rows as one list per rule of ``chosen``; the first rule to fail (in rule order) raised."""
    failed = [result for result in done if isinstance(result, tuple)]
    if failed:  # the first rule to fail, in rule order, as one rule after another would have failed
        raise min(failed)[1]
    rows: list[list[tuple]] = [[] for _ in chosen]
    for result in done:
        for index, found in result.items():
            rows[index] = found
    return rows


def _cursor_share_rows(conn: Any, year: int, chosen: list[Rule], share: list[int]) -> dict | tuple:
    from childhub.facts import install_macros

    cursor = conn.cursor()  # the run's tables and its own macros; the shared ones are the connection's alone
    try:
        install_macros(cursor)
        return _share_rows(cursor, year, chosen, share)
    finally:
        cursor.close()


def _share_rows(conn: Any, year: int, chosen: list[Rule], share: list[int]) -> dict | tuple:
    """index -> rows for the rules ``share`` (indexes into ``chosen``) in one query; (index, RuleError) of the
    first of them to fail when the query fails (each then run alone to find it)."""
    from childhub.dq.rules import RuleError

    parts = [
        f"SELECT {index} AS _rule, CAST(_rid AS BIGINT) AS _rid FROM ({chosen[index].version(year).sql}\n)"
        for index in share
    ]
    sql = (
        "SELECT DISTINCT f._rule, f._rid, r.tbl, r.origin, r.line, r.child "
        f"FROM ({' UNION ALL '.join(parts)}) f LEFT JOIN _rows r ON r._rid = f._rid "
        "ORDER BY f._rule, r.origin, r.line, f._rid"
    )
    found: dict[int, list[tuple]] = {index: [] for index in share}
    try:
        for index, *row in conn.execute(sql).fetchall():
            found[index].append(tuple(row))
    except Exception:
        for index in share:
            try:
                found[index] = _rule_rows(conn, year, chosen[index])
            except RuleError as error:
                return (index, error)
    return found


def _findings(run: ReturnRun, rule: Rule, rows: list[tuple]) -> list[Finding]:
    """One finding per row (rid, table, origin, line, child) a rule returned, its wording worked out once."""
    severity, message, fields = rule.severity_in(run.year), rule.message_in(run.year), rule.fields_in(run.year)
    shown: dict[str | None, tuple[str, ...]] = {None: ()}
    out = []
    for rid, table, origin, line, child in rows:
        if table not in shown:
            base = (table or "").removesuffix("_last")
            shown[table] = tuple(f.split(".", 1)[1] for f in fields if f.split(".", 1)[0] == base) if table else ()
        out.append(
            Finding(
                rule=rule.code,
                kind=run.kind,
                year=run.year,
                severity=severity,
                message=message,
                table=table,
                origin=origin,
                line=line,
                child=child,
                fields=shown[table],
                rid=rid,
            )
        )
    return out
