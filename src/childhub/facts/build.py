"""Loading the fact definitions, ordering them by what they read, and building them on a connection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.errors import ChildhubError
from childhub.store import has_one_version, qualified, quote_identifier

if TYPE_CHECKING:
    import duckdb

    from childhub.engines import SparkConnection

FACT_DIR = Path(__file__).parent / "sql"
_FACT_REFERENCE = re.compile(r"\bfact_([a-z][a-z0-9_]*)\b")
_CURRENT = re.compile(r"@current\(\s*([a-z][a-z0-9_]*)\s*\)")
_EPISODES = "@episodes"
_EPISODES_TABLES = ("cla_episodes",)  # what ``@episodes`` reads (``facts.episodes.episodes_sql``)
# Bank holidays are known to the calendar for these years; dates outside them count weekdays only.
_HOLIDAY_YEARS = range(1990, 2046)
# The store's facts schema keeps the weekday bank holidays its facts were built with (one row per day, with the
# rule that gave them), so a new connection reads them instead of working them out again from the calendar.
HOLIDAYS_TABLE = "bank_holiday"
# tables of the facts schema that are not facts: the state of the last refresh (facts/incremental.py) and the holidays
_KEPT_BESIDE_FACTS = {"refresh_state", HOLIDAYS_TABLE, "refresh_batch", "refresh_link", "fact_version", "refresh_log"}
# A fact file's header line saying its rows are rebuilt whole, never child by child (a row that depends on other
# children's records); a fact with no child_key column is rebuilt whole too.
_WHOLE_HEADER = re.compile(r"^-- refresh: whole\b", re.MULTILINE)
MACROS_FILE = "_macros.sql"  # the shared macros; every other .sql file is one fact


class FactError(ChildhubError):
    """A fact definition is broken, or could not be built; the message names the fact's file."""


@dataclass(frozen=True)
class Fact:
    """One fact: its table name, what a row is, its SQL as written and the facts it reads."""

    name: str
    description: str
    sql: str
    reads: tuple[str, ...]
    file: str

    @property
    def table(self) -> str:
        return f"fact_{self.name}"

    @property
    def refreshed_whole(self) -> bool:
        """Declared (``-- refresh: whole``) to be rebuilt whole when its inputs change, never child by child."""
        return bool(_WHOLE_HEADER.search(self.sql))

    @property
    def tables(self) -> tuple[str, ...]:
        """The canonical tables it reads through ``@current``."""
        return tuple(sorted(set(_CURRENT.findall(self.sql))))

    def compile(self, known_on: date | None, one_version: frozenset[str] = frozenset()) -> tuple[str, dict]:
        """The SQL with ``@current(table)`` and ``@episodes`` expanded, and the parameters it binds.

        The expansions read the data as known on the named parameter ``$as_of`` (``known_on``,
        None for now). Tables in ``one_version`` have a single visible batch per feed, so their
        rows need no search for the latest version.
        """
        from childhub.facts.episodes import episodes_sql
        from childhub.store import as_of_parameters, current_sql

        def current(match: re.Match) -> str:
            table = match.group(1)
            sql, _ = current_sql(table, known_on, one_version=table in one_version)
            return f"({sql})"

        sql = _CURRENT.sub(current, self.sql)
        if _EPISODES in sql:
            episodes, _ = episodes_sql(known_on)
            sql = sql.replace(_EPISODES, f"({episodes})")
        reads_history = bool(self.tables) or _EPISODES in self.sql
        return sql, as_of_parameters(known_on) if reads_history else {}


