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
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from childhub.dq.rules import Rule, load_rules
from childhub.dq.tables import CHILD_COLUMN, TABLES

_DATE_FORMAT = {"ssda903": "%d/%m/%Y", "cin": "%Y-%m-%d"}
_TABLE_REF = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_ARROW_FROM = 200_000  # values in one add_rows from which pyarrow (and its import) pays for itself
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

    @classmethod
    def new(cls, kind: str, year: int, la_code: str | None = None) -> ReturnRun:
        import duckdb

        from childhub.facts import install_macros

        conn = duckdb.connect(":memory:", config={"threads": 1})
        install_macros(conn)
        run = cls(kind=kind, year=year, conn=conn, la_code=la_code)
        run._setup()
        return run

    def _setup(self) -> None:
        from childhub.codes import registry

        year, fmt = self.year, _DATE_FORMAT[self.kind]
        la = "NULL" if not self.la_code else "'" + self.la_code.replace("'", "''") + "'"
        statements = [
            f"CREATE MACRO collection_end() AS DATE '{year}-03-31'",
            f"CREATE MACRO collection_start() AS DATE '{year - 1}-04-01'",
            f"CREATE MACRO collection_year() AS {year}",
            f"CREATE MACRO la_code() AS CAST({la} AS VARCHAR)",
            f"CREATE MACRO d(x) AS CAST(try_strptime(CAST(x AS VARCHAR), '{fmt}') AS DATE)",
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
        first = self.next_rid
        self.next_rid += len(rows)
        values = {column: [_text(row.get(column)) for row in rows] for column in columns}
        if len(rows) * len(columns) > _ARROW_FROM:
            self._insert_arrow(name, first, values, origin, lines)
            return
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

    def _insert_arrow(
        self, name: str, first: int, values: dict[str, list], origin: str, lines: list[int] | None
    ) -> None:
        """Many rows (a store's history): through pyarrow, slow to import but quicker per value."""
        import pyarrow as pa

        count = len(next(iter(values.values())))
        data = {"_rid": pa.array(range(first, first + count), pa.int64())}
        data.update({column: pa.array(texts, pa.string()) for column, texts in values.items()})
        self.conn.register("_incoming", pa.table(data))
        self.conn.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
        where = pa.table(
            {
                "_rid": data["_rid"],
                "tbl": pa.array([name] * count, pa.string()),
                "origin": pa.array([origin] * count, pa.string()),
                "line": pa.array(lines or [None] * count, pa.int32()),
                "child": data.get(CHILD_COLUMN[self.kind], pa.array([None] * count, pa.string())),
            }
        )
        self.conn.register("_incoming", where)
        self.conn.execute("INSERT INTO _rows SELECT * FROM _incoming")
        self.conn.unregister("_incoming")

    def mark_supplied(self, table: str) -> None:
        """A table is supplied (present in the return) even when it has no rows."""
        self.tables.add(table)

    def close(self) -> None:
        self.conn.close()


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
        needed = tables_read(version.sql) & known
        if needed <= run.tables:
            chosen.append(rule)
    return chosen


def run_rules(
    run: ReturnRun,
    rules: dict[str, Rule] | None = None,
    only: set[str] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Finding]:
    """Every applicable rule over the run's tables: one finding per failing record, in rule order."""
    findings: list[Finding] = []
    for rule in applicable(run, rules, only):
        version = rule.version(run.year)
        started = time.perf_counter()
        sql = (
            "SELECT DISTINCT f._rid, r.tbl, r.origin, r.line, r.child "
            f"FROM ({version.sql}) f LEFT JOIN _rows r ON r._rid = f._rid ORDER BY r.origin, r.line, f._rid"
        )
        try:
            rows = run.conn.execute(sql).fetchall()
        except Exception as error:  # a rule that fails on this data is a defect of the rule: say which
            from childhub.dq.rules import RuleError

            raise RuleError(f"rule {rule.return_} {rule.code} failed: {str(error).splitlines()[0]}") from error
        if timings is not None:
            timings[rule.code] = time.perf_counter() - started
        findings += _findings(run, rule, rows)
    return findings


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
