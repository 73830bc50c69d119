"""Declared mappings compiled to SQL: a staged table of text becomes canonical rows.

Every tabular source (a CSV file, a sheet, an XML file flattened to rows) is first
staged as a temporary table of text columns ``c0 .. cN`` plus ``_row`` (the row number a
person would look for: the header is row 1). A ``Mapping`` then compiles to three kinds
of SQL, run inside the batch's transaction:

1. checks that write a problem for every bad value (file, row, column, value, message);
2. a quarantine of every row with an error, keeping all its raw values as JSON;
3. one INSERT ... SELECT per target table for the rows that passed.

Values are bound as parameters; identifiers come from the mapping (checked against the
schema when it loads) or are generated, and pass one quoting helper.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Template

from childhub.codes import code_set
from childhub.errors import IngestError
from childhub.ingest.mapping import ColumnRule, Mapping, canonical_table, code_sets, normalise_header
from childhub.ingest.model import UNKNOWN_CODE_SEVERITY, Problem, unknown_code
from childhub.store import quote_identifier

# Every reason a UPN is unknown that any return uses (UN1-UN10): a mapped file names no return.
UPN_REASONS = tuple(code.code for code in code_set("upn_unknown").codes)
TRUE_WORDS = ("Y", "YES", "TRUE", "T", "1")
FALSE_WORDS = ("N", "NO", "FALSE", "F", "0")
POSTCODE_PATTERN = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}"
MAX_FIELD_CHARS = 100_000
# Dates outside these years are mistakes (a two-digit year, a 31/12/9999 placeholder), not dates.
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass
class Staged:
    """A source staged as a temporary table of text."""

    table: str
    headers: list[str]  # as the source wrote them, in order
    rows: int
    problems: list[Problem] = field(default_factory=list)  # rows that could not be staged
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (row, raw text) of those rows

    def column_for(self, header: str) -> str | None:
        wanted = normalise_header(header)
        for index, found in enumerate(self.headers):
            if normalise_header(found) == wanted:
                return f"c{index}"
        return None


def read_csv_header(path: Path, encoding: str) -> list[str]:
    with path.open(newline="", encoding=encoding, errors="replace") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            return []
        except csv.Error as error:
            raise IngestError(f"{path.name}: the header row is not readable CSV ({error})") from None


def stage_csv(conn, path: Path, encoding: str, table: str, file_label: str) -> Staged:
    """Stage a CSV file: rows with the wrong number of fields become problems, not failures.

    A clean UTF-8 file (every record as wide as the header, no blank lines) is read by DuckDB
    directly, numbering records in file order; anything else is first rewritten record by
    record, so that every row keeps the number a person would look for.
    """
    csv.field_size_limit(MAX_FIELD_CHARS)
    if encoding == "utf-8":
        width, records = _clean_shape(path, file_label)
        if width is not None:
            import duckdb

            columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
            try:
                conn.execute(
                    f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS "
                    "SELECT row_number() OVER () + 1 AS _row, * "
                    f"FROM read_csv(?, header = true, columns = {{{columns}}}, quote = '\"', escape = '\"', "
                    f"delim = ',', strict_mode = true, parallel = false)",
                    [str(path)],
                )
                return Staged(table=table, headers=read_csv_header(path, encoding), rows=records)
            except duckdb.Error:
                pass  # quoting DuckDB reads differently from Python's csv: go record by record
    return _stage_by_record(conn, path, encoding, table, file_label)


def _clean_shape(path: Path, file_label: str) -> tuple[int | None, int]:
    """(header width, records) when every record has the header's width and none is blank."""
    with path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        try:
            width = len(next(reader))
            records = 0
            for record in reader:
                if len(record) != width:
                    return None, 0
                records += 1
        except StopIteration:
            raise IngestError(f"{file_label}: the file is empty") from None
        except (csv.Error, UnicodeDecodeError):
            return None, 0  # the record-by-record path says where
    return width, records


