"""Keeping the store's copy of the facts current (on the writer): only the changed children's rows when it can.

``refresh`` compares the data with the basis its facts were last built from, kept beside them in the ``facts``
schema: the batches then visible (``refresh_batch``), the links of records to children then current
(``refresh_link``), the migrations and the definitions (``refresh_state.data_version``). When only some people
changed, it rebuilds only their children's rows, and only in the facts that read what changed (and the facts that
read those); otherwise it rebuilds every fact as a whole.

The people a change touches: every person (by ID, in any source system) of a row in a batch that became visible or
stopped being visible, and of every other version of that row's record (a record that moved between people); every
record whose link to a child changed; a child an SSDA903 episode row that could not be loaded names. Then, until
nothing is added, every child those people belonged to before or after (``child_key``: a person newly linked moves
from its own key to the child's) and every other person of those children. A fact's rows for those children are
worked out again by its own SQL, each ``@current(table)`` reading only the records those people ever held (filtered
before the latest version is chosen, so a record's versions are all seen), each fact it reads only those
children's rows of the stored fact (already refreshed: facts are refreshed in the order they read each other);
they replace the stored rows only when they differ.

A fact without a ``child_key`` column, or declared ``-- refresh: whole`` (a row that depends on other children),
is rebuilt whole when what it reads changed, and replaces the stored one when it differs; a fact reading one that
changed so is rebuilt whole too.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from childhub.facts.build import (
    _CURRENT,
    _EPISODES,
    _FACT_REFERENCE,
    FactError,
    _calendar_bank_holidays,
    _facts,
    _install_macros,
    _keep_bank_holidays,
    _kept_bank_holidays,
    _order_from,
    _persisted_fresh,
    data_version,
)
from childhub.store import as_of_parameters, current_sql, has_one_version, qualified, quote_identifier

if TYPE_CHECKING:
    import duckdb

    from childhub.facts.build import Fact

# A change is refreshed child by child when its batches hold at most this many rows and it touches at most this
# share of the store's persons (or MIN_PERSONS, whichever is more); a bigger one rebuilds every fact. Measured on
# the large authority (529,000 persons; whole rebuild 18 s): 20,000 pushed contacts refresh in 1.1 s, new details
# of 5,000 persons in 4.4 s (every fact reading fact_person reruns for them), 1,000 rows across tables in 5 s.
MAX_ROWS = 20_000
MAX_PERSON_SHARE = 0.05
MIN_PERSONS = 500
LOG_KEPT = 100  # refreshes remembered in facts.refresh_log

BATCHES_TABLE = "refresh_batch"
LINKS_TABLE = "refresh_link"
VERSIONS_TABLE = "fact_version"
LOG_TABLE = "refresh_log"

# the writer's temporary tables while a refresh runs: the people and children a change touches, a fact's new rows
_PEOPLE = "refresh_changed_person"
_CHILDREN = "refresh_changed_child"
_ROWS = "refresh_rows"
_PART = "refresh_part_"  # and the changed children's rows of each fact read by another, as refreshed

_PERSON_COLUMN = re.compile(r"[a-z0-9]+_person_id")  # each canonical table's person (mother's child has a longer name)
_LINK_STATE = 1  # data_version's parts: batches, links, family memberships, migrations, definitions
_DEFINITIONS = slice(3, None)


@dataclass(frozen=True)
class RefreshRun:
    """What one ``refresh`` did: rebuilt every fact, only changed children's rows, or nothing.

    ``mode`` is ``whole`` (every fact rebuilt), ``children`` (only changed children's rows) or ``none`` (nothing
    the facts read had changed); ``changed`` the facts whose rows changed (every fact after a whole rebuild);
    ``children`` how many child keys were refreshed (0 when whole)."""

    mode: str
    changed: tuple[str, ...]
    children: int
    seconds: float


@dataclass
class _Change:
    """What changed since the facts' basis: the inputs (canonical tables, and ``child_link``) and how many children."""

    inputs: set[str]
    children: int