def _description(sql: str, file: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if _WHOLE_HEADER.match(line):
            continue
        lines.append(line.removeprefix("--").strip())
    text = " ".join(lines)
    prefix = f"fact_{Path(file).stem}:"
    return text.removeprefix(prefix).strip()


@cache
def _facts() -> dict[str, Fact]:
    problems: list[str] = []
    facts: dict[str, Fact] = {}
    for path in sorted(FACT_DIR.glob("*.sql")):
        if path.name == MACROS_FILE:
            continue
        name = path.stem
        sql = path.read_text("utf-8")
        description = _description(sql, path.name)
        if not sql.startswith(f"-- fact_{name}:"):
            problems.append(f"{path.name}: the first line should be '-- fact_{name}: what one row is'")
        reads = tuple(sorted({ref for ref in _FACT_REFERENCE.findall(sql) if ref != name}))
        facts[name] = Fact(name, description, sql, reads, path.name)
    for fact in facts.values():
        for ref in fact.reads:
            if ref not in facts:
                problems.append(f"{fact.file}: reads fact_{ref}, which has no file {ref}.sql")
    if not problems:
        for name in facts:
            try:
                _order_from(facts, [name])
            except FactError as error:
                problems.append(str(error))
                break
    if problems:
        raise FactError(
            f"The fact definitions in {FACT_DIR} have {len(problems)} problem(s):\n- " + "\n- ".join(problems)
        )
    return facts


def _order_from(facts: dict[str, Fact], names: list[str]) -> list[Fact]:
    ordered: list[Fact] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise FactError(f"facts read each other in a circle: {' -> '.join((*path, name))}")
        state[name] = "visiting"
        for ref in facts[name].reads:
            visit(ref, (*path, name))
        state[name] = "done"
        ordered.append(facts[name])

    for name in names:
        visit(name, ())
    return ordered


def fact_names() -> list[str]:
    """Every fact's name (its table is ``fact_<name>``)."""
    return sorted(_facts())


def describe() -> dict[str, str]:
    """Each fact's table name and what one of its rows is."""
    return {fact.table: fact.description for fact in _facts().values()}


def referenced_facts(sql: str) -> list[str]:
    """The facts a piece of SQL reads (by ``fact_<name>``), known ones only, for ``prepare``."""
    known = _facts()
    return sorted({ref for ref in _FACT_REFERENCE.findall(sql) if ref in known})


def tables_read(names: list[str]) -> list[str]:
    """The canonical tables the named facts read, through ``@current`` and ``@episodes``, themselves or through
    the facts they read (unknown names are left out): what the batches that bear on them fill."""
    facts = _facts()
    found: set[str] = set()
    for fact in _order_from(facts, [name for name in names if name in facts]):
        found.update(fact.tables)
        if _EPISODES in fact.sql:
            found.update(_EPISODES_TABLES)
    return sorted(found)


@cache
def _holiday_rule() -> str:
    """What the bank holidays are worked out by: the calendar's source (the ``holidays`` package, its version) and
    the years; bank holidays kept in a store by another rule are worked out again."""
    from importlib.metadata import version

    return f"holidays {version('holidays')} GB-ENG {_HOLIDAY_YEARS.start}-{_HOLIDAY_YEARS.stop - 1}"


@cache
def _calendar_bank_holidays() -> tuple[date, ...]:
    """The weekday bank holidays of ``_HOLIDAY_YEARS``, from the calendar (about 0.2 s in a new process)."""
    from childhub.calendar import bank_holidays as holidays_of

    return tuple(sorted(day for year in _HOLIDAY_YEARS for day in holidays_of(year) if day.weekday() < 5))


def _kept_bank_holidays(conn: duckdb.DuckDBPyConnection) -> tuple[date, ...] | None:
    """The weekday bank holidays the store's facts schema keeps, if kept by today's rule."""
    kept = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'facts' AND table_name = ?", [HOLIDAYS_TABLE]
    ).fetchone()[0]
    if not kept:
        return None
    table = qualified("facts", HOLIDAYS_TABLE)
    rows = conn.execute(f"SELECT day FROM {table} WHERE rule = ? ORDER BY day", [_holiday_rule()]).fetchall()
    return tuple(row[0] for row in rows) or None


def _bank_holidays(conn: duckdb.DuckDBPyConnection) -> tuple[date, ...]:
    """The weekday bank holidays: those the store keeps (``_keep_bank_holidays``), else the calendar's (on Spark,
    which has no store, always the calendar's)."""
    if _on_spark(conn):
        return _calendar_bank_holidays()
    return _kept_bank_holidays(conn) or _calendar_bank_holidays()


def _on_spark(conn) -> bool:
    """Whether ``conn`` is a ``childhub.engines.SparkConnection`` (not imported: Spark is optional)."""
    return getattr(conn, "engine", "duckdb") == "spark"


def _keep_bank_holidays(conn: duckdb.DuckDBPyConnection) -> None:
    """Write the calendar's weekday bank holidays into the facts schema (on the writer), with the rule that gave
    them, in one statement."""
    conn.execute(
        f"CREATE OR REPLACE TABLE {qualified('facts', HOLIDAYS_TABLE)} AS "
        "SELECT unnest(CAST(? AS DATE[])) AS day, CAST(? AS VARCHAR) AS rule",
        [list(_calendar_bank_holidays()), _holiday_rule()],
    )


@cache
def _macro_statements(holidays: tuple[date, ...]) -> tuple[str, ...]:
    """The bank holidays (``holidays``: see ``_bank_holidays``), the declared precedence of the child's
    demographics (``precedence.yml``), then every macro in ``sql/_macros.sql``."""
    from childhub.facts.precedence import precedence_macros

    days = ", ".join(f"DATE '{day.isoformat()}'" for day in holidays)
    return (
        f"CREATE OR REPLACE TEMP MACRO bank_holidays() AS [{days}]",
        *precedence_macros(),
        (FACT_DIR / MACROS_FILE).read_text("utf-8"),
    )