def _stage_by_record(conn, path: Path, encoding: str, table: str, file_label: str) -> Staged:
    problems: list[Problem] = []
    quarantined: list[tuple[str, str]] = []
    handle, temp_name = tempfile.mkstemp(suffix=".csv", prefix="childhub-stage-")
    count = 0
    try:
        with (
            path.open(newline="", encoding=encoding) as source,
            os.fdopen(handle, "w", newline="", encoding="utf-8") as staged,
        ):
            lines = _RecordLines(source)
            reader = csv.reader(lines)
            writer = csv.writer(staged)
            try:
                headers = next(reader)
            except StopIteration:
                raise IngestError(f"{file_label}: the file is empty") from None
            width = len(headers)
            writer.writerow(["_row", *(f"c{i}" for i in range(width))])
            row_number = 1
            try:
                lines.take()
                for record in reader:
                    row_number += 1
                    record_lines = lines.take()
                    if lines.ended and _never_closed(record_lines):
                        raise IngestError(
                            f"{file_label}: row {row_number} opens a quoted field that is never closed, so every "
                            'line after it would run into one value; close the quote ("), or remove it'
                        )
                    if not record:
                        continue
                    if len(record) != width:
                        problems.append(
                            Problem(
                                file_label,
                                str(row_number),
                                None,
                                ",".join(record)[:200],
                                f"has {len(record)} fields where the header has {width}",
                            )
                        )
                        quarantined.append((str(row_number), ",".join(record)))
                        continue
                    writer.writerow([row_number, *record])
                    count += 1
            except csv.Error as error:
                raise IngestError(f"{file_label}: row {row_number + 1} is not readable CSV ({error})") from None
            except UnicodeDecodeError:
                raise IngestError(
                    f"{file_label}: row {row_number + 1} is not valid {encoding} text; save the file as UTF-8"
                ) from None
        columns = ", ".join(["'_row': 'BIGINT'"] + [f"'c{i}': 'VARCHAR'" for i in range(width)])
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM read_csv(?, header = true, "
            f"columns = {{{columns}}}, quote = '\"', escape = '\"', delim = ',', strict_mode = true)",
            [temp_name],
        )
    finally:
        Path(temp_name).unlink(missing_ok=True)
    return Staged(table=table, headers=headers, rows=count, problems=problems, quarantined=quarantined)


class _RecordLines:
    """A CSV file's lines for ``csv.reader``, keeping those of the record being read (the reader reads
    no further ahead than the record it returns)."""

    def __init__(self, source) -> None:
        self._source = source
        self._lines: list[str] = []
        self.ended = False  # the reader has reached the end of the file

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = next(self._source)
        except StopIteration:
            self.ended = True
            raise
        self._lines.append(line)
        return line

    def take(self) -> list[str]:
        """The lines of the record just read (those read since the last ``take``)."""
        lines, self._lines = self._lines, []
        return lines


def _never_closed(lines: list[str]) -> bool:
    """Whether a record ends inside a quoted field: Python's reader, like a spreadsheet, silently lets
    such a field run to the end of the file; a strict reader says so."""
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def stage_rows(conn, headers: list[str], rows: list[tuple[str, list[str | None]]], table: str) -> Staged:
    """Stage rows already read (from XML or a spreadsheet): (row reference, values) pairs."""
    handle, temp_name = tempfile.mkstemp(suffix=".csv", prefix="childhub-stage-")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as staged:
            writer = csv.writer(staged)
            writer.writerow(["_row", *(f"c{i}" for i in range(len(headers)))])
            for row_ref, values in rows:
                writer.writerow([row_ref, *("" if v is None else v for v in values)])
        columns = ", ".join(["'_row': 'VARCHAR'"] + [f"'c{i}': 'VARCHAR'" for i in range(len(headers))])
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM read_csv(?, header = true, "
            f"columns = {{{columns}}}, quote = '\"', escape = '\"', delim = ',')",
            [temp_name],
        )
    finally:
        Path(temp_name).unlink(missing_ok=True)
    return Staged(table=table, headers=list(headers), rows=len(rows))


@dataclass
class Outcome:
    rows_loaded: dict[str, int]
    rows_rejected: int
    problems: int