def refresh(conn: duckdb.DuckDBPyConnection, *, force: bool = False) -> float:
    """Bring the store's ``facts`` schema up to the data as it is now (on the writer), in one transaction; seconds.

    Called after every write. Only the changed children's rows are rebuilt when few people changed (see the module);
    every fact is rebuilt when many did, when the definitions or migrations changed, when there is no basis to
    compare with, or when ``force``. Facts already built from the data as it is now are kept (0 seconds) unless
    ``force``. The bank holidays the facts were built with are kept beside them, for readers' connections;
    ``last_refresh`` says what the run changed and ``fact_versions`` counts each fact's changes. A refresh child by
    child that fails is rolled back and every fact rebuilt instead.
    """
    import duckdb

    started = time.perf_counter()
    if not force and _persisted_fresh(conn):
        if _kept_bank_holidays(conn) is None:  # facts built before the holidays were kept beside them
            _keep_bank_holidays(conn)
        return 0.0  # built from the data as it is now already
    try:
        return _refresh_in_one_transaction(conn, force=force, started=started)
    except (FactError, duckdb.Error):
        if force:
            raise
        return _refresh_in_one_transaction(conn, force=True, started=started)


def _refresh_in_one_transaction(conn: duckdb.DuckDBPyConnection, *, force: bool, started: float) -> float:
    installed = _macros_installed(conn)  # asked before the transaction: a failed query would abort it
    conn.execute("BEGIN TRANSACTION")
    try:
        change = None if force else _change_since_basis(conn)
        if change is None or not installed:  # a whole rebuild installs them afresh (the holidays)
            _install_macros(conn, _calendar_bank_holidays())
        if change is None:
            changed = _rebuild_everything(conn)
            mode, children = "whole", 0
        else:
            changed = _rebuild_children(conn, change.inputs) if change.inputs else []
            mode, children = ("children" if change.inputs else "none"), change.children
        _keep_basis(conn, whole=change is None or "child_link" in change.inputs)
        _count_versions(conn, changed)
        version = data_version(conn)
        conn.execute("DELETE FROM facts.refresh_state")
        seconds = time.perf_counter() - started
        conn.execute("INSERT INTO facts.refresh_state VALUES (?, now()::TIMESTAMP, ?)", [version, seconds])
        _log(conn, RefreshRun(mode, tuple(changed), children, seconds))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        for table in (_PEOPLE, _CHILDREN, _ROWS):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return seconds


def _macros_installed(conn: duckdb.DuckDBPyConnection) -> bool:
    """The facts' macros are on this connection already (a long-lived writer's: childhub serve)."""
    import duckdb

    try:
        conn.execute("SELECT add_working_days(DATE '2026-01-02', 1)").fetchone()
    except duckdb.CatalogException:
        return False
    return True


def fact_versions(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each stored fact's version, by table name (``fact_contact``): what a cached figure can be keyed by.

    A count that goes up whenever a refresh changed the fact's rows, so a figure cached from some facts is worked
    out again only when one of them changed. Facts never refreshed since the store began counting are left out
    (treat a missing fact as changed)."""
    import duckdb

    try:
        rows = conn.execute(f"SELECT fact, version FROM {qualified('facts', VERSIONS_TABLE)}").fetchall()
    except duckdb.CatalogException:  # a store whose facts were last built before versions were counted
        return {}
    return dict(rows)


def last_refresh(conn: duckdb.DuckDBPyConnection) -> RefreshRun | None:
    """What the latest ``refresh`` that had something to do did (None before the first that logged)."""
    import duckdb

    try:
        row = conn.execute(
            f"SELECT mode, changed, children, seconds FROM {qualified('facts', LOG_TABLE)} "
            "ORDER BY refreshed_at DESC, run DESC LIMIT 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else RefreshRun(row[0], tuple(row[1]), row[2], row[3])


# --- a whole rebuild --------------------------------------------------------------------------------------------


def _rebuild_everything(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Drop every stored fact and build each from scratch; every fact's table name (all changed)."""
    import duckdb

    from childhub.facts.build import _KEPT_BESIDE_FACTS

    facts = _facts()
    for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'facts'").fetchall():
        if table not in _KEPT_BESIDE_FACTS:
            conn.execute(f"DROP TABLE {qualified('facts', table)}")
    checked: dict[str, bool] = {}
    for fact in _order_from(facts, list(facts)):
        sql, params = _whole_sql(conn, fact, checked)
        try:
            conn.execute(f"CREATE TABLE {qualified('facts', fact.table)} AS {sql}", params)
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise FactError(f"fact_{fact.name} ({fact.file}) could not be built: {message}") from error
    _keep_bank_holidays(conn)
    return [fact.table for fact in facts.values()]


def _whole_sql(conn: duckdb.DuckDBPyConnection, fact: Fact, checked: dict[str, bool]) -> tuple[str, dict]:
    """The fact's SQL over every record, reading the other facts from the ``facts`` schema."""
    facts = _facts()
    for table in fact.tables:
        if table not in checked:
            checked[table] = has_one_version(conn, table, None)
    one_version = frozenset(table for table, single in checked.items() if single)
    sql, params = fact.compile(None, one_version)
    sql = _FACT_REFERENCE.sub(lambda m: f"facts.fact_{m.group(1)}" if m.group(1) in facts else m.group(0), sql)
    return sql, params


# --- what changed since the basis -------------------------------------------------------------------------------


def _has_table(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'facts' AND table_name = ?", [table]
        ).fetchone()[0]
    )


