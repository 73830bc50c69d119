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
from datetime import date, datetime
from pathlib import Path

from childhub.dq.engine import ReturnRun
from childhub.dq.tables import SSDA903
from childhub.errors import ChildhubError


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


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    from childhub.errors import IngestError
    from childhub.ingest import inspect_file

    try:
        facts = inspect_file(path)
    except IngestError as error:
        raise ValidateError(str(error)) from None
    if facts.format != "csv":
        raise ValidateError(f"{path.name}: is {facts.format}, not a CSV table")
    text = path.read_text(facts.encoding or "utf-8")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        header = [h.strip().lstrip("\ufeff") for h in header]
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise ValidateError(
                    f"{path.name}: row {number}: {len(values)} values but the header names {len(header)} columns"
                )
            rows.append((number, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise ValidateError(f"{path.name}: row {reader.line_num}: not a valid CSV row ({error})") from None
    return header, rows


def _year_of_folder(folder: Path) -> int | None:
    return int(folder.name) if folder.is_dir() and re.fullmatch(r"(19|20)\d\d", folder.name) else None


def _xml_root(path: Path) -> str:
    """The root element's name, from the first bytes (a hostile file is refused when it is parsed)."""
    head = path.open("rb").read(4096).decode("utf-8", "replace")
    match = re.search(r"<([A-Za-z_][\w.-]*)[\s>/]", re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.DOTALL))
    return match.group(1).rsplit(":", 1)[-1] if match else ""


def _ssda903_xml_tables(path: Path) -> dict[str, tuple[Path, list]]:
    """An SSDA903 XML return as the CSV tables (ingest's own flattening), each row's line its element's."""
    from childhub.errors import IngestError
    from childhub.ingest import flatten_ssda903_xml

    try:
        flat = flatten_ssda903_xml(path)
    except IngestError as error:
        raise ValidateError(str(error)) from None
    tables: dict[str, tuple[Path, list]] = {}
    for kind, (columns, rows) in flat.items():
        table = kind.removeprefix("ssda903_")
        tables[table] = (
            path,
            [(int(ref.rsplit("line ", 1)[-1]), dict(zip(columns, values, strict=True))) for ref, values in rows],
        )
    return tables


def _year_from_episodes(rows: list[tuple[int, dict[str, str]]]) -> int | None:
    latest: date | None = None
    for _, row in rows:
        for column in ("DECOM", "DEC"):
            try:
                day = datetime.strptime((row.get(column) or "").strip(), "%d/%m/%Y").date()
            except ValueError:
                continue
            latest = day if latest is None or day > latest else latest
    if latest is None:
        return None
    return latest.year + 1 if latest.month > 3 else latest.year


def read_returns(paths: list[Path], year: int | None = None, la_code: str | None = None) -> list[ReturnRun]:
    """One run per return found in ``paths`` (each with last year's tables when given), newest first."""
    from childhub.dq.cin_xml import read_cin_xml

    groups: dict[Path, dict[str, tuple[Path, list]]] = defaultdict(dict)
    runs: list[ReturnRun] = []
    for path in _expand(paths):
        if path.suffix.lower() == ".xml":
            if _xml_root(path) == "EXPSSDA903":
                groups[path] = _ssda903_xml_tables(path)
            else:
                runs.append(read_cin_xml(path, year, la_code))
            continue
        header, rows = _read_csv(path)
        table = _ssda903_table(path, header)
        if table is None:
            raise ValidateError(
                f"{path.name}: its columns ({', '.join(header[:8])}) are not those of any SSDA903 table"
            )
        if table in groups[path.parent]:
            raise ValidateError(f"{path.name}: a second {table} table in {path.parent}")
        groups[path.parent][table] = (path, rows)
    by_year: dict[int, dict[str, tuple[Path, list]]] = {}
    for folder, tables in groups.items():
        found = _year_of_folder(folder) or _year_from_episodes(tables.get("episodes", (None, []))[1])
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
            for table, (path, rows) in tables.items():
                run.add_rows(table, [r for _, r in rows], path.name, [n for n, _ in rows], last_year=last_year)
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
            header, rows = _read_csv(path)
            table = _ssda903_table(path, header)
            if table is None:
                raise ValidateError(
                    f"{path.name}: its columns ({', '.join(header[:8])}) are not those of any SSDA903 table"
                )
            run.add_rows(table, [r for _, r in rows], path.name, [n for n, _ in rows], last_year=last_year)
    return run