# How each check fails, over a column's raw text ``$r`` and its typed value ``$v``, and how bad
# that is: an unreadable value is an error (the row is quarantined); a malformed identifier or
# postcode, or a code outside its set (ingest.model.unknown_code), is a warning (the row is loaded
# without it, and the report keeps the value).
UNPARSED = "$r IS NOT NULL AND $v IS NULL"
_REASONS = ", ".join(f"'{reason}'" for reason in UPN_REASONS)
CHECKS = {
    "date": (UNPARSED, None, "error"),
    "integer": (UNPARSED, "is not a whole number", "error"),
    "decimal": (UNPARSED, "is not a number", "error"),
    "boolean": (UNPARSED, "is not yes or no", "error"),
    "code": (UNPARSED, None, UNKNOWN_CODE_SEVERITY),
    "upn": (UNPARSED, "is not a valid UPN (13 characters with the right check letter), so it is left out", "warning"),
    "upn_or_reason": (
        f"{UNPARSED} AND upper(replace($r, ' ', '')) NOT IN ({_REASONS})",
        "is neither a valid UPN nor a reason it is unknown (UN1-UN10), so it is left out",
        "warning",
    ),
    "nhs_number": (
        UNPARSED,
        "is not a valid NHS number (10 digits with the right check digit), so it is left out",
        "warning",
    ),
    "postcode": (UNPARSED, "is not a UK postcode, so it is left out", "warning"),
}


