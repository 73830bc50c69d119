"""Reading return files for ``childhub validate``, before anything is loaded, into return runs.

Files (or folders of them) are opened through ``childhub.ingest.guard`` (size, encoding, hostile
XML refused in one line naming the file) and recognised from their content: an SSDA903 table by
its header row, a CIN census by its XML. SSDA903 tables in one folder are one return; its
collection year is the folder's name when that is a year, else worked out from the latest episode
date (or given). A return a year older than another is that one's "last year" (``<table>_last``).
Nothing is written anywhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from childhub.dq.engine import ReturnRun
from childhub.dq.tables import CHILD_COLUMN, SSDA903, TABLES
from childhub.errors import ChildhubError

# Values in a CSV from which DuckDB's reader adds them sooner than add_rows adds what Python read (its statements
# cost about 6 ms a file, add_rows about 0.4 µs a value)
_DUCKDB_FROM = 10_000
_GLOB = re.compile(r"[*?\[\]{}]")
_SPACED_QUOTE = re.compile(r'(?:^|,) +"', re.MULTILINE)
_DAY = re.compile(r"\d\d/\d\d/\d\d\d\d")


class ValidateError(ChildhubError):
    """A file given to ``childhub validate`` cannot be read as a return."""


def _expand(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".xml"))
        elif path.is_file():
            found.append(path)
        else:
            raise ValidateError(f"{path}: no such file or folder")
    return found


def _ssda903_table(path: Path, header: list[str]) -> str | None:
    columns = {h.strip().lstrip("\ufeff").upper() for h in header if h.strip()}
    for table, wanted in SSDA903.items():
        if columns == {c.upper() for c in wanted}:
            return table
    return None


# What Python's str.strip() strips (every character whose isspace() is true): blanks are trimmed alike in SQL.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass
class _Table:
    """One return table as read from its file: its rows, as dicts (``given``, from XML) or, from a CSV, the
    header and the values of each record with a value (``kept``, with its line); and whether DuckDB's CSV
    reader reads the CSV as Python's does, record for record and line for line (``plain``)."""

    path: Path
    given: list[tuple[int, dict[str, str]]] | None = None
    header: list[str] | None = None
    kept: list[tuple[int, list[str]]] = field(default_factory=list)
    records: int = 0  # records after the header, less the empty lines at the end
    plain: bool = False
    spaced: bool = True  # some value may hold a blank other than the space (a tab, a no-break space)

    @cached_property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        """(line, column -> text) for each row."""
        if self.given is not None:
            return self.given
        return [(number, dict(zip(self.header or [], values, strict=False))) for number, values in self.kept]


def _read_csv(path: Path) -> _Table:
    from childhub.errors import IngestError
    from childhub.ingest import inspect_file

    try:
        facts = inspect_file(path)
    except IngestError as error:
        raise ValidateError(str(error)) from None
    if facts.format != "csv":
        raise ValidateError(f"{path.name}: is {facts.format}, not a CSV table")
    raw = path.read_bytes().decode(facts.encoding or "utf-8")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")  # as path.read_text reads it
    reader = csv.reader(io.StringIO(text))
    records, empty, inner = 0, 0, False  # empty lines since the last record with a value; one before a record
    try:
        header = next(reader, [])
        header = [h.strip().lstrip("\ufeff") for h in header]
        kept = []
        for number, values in enumerate(reader, start=2):
            records += 1
            if not "".join(values).strip():  # no value (what any(v.strip() for v in values) says, quicker)
                empty += not values
                continue
            inner, empty = inner or empty > 0, 0
            if len(values) > len(header):
                raise ValidateError(
                    f"{path.name}: row {number}: {len(values)} values but the header names {len(header)} columns"
                )
            kept.append((number, values))
    except csv.Error as error:
        raise ValidateError(f"{path.name}: row {reader.line_num}: not a valid CSV row ({error})") from None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    plain = (
        facts.encoding in ("utf-8", "utf-8-sig")
        and not inner  # DuckDB skips an empty line, Python counts it: at the end only, where no row follows it
        and lines == records + 1  # no record over two lines
        and "\r" not in raw.replace("\r\n", "")
        and "\x00" not in raw
        and not _GLOB.search(str(path))  # DuckDB reads a name with these as a pattern, maybe of other files
        and not _SPACED_QUOTE.search(text)  # DuckDB skips the spaces before a quote, Python keeps them and the quote
    )
    spaced = any(blank in text for blank in WHITESPACE if blank not in " \n")  # blanks beyond the space
    return _Table(path, None, header, kept, records - empty, plain, spaced)