def _change_since_basis(conn: duckdb.DuckDBPyConnection) -> _Change | None:
    """What changed since the facts were built, with the people and children it touches in the temporary tables;
    None when every fact must be rebuilt (no basis, new definitions or migrations, or too big a change)."""
    if not all(_has_table(conn, table) for table in (BATCHES_TABLE, LINKS_TABLE, "refresh_state", "fact_person")):
        return None
    state = conn.execute("SELECT data_version FROM facts.refresh_state").fetchall()
    if len(state) != 1 or _kept_bank_holidays(conn) is None:
        return None
    before, now = state[0][0].split("|"), data_version(conn).split("|")
    if len(before) != len(now) or before[_DEFINITIONS] != now[_DEFINITIONS]:
        return None
    visible = "SELECT batch_id FROM visible_batches(CAST(NULL AS DATE))"
    kept = f"SELECT batch_id FROM facts.{BATCHES_TABLE}"
    batches = sorted(
        row[0] for row in conn.execute(f"({visible} EXCEPT {kept}) UNION ({kept} EXCEPT {visible})").fetchall()
    )
    in_batches = f"batch_id IN ({', '.join(str(int(batch)) for batch in batches)})"  # integers, as literals
    if batches:
        rows = conn.execute(f"SELECT coalesce(sum(rows_loaded), 0) FROM ingest_batch WHERE {in_batches}").fetchone()[0]
        if rows > MAX_ROWS:
            return None
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {_PEOPLE} (person_id VARCHAR)")
    inputs = _tables_holding(conn, in_batches) if batches else set()
    columns = _person_columns(conn)
    for table in sorted(inputs):
        if table in columns and not _batch_rows_into_people(conn, table, columns[table], in_batches):
            return None  # a row with no person: which child it belongs to cannot be told
    if batches:  # a child an SSDA903 return holds only in an episode row it could not load (episodes.py's repairs)
        held = conn.execute(
            f"INSERT INTO {_PEOPLE} SELECT DISTINCT split_part(json_extract_string(raw_json, '$._key'), '|', 1) "
            f"FROM ingest_quarantine WHERE {in_batches} "
            "AND source_kind = 'ssda903_episodes' AND json_extract_string(raw_json, '$._key') NOT IN ('', '|')"
        ).fetchone()[0]
        if held:
            inputs.add("cla_episodes")
    if before[_LINK_STATE] != now[_LINK_STATE]:
        relinked = conn.execute(
            f"INSERT INTO {_PEOPLE} SELECT DISTINCT source_record_id FROM ("
            "(SELECT source_system, source_record_id, child_id FROM child_link WHERE valid_to IS NULL "
            f" EXCEPT SELECT source_system, source_record_id, child_id FROM facts.{LINKS_TABLE}) UNION ALL "
            f"(SELECT source_system, source_record_id, child_id FROM facts.{LINKS_TABLE} "
            " EXCEPT SELECT source_system, source_record_id, child_id FROM child_link WHERE valid_to IS NULL))"
        ).fetchone()[0]
        if relinked:
            inputs.add("child_link")
    children = _close_over_children(conn)
    return None if children is None else _Change(inputs, children)


def _tables_read() -> set[str]:
    """The canonical tables the facts read."""
    tables: set[str] = set()
    for fact in _facts().values():
        tables.update(_inputs(fact))
    return tables - {"child_link"}


def _inputs(fact: Fact) -> set[str]:
    """The canonical tables a fact reads (``@episodes`` reads ``cla_episodes``) and ``child_link`` if it reads it."""
    inputs = set(fact.tables)
    if _EPISODES in fact.sql:
        inputs.add("cla_episodes")
    if re.search(r"\bchild_link\b", fact.sql):
        inputs.add("child_link")
    return inputs