class _Compiler:
    """Builds the SQL for one mapping over one staged table, binding every value as a parameter."""

    def __init__(self, mapping: Mapping, staged: Staged, constants: dict[str, str]):
        self.mapping = mapping
        self.staged = staged
        self.constants = constants
        self.sets = code_sets()

    def raw(self, header: str) -> str:
        column = self.staged.column_for(header)
        if column is None:
            raise IngestError(f"the file has no column {header!r}, which mapping {self.mapping.kind} needs")
        return f"NULLIF(TRIM({quote_identifier(column)}), '')"

    def sources(self) -> list[str]:
        """The file's columns the mapping reads, as the mapping spells them (plain names: safe to embed)."""
        return [
            rule.source
            for table in self.mapping.tables.values()
            for rule in table.columns.values()
            if rule.source not in (None, "_key", "_row") and re.fullmatch(r"[A-Za-z0-9_ ]+", rule.source)
        ]

    def joined(self, headers: tuple[str, ...]) -> str:
        """A key from columns' values as the mapping reads them (a date in any format is one key)."""
        return "concat_ws('|', " + ", ".join(f"coalesce({self.key_part(c)}, '')" for c in headers) + ")"

    def key(self) -> str:
        """The row's source key; a yearly observation's key carries its collection year."""
        key = self.joined(self.mapping.key)
        if self.mapping.yearly:
            year = date.fromisoformat(self.constants["collection_year_end"]).year  # ours: safe to embed
            key = f"({key} || '|{year}')"
        return key

    def key_part(self, header: str) -> str:
        raw = self.raw(header)
        for table in self.mapping.tables.values():
            for rule in table.columns.values():
                if rule.source and normalise_header(rule.source) == normalise_header(header):
                    if rule.type == "date":
                        attempts = ", ".join(
                            f"TRY_STRPTIME({raw}, '{fmt}')" for fmt in dict.fromkeys([*rule.formats, "%Y-%m-%d"])
                        )
                        return f"coalesce(strftime(CAST(COALESCE({attempts}) AS DATE), '%Y-%m-%d'), {raw})"
                    if rule.type == "code":
                        return f"upper({raw})"
        return raw

    def raw_of(self, rule: ColumnRule, params: list, split: str | None = None) -> str:
        if split is not None and rule.source is not None and normalise_header(rule.source) == normalise_header(split):
            return "NULLIF(TRIM(_part), '')"
        if rule.value is not None:
            params.append(rule.value.format(**self.constants))
            return "CAST(? AS VARCHAR)"
        if rule.source == "_key":
            return self.key()
        if rule.source == "_row":
            return "CAST(_row AS VARCHAR)"
        return self.raw(rule.source)

    def typed(self, rule: ColumnRule, raw: str, params: list) -> str:
        """The SQL turning a column's raw text into its canonical value (NULL when it cannot)."""
        if rule.translate:
            cases = " ".join("WHEN ? THEN ?" for _ in rule.translate)
            for source, target in rule.translate.items():
                params.extend([str(source), str(target)])
            raw = f"(CASE {raw} {cases} ELSE {raw} END)"
        kind = rule.type
        if kind == "text":
            return raw
        if kind == "date":
            # ISO forms are always accepted too (a spreadsheet's real dates are staged as ISO)
            # formats are checked when the mapping loads (only strptime fields and separators), so
            # they can stand in the SQL as literals
            formats = list(dict.fromkeys([*rule.formats, "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]))
            attempts = ", ".join(f"TRY_STRPTIME({raw}, '{fmt}')" for fmt in formats)
            parsed = f"CAST(COALESCE({attempts}) AS DATE)"
            return f"CASE WHEN year({parsed}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR} THEN {parsed} END"
        if kind == "integer":
            return f"CASE WHEN regexp_full_match({raw}, '[+-]?[0-9]{{1,18}}') THEN CAST({raw} AS BIGINT) END"
        if kind == "decimal":
            return f"TRY_CAST({raw} AS DOUBLE)"
        if kind == "boolean":
            params.extend(TRUE_WORDS + FALSE_WORDS)
            return (
                f"CASE WHEN upper({raw}) IN {_placeholders(TRUE_WORDS)} THEN TRUE "
                f"WHEN upper({raw}) IN {_placeholders(FALSE_WORDS)} THEN FALSE END"
            )
        if kind == "code":
            codes = sorted(self.sets[rule.codes])
            for code in codes:
                params.extend([code.upper(), code])
            return f"(CASE upper({raw}) {' '.join('WHEN ? THEN ?' for _ in codes)} END)"
        if kind in ("upn", "upn_or_reason", "upn_reason"):
            upper = f"upper(replace({raw}, ' ', ''))"
            if kind == "upn_reason":
                params.extend(UPN_REASONS)
                return f"CASE WHEN {upper} IN {_placeholders(UPN_REASONS)} THEN {upper} END"
            return f"CASE WHEN upn_is_valid({upper}) THEN {upper} END"
        if kind == "nhs_number":
            digits = f"regexp_replace({raw}, '[ -]', '', 'g')"
            return f"CASE WHEN nhs_number_is_valid({digits}) THEN {digits} END"
        if kind == "postcode":
            compact = f"upper(regexp_replace({raw}, '\\s', '', 'g'))"
            spaced = f"substr({compact}, 1, length({compact}) - 3) || ' ' || right({compact}, 3)"
            return f"CASE WHEN regexp_full_match({spaced}, '{POSTCODE_PATTERN}') THEN {spaced} END"
        raise AssertionError(kind)  # pragma: no cover - the model admits no other type

    def message(self, rule: ColumnRule, *, may_be_empty: bool = True) -> str | None:
        check = CHECKS.get(rule.type)
        if check is None:
            return None
        if rule.type == "date":
            shown = " or ".join(_human_format(f) for f in rule.formats)
            return f"is not a date ({shown}) between {FIRST_YEAR} and {LAST_YEAR}"
        if rule.type == "code":
            why = f"is not a code in {rule.codes}"
            return unknown_code(why) if may_be_empty else why
        return check[1]


def _comparisons(table, index: int, rule: ColumnRule) -> list[tuple[str, str]]:
    """Checks of a value against another column of the same row (or today)."""
    names = list(table.columns)
    checks = []
    for check, operator, words in (
        ("not_before", "<", "is before"),
        ("not_after", ">", "is after"),
        ("at_most", ">", "is more than"),
    ):
        other = getattr(rule, check)
        if other is None:
            continue
        if other == "today":
            checks.append((f"v{index} {operator} current_date", f"{words} today"))
            continue
        other_rule = table.columns[other]
        shown = other_rule.source if other_rule.source not in (None, "_key", "_row") else other
        j = names.index(other)
        checks.append((f"v{index} IS NOT NULL AND v{j} IS NOT NULL AND v{index} {operator} v{j}", f"{words} {shown}"))
    return checks


def _not_null_columns(conn, table: str) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? AND is_nullable = 'NO'",
            [table],
        ).fetchall()
    }


def _placeholders(values) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def _human_format(fmt: str) -> str:
    return fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy").replace("%H", "hh").replace("%M", "mm")


def apply_mapping(
    conn, mapping: Mapping, staged: Staged, *, batch_id: int, file_label: str, constants: dict[str, str]
) -> Outcome:
    """Check, quarantine and load one staged source; returns what happened."""
    compiler = _Compiler(mapping, staged, constants)
    stg = quote_identifier(staged.table)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _problems (row_ref VARCHAR, column_name VARCHAR, value VARCHAR, "
        "message VARCHAR, severity VARCHAR)"
    )
    for problem in staged.problems:
        conn.execute(
            "INSERT INTO _problems VALUES (?, ?, ?, ?, ?)",
            [problem.row, problem.column, problem.value, problem.message, problem.severity],
        )
    key = compiler.key()
    typed_tables = []
    for number, (target, table) in enumerate(mapping.tables.items()):
        # 1. one typed table per target: each column's raw text (inner) and canonical value (outer),
        #    parameters bound in the order the SQL text uses them
        split = table.split.column if table.split else None
        source, source_params = stg, []
        if table.split:  # one row per item: the item in _part, its position in _item
            items = f"string_split(coalesce({compiler.raw(split)}, ''), ?)"
            source = f"(SELECT *, unnest({items}) AS _part, generate_subscripts({items}, 1) AS _item FROM {stg})"
            source_params = [table.split.separator, table.split.separator]
        item = " || '|' || _item" if table.split else ""
        inner = [
            "_row",
            f"{key}{item} AS _key",
            f"{compiler.raw(table.when)} AS _when" if table.when else "'' AS _when",
            f"{compiler.joined(table.one_per)} AS _one" if table.one_per else "NULL AS _one",
        ]
        outer = ["_row", "_key", "_when", "_one"]
        inner_params: list = []
        outer_params: list = []
        for index, rule in enumerate(table.columns.values()):
            inner.append(f"{compiler.raw_of(rule, inner_params, split)} AS r{index}")
            outer.append(f"r{index}")
            outer.append(f"{compiler.typed(rule, f'r{index}', outer_params)} AS v{index}")
        where = " WHERE NULLIF(TRIM(_part), '') IS NOT NULL" if table.split else ""
        typed = f"_typed_{number}"
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {typed} AS SELECT {', '.join(outer)} "
            f"FROM (SELECT {', '.join(inner)} FROM {source}{where})",
            [*outer_params, *inner_params, *source_params],
        )
        typed_tables.append((target, table, typed))
        # 2. a problem for every value that fails its check, on rows the target applies to
        not_null = _not_null_columns(conn, canonical_table(target))
        for index, (column, rule) in enumerate(table.columns.items()):
            header = rule.source if rule.source not in (None, "_key", "_row") else column
            failing = []
            message = compiler.message(rule, may_be_empty=column not in not_null)
            if message:
                condition, _text, severity = CHECKS[rule.type]
                # a value that may not be empty cannot be left out either; a required code is left
                # unknown (an episode is not dropped for its legal status) unless its column may not
                # be empty
                if column in not_null or (rule.required and rule.type != "code"):
                    severity = "error"
                condition = Template(condition).substitute(r=f"r{index}", v=f"v{index}")
                failing.append((condition, message, severity))
            if rule.required and rule.source not in (None, "_key", "_row"):
                failing.append((f"r{index} IS NULL", "is required but empty", "error"))
            failing.extend((condition, text, "error") for condition, text in _comparisons(table, index, rule))
            for condition, text, severity in failing:
                conn.execute(
                    f"INSERT INTO _problems SELECT CAST(_row AS VARCHAR), ?, r{index}, ?, ? FROM {typed} "
                    f"WHERE _when IS NOT NULL AND ({condition})",
                    [header, f"{header} {text}", severity],
                )
    # 3. the same source key twice: every later row is an error
    conn.execute(
        f"INSERT INTO _problems SELECT CAST(_row AS VARCHAR), ?, key, "
        f"'the same ' || ? || ' as row ' || first, 'error' FROM (SELECT _row, {key} AS key, "
        f"first_value(_row) OVER (PARTITION BY {key} ORDER BY _row) AS first FROM {stg}) WHERE _row <> first",
        [", ".join(mapping.key), ", ".join(mapping.key)],
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _rejected AS SELECT DISTINCT row_ref FROM _problems WHERE severity = 'error'"
    )
    rejected = conn.execute("SELECT count(*) FROM _rejected").fetchone()[0]
    # 4. quarantine every rejected row with all its raw values, the columns the mapping reads under their own
    #    names too, and its source key as far as it can be read (`_key`): the facts read whose record a
    #    quarantined row was and what it said, e.g. the child of an SSDA903 episode and its DEC
    named = {normalise_header(header): header for header in compiler.sources()}
    # (blank as '', not null: json_merge_patch drops a null)
    fields = "".join(f", '{header}', coalesce({compiler.raw(header)}, '')" for header in named.values())
    conn.execute(
        f"INSERT INTO ingest_quarantine SELECT ?, ?, CAST(s._row AS VARCHAR), "
        f"json_merge_patch(to_json(s), json_object('_key', {key}{fields})) FROM {stg} s "
        f"WHERE CAST(s._row AS VARCHAR) IN (SELECT row_ref FROM _rejected)",
        [batch_id, mapping.kind],
    )
    for row_ref, raw in staged.quarantined:
        conn.execute(
            "INSERT INTO ingest_quarantine VALUES (?, ?, ?, ?)",
            [batch_id, mapping.kind, row_ref, json.dumps({"raw": raw})],
        )
    # 5. load the rest
    loaded: dict[str, int] = {}
    for target, table, typed in typed_tables:
        table_name = canonical_table(target)
        record_key = "_one" if table.one_per else "_key"
        if "@" in target:  # a second set of rows from the same source row needs its own key
            record_key = f"{record_key} || '|{target.split('@', 1)[1]}'"
        qualify = " QUALIFY row_number() OVER (PARTITION BY _one ORDER BY _row) = 1" if table.one_per else ""
        names = [*table.columns, "source_system", "batch_id", "source_record_key"]
        values = [f"v{index}" for index in range(len(table.columns))]
        inserted = conn.execute(
            f"INSERT INTO {quote_identifier(table_name)} ({', '.join(quote_identifier(n) for n in names)}) "
            f"SELECT {', '.join(values)}, ?, ?, {record_key} FROM {typed} "
            "WHERE _when IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM _rejected j WHERE j.row_ref = CAST(_row AS VARCHAR))"
            f"{qualify}",
            [mapping.source_system, batch_id],
        ).fetchone()[0]
        loaded[table_name] = loaded.get(table_name, 0) + inserted
        conn.execute(f"DROP TABLE {typed}")
    problems = conn.execute("SELECT count(*) FROM _problems").fetchone()[0]
    conn.execute(
        "INSERT INTO ingest_problem SELECT ?, ?, row_ref, column_name, value, message, severity FROM _problems",
        [batch_id, file_label],
    )
    return Outcome(rows_loaded=loaded, rows_rejected=rejected, problems=problems)


def latest_date(conn, staged: Staged, columns: tuple[str, ...], formats: tuple[str, ...]) -> date | None:
    """The latest parseable date in any of ``columns`` (to date an extract that says nothing else)."""
    parts = []
    params: list = []
    for header in columns:
        column = staged.column_for(header)
        if column is None:
            continue
        attempts = ", ".join(f"TRY_STRPTIME(NULLIF(TRIM({quote_identifier(column)}), ''), ?)" for _ in formats)
        params.extend(formats)
        parts.append(f"SELECT max(CAST(COALESCE({attempts}) AS DATE)) AS d FROM {quote_identifier(staged.table)}")
    if not parts:
        return None
    return conn.execute(f"SELECT max(d) FROM ({' UNION ALL '.join(parts)})", params).fetchone()[0]