def _add_table(run: ReturnRun, table: str, data: _Table, last_year: bool) -> None:
    big = len(data.kept) * len(data.header or ()) >= _DUCKDB_FROM
    if not (data.plain and big and _add_csv(run, table, data, last_year)):
        run.add_rows(table, [r for _, r in data.rows], data.path.name, [n for n, _ in data.rows], last_year=last_year)


def _add_csv(run: ReturnRun, table: str, data: _Table, last_year: bool) -> bool:
    """A plain CSV's rows straight into the run through DuckDB's reader (what ``add_rows`` makes of the rows
    Python read, without them): False, adding nothing, when DuckDB reads it otherwise than Python did."""
    conn, header = run.conn, data.header or []
    try:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _csv AS SELECT row_number() OVER () + 1 AS line, * FROM read_csv($path, "
            "header = true, all_varchar = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            "null_padding = true, strict_mode = true, columns = $columns)",
            {"path": str(data.path.resolve()), "columns": {f"c{i}": "VARCHAR" for i in range(len(header))}},
        )
    except Exception:  # a CSV DuckDB refuses is Python's to read
        return False
    if conn.execute("SELECT count(*) FROM _csv").fetchone()[0] != data.records:
        conn.execute("DROP TABLE _csv")
        return False
    name = f"{table}_last" if last_year else table
    position = {column: index for index, column in enumerate(header)}  # a repeated column: its last, as a dict
    trim = "trim(c{}, $blank)" if data.spaced else "trim(c{})"  # the first is much the slower
    trimmed = [f"nullif({trim.format(i)}, '')" for i in range(len(header))]
    values = [trimmed[position[c]] if c in position else "NULL" for c in TABLES[run.kind][name.removesuffix("_last")]]
    child = CHILD_COLUMN[run.kind]
    try:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _kept AS SELECT $first + row_number() OVER (ORDER BY line) - 1 AS _rid, "
            f"line, {', '.join(f'{v} AS v{i}' for i, v in enumerate(values))}, "
            f"{trimmed[position[child]] if child in position else 'NULL'} AS child "
            f"FROM _csv WHERE coalesce({', '.join(trimmed)}) IS NOT NULL",
            {"first": run.next_rid, **({"blank": WHITESPACE} if data.spaced else {})},
        )
    except Exception:  # nothing added yet: Python's rows instead
        conn.execute("DROP TABLE IF EXISTS _csv")
        return False
    kept = conn.execute("SELECT count(*) FROM _kept").fetchone()[0]
    conn.execute(f'INSERT INTO "{name}" SELECT _rid, {", ".join(f"v{i}" for i in range(len(values)))} FROM _kept')
    conn.execute(
        "INSERT INTO _rows SELECT _rid, $name, $origin, line, child FROM _kept",
        {"name": name, "origin": data.path.name},
    )
    conn.execute("DROP TABLE _csv; DROP TABLE _kept")
    run.tables.add(name)
    run.next_rid += kept
    return True


def _year_of_folder(folder: Path) -> int | None:
    return int(folder.name) if folder.is_dir() and re.fullmatch(r"(19|20)\d\d", folder.name) else None


def _xml_root(path: Path) -> str:
    """The root element's name, from the first bytes (a hostile file is refused when it is parsed)."""
    head = path.open("rb").read(4096).decode("utf-8", "replace")
    match = re.search(r"<([A-Za-z_][\w.-]*)[\s>/]", re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.DOTALL))
    return match.group(1).rsplit(":", 1)[-1] if match else ""