def install_macros(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the shared macros (working days, ages, "on a day" rules) on any connection, with the
    calendar's bank holidays: for readers that run SQL of their own over other relations (the
    data-quality rules over a return's tables)."""
    _install_macros(conn, _calendar_bank_holidays())


def _install_macros(conn: duckdb.DuckDBPyConnection, holidays: tuple[date, ...] | None = None) -> None:
    for statement in _macro_statements(holidays if holidays is not None else _bank_holidays(conn)):
        conn.execute(statement)


def _prepared_state(conn: duckdb.DuckDBPyConnection) -> tuple[set[str], str | None]:
    if _on_spark(conn):
        tables = set(conn.relations())
        known_on = conn.execute("SELECT known_on FROM fact_state").fetchone()[0] if "fact_state" in tables else None
        return tables, known_on
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary"
    ).fetchall()
    tables = {row[0] for row in rows}
    known_on = None
    if "fact_state" in tables:
        known_on = conn.execute("SELECT known_on FROM fact_state").fetchone()[0]
    return tables, known_on


def data_version(conn: duckdb.DuckDBPyConnection) -> str:
    """What the facts depend on, in one string: batches loaded, links and family memberships made, and
    the fact definitions themselves."""
    row = conn.execute(
        "SELECT (SELECT count(*) || ':' || coalesce(max(batch_id), 0) FROM ingest_batch WHERE status = 'loaded'), "
        "(SELECT count(*) || ':' || coalesce(max(valid_from), TIMESTAMP '1900-01-01') || ':' "
        "        || coalesce(max(valid_to), TIMESTAMP '1900-01-01') FROM child_link), "
        "(SELECT count(*) || ':' || coalesce(max(valid_from), TIMESTAMP '1900-01-01') || ':' "
        "        || coalesce(max(valid_to), TIMESTAMP '1900-01-01') FROM family_member), "
        "(SELECT max(version) FROM schema_migrations)"
    ).fetchone()
    return "|".join((*(str(part) for part in row), _definitions_hash(_bank_holidays(conn))))


@cache
def _definitions_hash(holidays: tuple[date, ...]) -> str:
    """A hash of every fact's compiled SQL and the macros (the bank holidays ``holidays`` included), so facts
    built by an earlier childhub are not taken for current ones."""
    import hashlib

    digest = hashlib.sha256()
    for fact in _facts().values():  # as compiled: the history rules they expand to count too
        digest.update(fact.file.encode() + b"\0" + fact.compile(None)[0].encode() + b"\0")
    for statement in _macro_statements(holidays):
        digest.update(statement.encode() + b"\0")
    return digest.hexdigest()[:16]


def _persisted_fresh(conn: duckdb.DuckDBPyConnection, *, as_stored: bool = False) -> set[str]:
    """The facts kept in the store's ``facts`` schema, if they were built from the data as it is now (or, with
    ``as_stored``, from whatever data they were last refreshed from)."""
    exists = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'facts' AND table_name = 'refresh_state'"
    ).fetchone()[0]
    if not exists:  # a store not yet migrated to keep facts
        return set()
    state = conn.execute("SELECT data_version FROM facts.refresh_state").fetchall()
    if len(state) != 1 or (not as_stored and state[0][0] != data_version(conn)):
        return set()
    rows = conn.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'facts'").fetchall()
    return {row[0] for row in rows} - _KEPT_BESIDE_FACTS