def _person_columns(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each canonical table's person column (``cont_person_id`` of ``contacts``), for those that have one."""
    rows = conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        if _PERSON_COLUMN.fullmatch(column):
            columns.setdefault(table, []).append(column)
    return {table: found[0] for table, found in columns.items() if len(found) == 1}


def _person_match(table: str, column: str) -> str:
    """A condition on ``table``'s rows: its person is one of the changed people."""
    people = f"(SELECT person_id FROM {_PEOPLE})"
    match = f"{quote_identifier(column)} IN {people}"
    if table == "linked_identifiers":  # an NHS trace names its record '<source system>-<record ID>' (fact_person)
        match += f" OR regexp_extract({quote_identifier(column)}, '^[a-z0-9_]+-(.+)$', 1) IN {people}"
    return match


def _tables_holding(conn: duckdb.DuckDBPyConnection, in_batches: str) -> set[str]:
    """The canonical tables the facts read that hold rows of the changed batches (``in_batches``), in one query."""
    tables = sorted(_tables_read())
    found = conn.execute(
        " UNION ALL ".join(
            f"SELECT ? AS name WHERE EXISTS (SELECT 1 FROM {quote_identifier(table)} WHERE {in_batches})"
            for table in tables
        ),
        tables,
    ).fetchall()
    return {row[0] for row in found}


def _batch_rows_into_people(conn: duckdb.DuckDBPyConnection, table: str, column: str, in_batches: str) -> bool:
    """Add the people of the changed batches' rows of ``table`` (every version of each record); False when a row has
    no person, so the change cannot be refreshed child by child."""
    name, person = quote_identifier(table), quote_identifier(column)
    changed = f"SELECT source_system, source_record_key, {person} FROM {name} WHERE {in_batches}"
    if conn.execute(f"SELECT count(*) FROM ({changed}) WHERE {person} IS NULL").fetchone()[0]:
        return False
    conn.execute(
        f"INSERT INTO {_PEOPLE} SELECT DISTINCT t.{person} FROM {name} t "
        f"JOIN (SELECT DISTINCT source_system, source_record_key FROM ({changed})) "
        "USING (source_system, source_record_key) "
        f"WHERE t.{person} IS NOT NULL"
    )
    if table == "linked_identifiers":
        conn.execute(
            f"INSERT INTO {_PEOPLE} SELECT regexp_extract({person}, '^[a-z0-9_]+-(.+)$', 1) FROM ({changed}) "
            f"WHERE regexp_matches({person}, '^[a-z0-9_]+-.+$')"
        )
    return True


def _close_over_children(conn: duckdb.DuckDBPyConnection) -> int | None:
    """Fill the changed children (child keys, before and after) and add their other people, until nothing is added;
    how many children, or None when the change touches too many people to refresh child by child."""
    systems = [row[0] for row in conn.execute("SELECT DISTINCT source_system FROM ingest_batch").fetchall()]
    systems = sorted({*systems, "social_care"})  # fact_cla_episode keys unlinked episodes as social_care's
    persons = conn.execute("SELECT count(*) FROM facts.fact_person").fetchone()[0]
    most = max(MIN_PERSONS, MAX_PERSON_SHARE * persons)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {_CHILDREN} (child_key VARCHAR)")
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {_PEOPLE} AS SELECT DISTINCT person_id FROM {_PEOPLE}")
    people = f"(SELECT person_id FROM {_PEOPLE})"
    children = f"(SELECT child_key FROM {_CHILDREN})"
    while True:
        if conn.execute(f"SELECT count(*) FROM {_PEOPLE}").fetchone()[0] > most:
            return None
        added = conn.execute(
            f"INSERT INTO {_CHILDREN} SELECT child_key FROM ("
            f"SELECT child_key FROM facts.fact_person WHERE person_id IN {people} "
            f"UNION SELECT 'C' || child_id FROM child_link WHERE valid_to IS NULL AND source_record_id IN {people} "
            f"EXCEPT SELECT child_key FROM {_CHILDREN})"
        ).fetchone()[0]
        if not added:
            break
        more = conn.execute(
            f"INSERT INTO {_PEOPLE} SELECT person_id FROM ("
            f"SELECT person_id FROM facts.fact_person WHERE child_key IN {children} "
            f"UNION SELECT source_record_id FROM child_link WHERE valid_to IS NULL AND 'C' || child_id IN {children} "
            f"EXCEPT SELECT person_id FROM {_PEOPLE})"
        ).fetchone()[0]
        if not more:
            break
    # the keys of records with no person record, or not linked ('system:person'), in any system: these add no
    # other people (no person record or link names such a key but the person's own)
    conn.execute(
        f"INSERT INTO {_CHILDREN} SELECT s.system || ':' || p.person_id FROM {_PEOPLE} p "
        f"CROSS JOIN unnest(?) AS s(system) EXCEPT SELECT child_key FROM {_CHILDREN}",
        [systems],
    )
    return conn.execute(f"SELECT count(*) FROM {_CHILDREN}").fetchone()[0]


# --- rebuilding the changed children's rows ---------------------------------------------------------------------


def _rebuild_children(conn: duckdb.DuckDBPyConnection, inputs: set[str]) -> list[str]:
    """Rebuild the changed children's rows of every fact that reads what changed; the facts whose rows changed."""
    facts = _facts()
    keyed = {
        table.removeprefix("fact_")
        for (table,) in conn.execute(
            "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'facts' AND column_name = 'child_key'"
        ).fetchall()
    }
    columns = _person_columns(conn)
    changed: set[str] = set()
    rebuilt_whole: set[str] = set()
    checked: dict[str, bool] = {}
    parts: set[str] = set()  # facts whose changed children's rows are copied out already (read by later facts)
    try:
        for fact in _order_from(facts, list(facts)):
            if not (_inputs(fact) & inputs or set(fact.reads) & changed):
                continue
            whole = (
                fact.refreshed_whole
                or fact.name not in keyed
                or bool(set(fact.reads) & rebuilt_whole)
                or any(table not in columns for table in _inputs(fact) - {"child_link"})
            )
            if whole:
                sql, params = _whole_sql(conn, fact, checked)
                if _replace_whole(conn, fact, sql, params):
                    changed.add(fact.name)
                    rebuilt_whole.add(fact.name)
                continue
            for name in sorted((set(fact.reads) & keyed) - parts):  # refreshed already: facts in reading order
                stored = qualified("facts", facts[name].table)
                conn.execute(
                    f"CREATE OR REPLACE TEMP TABLE {_PART}{name} AS SELECT * FROM {stored} "
                    f"WHERE child_key IN (SELECT child_key FROM {_CHILDREN})"
                )
                parts.add(name)
            if _replace_children(conn, fact, columns, keyed):
                changed.add(fact.name)
    finally:
        for name in parts:
            conn.execute(f"DROP TABLE IF EXISTS temp.{_PART}{name}")
    return [facts[name].table for name in sorted(changed)]


def _build_rows(conn: duckdb.DuckDBPyConnection, fact: Fact, sql: str, params: dict) -> None:
    import duckdb

    try:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {_ROWS} AS {sql}", params)
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise FactError(f"fact_{fact.name} ({fact.file}) could not be refreshed: {message}") from error


def _differ(conn: duckdb.DuckDBPyConnection, stored: str) -> bool:
    """The rows built differ from ``stored`` (a SELECT), as multisets."""
    return conn.execute(
        f"SELECT EXISTS (({stored}) EXCEPT ALL (SELECT * FROM {_ROWS})) "
        f"OR EXISTS ((SELECT * FROM {_ROWS}) EXCEPT ALL ({stored}))"
    ).fetchone()[0]


def _replace_whole(conn: duckdb.DuckDBPyConnection, fact: Fact, sql: str, params: dict) -> bool:
    """Build the fact whole and replace the stored one when it differs; whether it did."""
    _build_rows(conn, fact, sql, params)
    table = qualified("facts", fact.table)
    if not _differ(conn, f"SELECT * FROM {table}"):
        return False
    conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {_ROWS}")
    return True


def _replace_children(conn: duckdb.DuckDBPyConnection, fact: Fact, columns: dict[str, str], keyed: set[str]) -> bool:
    """Build the changed children's rows of the fact and replace the stored ones when they differ; whether it did."""
    sql, params = _children_sql(fact, columns, keyed)
    children = f"(SELECT child_key FROM {_CHILDREN})"
    _build_rows(conn, fact, f"SELECT * FROM ({sql}\n) AS fact_rows WHERE child_key IN {children}", params)
    table = qualified("facts", fact.table)
    if not _differ(conn, f"SELECT * FROM {table} WHERE child_key IN {children}"):
        return False
    conn.execute(f"DELETE FROM {table} WHERE child_key IN {children}")
    conn.execute(f"INSERT INTO {table} SELECT * FROM {_ROWS}")
    return True


def _children_sql(fact: Fact, columns: dict[str, str], keyed: set[str]) -> tuple[str, dict]:
    """The fact's SQL over the changed people's records only, reading the changed children's rows of other facts."""
    from childhub.facts.episodes import episodes_sql

    facts = _facts()
    sql = _CURRENT.sub(lambda m: f"({_people_current(m.group(1), columns)})", fact.sql)
    if _EPISODES in sql:
        episodes, _ = episodes_sql(None)
        every, _ = current_sql("cla_episodes", None)
        if every not in episodes:
            raise FactError("the merged SSDA903 episodes (episodes.py) no longer read cla_episodes as current_sql does")
        episodes = episodes.replace(every, _people_current("cla_episodes", columns))
        sql = sql.replace(_EPISODES, f"({episodes})")

    def read(match: re.Match) -> str:
        name = match.group(1)
        if name not in facts or name == fact.name:  # its own name: in its description
            return match.group(0)
        return f"temp.{_PART}{name}" if name in keyed else qualified("facts", facts[name].table)

    sql = _FACT_REFERENCE.sub(read, sql)
    reads_history = bool(fact.tables) or _EPISODES in fact.sql
    return sql, as_of_parameters(None) if reads_history else {}


def _people_current(table: str, columns: dict[str, str]) -> str:
    """``current_sql(table)`` over only the records any changed person ever held (all their versions)."""
    every, _ = current_sql(table, None)
    name = quote_identifier(table)
    whole_table = f"FROM {name} t "
    if whole_table not in every:
        raise FactError(f"current_sql no longer reads {table} as 'FROM {table} t': the refresh cannot filter it")
    held = f"SELECT source_record_key FROM {name} WHERE {_person_match(table, columns[table])}"
    return every.replace(whole_table, f"FROM (SELECT * FROM {name} WHERE source_record_key IN ({held})) t ", 1)


# --- the basis, versions and log --------------------------------------------------------------------------------


def _keep_basis(conn: duckdb.DuckDBPyConnection, *, whole: bool) -> None:
    """Remember the batches now visible, and (after a whole rebuild or a change of links) the links now current."""
    batches = qualified("facts", BATCHES_TABLE)
    if whole or not _has_table(conn, BATCHES_TABLE):
        conn.execute(f"CREATE OR REPLACE TABLE {batches} AS SELECT batch_id FROM visible_batches(CAST(NULL AS DATE))")
    else:
        conn.execute(
            f"DELETE FROM {batches} WHERE batch_id NOT IN (SELECT batch_id FROM visible_batches(CAST(NULL AS DATE)))"
        )
        conn.execute(
            f"INSERT INTO {batches} SELECT batch_id FROM visible_batches(CAST(NULL AS DATE)) "
            f"WHERE batch_id NOT IN (SELECT batch_id FROM {batches})"
        )
    if whole or not _has_table(conn, LINKS_TABLE):
        conn.execute(
            f"CREATE OR REPLACE TABLE {qualified('facts', LINKS_TABLE)} AS "
            "SELECT source_system, source_record_id, child_id FROM child_link WHERE valid_to IS NULL"
        )


def _count_versions(conn: duckdb.DuckDBPyConnection, changed: list[str]) -> None:
    """Add one to the version of each fact whose rows changed (a fact's first version is 1)."""
    versions = qualified("facts", VERSIONS_TABLE)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {versions} (fact VARCHAR, version BIGINT, changed_at TIMESTAMP)")
    if not changed:
        return
    conn.execute(
        f"INSERT INTO {versions} SELECT fact, 0, now()::TIMESTAMP FROM unnest(CAST(? AS VARCHAR[])) AS t(fact) "
        f"WHERE fact NOT IN (SELECT fact FROM {versions})",
        [changed],
    )
    conn.execute(
        f"UPDATE {versions} SET version = version + 1, changed_at = now()::TIMESTAMP "
        "WHERE fact IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [changed],
    )


def _log(conn: duckdb.DuckDBPyConnection, run: RefreshRun) -> None:
    log = qualified("facts", LOG_TABLE)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {log} (run BIGINT, refreshed_at TIMESTAMP, mode VARCHAR, changed VARCHAR[], "
        "children BIGINT, seconds DOUBLE)"
    )
    conn.execute(
        f"INSERT INTO {log} SELECT coalesce(max(run), 0) + 1, now()::TIMESTAMP, ?, ?, ?, ? FROM {log}",
        [run.mode, list(run.changed), run.children, run.seconds],
    )
    conn.execute(f"DELETE FROM {log} WHERE run <= (SELECT max(run) FROM {log}) - ?", [LOG_KEPT])