def _ssda903_xml_tables(path: Path) -> dict[str, _Table]:
    """An SSDA903 XML return as the CSV tables (ingest's own flattening), each row's line its element's."""
    from childhub.errors import IngestError
    from childhub.ingest import flatten_ssda903_xml

    try:
        flat = flatten_ssda903_xml(path)
    except IngestError as error:
        raise ValidateError(str(error)) from None
    tables: dict[str, _Table] = {}
    for kind, (columns, rows) in flat.items():
        table = kind.removeprefix("ssda903_")
        tables[table] = _Table(
            path,
            given=[(int(ref.rsplit("line ", 1)[-1]), dict(zip(columns, values, strict=True))) for ref, values in rows],
        )
    return tables


def _year_from_episodes(episodes: _Table | None) -> int | None:
    if episodes is None:
        return None
    if episodes.given is None:  # a CSV: its values by the columns' places (the last of a repeated name, as a dict)
        places = {name: index for index, name in enumerate(episodes.header or [])}
        columns = [places[column] for column in ("DECOM", "DEC") if column in places]
        texts = {values[i] for _, values in episodes.kept for i in columns if i < len(values)}
    else:
        texts = {row.get(column) for _, row in episodes.given for column in ("DECOM", "DEC")}
    days = [day for day in map(_day, texts) if day is not None]
    if not days:
        return None
    latest = max(days)
    return latest.year + 1 if latest.month > 3 else latest.year


def _day(text: str | None) -> date | None:
    """A dd/mm/yyyy date, as datetime.strptime reads it (quicker for the usual form), else None."""
    text = (text or "").strip()
    try:
        if _DAY.fullmatch(text):
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def read_returns(paths: list[Path], year: int | None = None, la_code: str | None = None) -> list[ReturnRun]:
    """One run per return found in ``paths`` (each with last year's tables when given), newest first."""
    from childhub.dq.cin_xml import read_cin_xml

    groups: dict[Path, dict[str, _Table]] = defaultdict(dict)
    runs: list[ReturnRun] = []
    for path in _expand(paths):
        if path.suffix.lower() == ".xml":
            if _xml_root(path) == "EXPSSDA903":
                groups[path] = _ssda903_xml_tables(path)
            else:
                runs.append(read_cin_xml(path, year, la_code))
            continue
        data = _read_csv(path)
        header = data.header or []
        table = _ssda903_table(path, header)
        if table is None:
            raise ValidateError(
                f"{path.name}: its columns ({', '.join(header[:8])}) are not those of any SSDA903 table"
            )
        if table in groups[path.parent]:
            raise ValidateError(f"{path.name}: a second {table} table in {path.parent}")
        groups[path.parent][table] = data
    by_year: dict[int, dict[str, _Table]] = {}
    for folder, tables in groups.items():
        found = _year_of_folder(folder) or _year_from_episodes(tables.get("episodes"))
        found = found if (year is None or len(groups) > 1) else year
        if found is None:
            raise ValidateError(f"{folder}: cannot tell the collection year (no episode dates); give --year")
        if found in by_year:
            raise ValidateError(f"{folder}: a second SSDA903 return for the year ending 31 March {found}")
        by_year[found] = tables
    for found in sorted(by_year, reverse=True):
        if year is not None and len(by_year) > 1 and found != year:
            continue
        run = ReturnRun.new("ssda903", found, la_code)
        for last_year, tables in ((False, by_year[found]), (True, by_year.get(found - 1, {}))):
            for table, data in tables.items():
                _add_table(run, table, data, last_year)
        runs.append(run)
    return runs


def read_ssda903_folder(folder: Path, year: int, previous: Path | None = None, la_code: str | None = None) -> ReturnRun:
    """One SSDA903 return from a folder of its tables, for a given year, with last year's from
    ``previous`` when that folder exists."""
    run = ReturnRun.new("ssda903", year, la_code)
    for last_year, source in ((False, folder), (True, previous)):
        if source is None or not Path(source).is_dir():
            continue
        for path in sorted(p for p in Path(source).iterdir() if p.suffix.lower() == ".csv"):
            data = _read_csv(path)
            header = data.header or []
            table = _ssda903_table(path, header)
            if table is None:
                raise ValidateError(
                    f"{path.name}: its columns ({', '.join(header[:8])}) are not those of any SSDA903 table"
                )
            _add_table(run, table, data, last_year)
    return run