def prepare(
    conn: duckdb.DuckDBPyConnection,
    names: list[str] | None = None,
    *,
    known_on: date | None = None,
    as_stored: bool = False,
) -> None:
    """Build the named facts (all when ``names`` is None) and those they read, as temp tables on ``conn``.

    A fact already built on this connection for the same ``known_on`` is reused; facts built for
    another ``known_on`` are dropped first. ``known_on`` None means the data as it stands now.
    ``as_stored`` takes the store's facts as they stand even while the writer's refresh after a write is
    still under way (the live server's readers: ``refresh`` follows each write within a second or so),
    instead of building every fact afresh on this connection because the data moved on a moment ago.
    """
    import duckdb

    facts = _facts()
    unknown = sorted(set(names or ()) - set(facts))
    if unknown:
        raise FactError(f"there is no fact {', '.join(unknown)}; the facts are {', '.join(sorted(facts))}")
    tables, built_for = _prepared_state(conn)
    wanted = "now" if known_on is None else known_on.isoformat()
    if "fact_state" in tables and built_for != wanted:
        _drop_all(conn, tables)
        tables = set()
    if _on_spark(conn):
        _check_translation(conn, facts, names)
    if "fact_state" not in tables:
        _install_macros(conn)
        conn.execute("CREATE TEMP TABLE fact_state AS SELECT CAST(? AS VARCHAR) AS known_on", [wanted])
        if known_on is None and not _on_spark(conn):
            # Facts the store keeps, built from the data as it is now, stand in as views.
            for table in sorted(_persisted_fresh(conn, as_stored=as_stored)):
                conn.execute(f"CREATE TEMP VIEW {quote_identifier(table)} AS SELECT * FROM {qualified('facts', table)}")
                tables.add(table)
    checked: dict[str, bool] = {}
    for fact in _order_from(facts, list(names) if names is not None else list(facts)):
        if fact.table in tables:
            continue
        for table in fact.tables:
            if table not in checked:
                # on Spark a query costs seconds: the latest-version search runs whatever the versions
                checked[table] = not _on_spark(conn) and has_one_version(conn, table, known_on)
        one_version = frozenset(table for table, single in checked.items() if single)
        sql, params = fact.compile(known_on, one_version)
        if _on_spark(conn):
            _build_on_spark(conn, fact, sql, params)
            tables.add(fact.table)
            continue
        try:
            conn.execute(f"CREATE TEMP TABLE {quote_identifier(fact.table)} AS {sql}", params)
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise FactError(f"fact_{fact.name} ({fact.file}) could not be built: {message}") from error
        tables.add(fact.table)


def _check_translation(conn, facts: dict[str, Fact], names: list[str] | None) -> None:
    """Every fact to be built, translated for Spark before any is built: one that cannot be (``UnsupportedConstruct``
    naming the engine, the fact's file and the construct) fails before the run starts, not halfway through it."""
    from childhub.engines import output_columns, translate

    _install_macros(conn)
    columns = conn.columns()  # and each fact's, as worked out from its SQL, for the facts that read it
    for fact in _order_from(facts, list(names) if names is not None else list(facts)):
        sql, params = fact.compile(None)
        source = f"fact_{fact.name} ({fact.file})"
        translate(sql, "spark", conn.macros, params=params, columns=columns, source=source)
        if fact.table not in columns and (names_of_fact := output_columns(sql, columns)) is not None:
            columns[fact.table] = names_of_fact


def _build_on_spark(conn, fact: Fact, sql: str, params: dict) -> None:
    from childhub.engines import EngineError

    try:
        conn.create(fact.table, conn.sql(sql, params, source=f"fact_{fact.name} ({fact.file})"), materialise=True)
    except EngineError as error:
        raise FactError(f"fact_{fact.name} ({fact.file}) could not be built on Spark: {error}") from error


def source_tables() -> list[str]:
    """The tables of a store the facts read (their canonical tables, the batches and quarantine the history rules
    read, the links, families and children): what an engine without the store (Spark) is given to build them."""
    import sqlglot
    from sqlglot import exp

    found = {"ingest_batch", "child", "child_link"}  # the batches visible_batches reads; the links
    for fact in _facts().values():
        tree = sqlglot.parse_one(fact.compile(None)[0], read="duckdb")
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        found.update(fact.tables)  # a table may share its name with a CTE of another
        found.update(
            table.name
            for table in tree.find_all(exp.Table)
            if isinstance(table.this, exp.Identifier) and table.name not in ctes
        )
    return sorted(name for name in found if not name.startswith("fact_"))


def spark_connection(reader: duckdb.DuckDBPyConnection, spark) -> SparkConnection:
    """A ``SparkConnection`` on the Spark session ``spark`` holding what the facts read from a store (``reader``, a
    store's read connection): the tables of ``source_tables``, the families' tables, and the store's macros.
    ``prepare(conn, names)`` builds facts on it; the caller closes it (and stops the session)."""
    from childhub.engines import SparkConnection

    held = {
        row[0]
        for row in reader.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
        ).fetchall()
    }
    wanted = set(source_tables()) | {name for name in held if name.startswith("family")}
    conn = SparkConnection(spark)
    conn.load_macros(reader)
    conn.load_tables(reader, sorted(wanted & held))
    return conn


def _drop_all(conn: duckdb.DuckDBPyConnection, tables: set[str]) -> None:
    if _on_spark(conn):
        for table in sorted(tables):
            if table.startswith("fact_"):
                conn.drop(table)
        return
    views = {row[0] for row in conn.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for table in sorted(tables):
        if table.startswith("fact_"):
            conn.execute(f"DROP {'VIEW' if table in views else 'TABLE'} {quote_identifier(table)}")


def drop(conn: duckdb.DuckDBPyConnection) -> None:
    """Forget every fact built on ``conn`` (after new data arrives), so the next ``prepare`` rebuilds."""
    tables, _ = _prepared_state(conn)
    _drop_all(conn, tables)
