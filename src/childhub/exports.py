"""The one writer of every CSV file and spreadsheet childhub writes, safe to open in a spreadsheet.

Web downloads, Annex A, ``childhub sql|batch|indicators|audit --format csv``, ``link-lists`` and
``export identities`` all write through ``write_csv`` / ``csv_bytes`` or ``xlsx_bytes`` here.

Formula injection. A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and a leading tab or carriage return can smuggle one in), so a team named
``=HYPERLINK(...)`` in a source system would become a live link in an inspector's copy of the data.
Every text cell passes ``neutralise`` first, which puts an apostrophe before such text; numbers are
not text and pass untouched (a negative number stays a number), dates are written as ISO dates.

One convention for CSV: RFC 4180 (a header row, fields quoted only when they must be, every line
ending CRLF) in UTF-8. Every file and download starts with a byte-order mark: the people who
open these files (analysts, managers, inspectors) mostly do so in Excel, which reads a CSV
without one in the machine's legacy code page, so a child called Zoë or Siân would be shown
garbled; pandas, DuckDB, R and Python's ``utf-8-sig`` all skip the mark. Standard output
(``--format csv`` at the command line) carries the same rows and line ends without the mark,
because a stream is read by the next program in a pipe, where the mark would become part of
the first column's name.

Owner-only files. Every file childhub writes holds children's data (or, in the hub database, password
hashes and the audit log), so each is created for the hub's own operating-system account alone:
folders 0700, files 0600, whatever the umask (``private_folder``, ``private_file``, and ``write_csv``,
which creates its file that way). ``make_private`` tightens a folder that an older childhub left open,
and ``readable_by_others`` finds what is still open, for ``childhub status``.

This module sits below every package (it imports nothing from childhub), so the store can use it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINE_END = "\r\n"
ENCODING = "utf-8"
BYTE_ORDER_MARK = "\ufeff"

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO  # any permission for the group or anyone else

Value = TypeVar("Value")


def private_folder(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (0700), made with its parents if missing."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_FOLDER)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner can read and write (0600): created empty if missing."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    _tighten(path, PRIVATE_FILE)
    return path


def make_private(root: Path) -> int:
    """Take every permission of the group and of others from ``root`` and all it holds (folders 0700, files
    0600 at most; symbolic links are not followed); the number of paths changed. Run by each write to a
    store, so the first write of a newer childhub tightens a folder an older one left open."""
    changed = 0
    if not root.exists():
        return changed
    changed += _tighten(root, PRIVATE_FOLDER)
    for folder, folders, files in os.walk(root):
        for name in folders:
            changed += _tighten(Path(folder, name), PRIVATE_FOLDER)
        for name in files:
            changed += _tighten(Path(folder, name), PRIVATE_FILE)
    return changed


def readable_by_others(root: Path) -> list[Path]:
    """``root`` and every folder or file in it that the group or anyone else may read, write or enter."""
    found: list[Path] = []
    if not root.exists():
        return found
    if _is_open(root):
        found.append(root)
    for folder, folders, files in os.walk(root):
        found.extend(path for name in (*folders, *files) if _is_open(path := Path(folder, name)))
    return found


def _is_open(path: Path) -> bool:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False
    return (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and bool(mode & _OTHERS)


def _tighten(path: Path, most: int) -> int:
    """Clear the group's and others' bits of a folder or regular file (never a link's target); 1 if it changed."""
    try:
        mode = path.lstat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) or not mode & _OTHERS:
            return 0  # a link, a terminal, /dev/null or a pipe given as --out is not ours to change
        os.chmod(path, stat.S_IMODE(mode) & most)
    except (FileNotFoundError, PermissionError):
        return 0  # gone meanwhile, or not ours: readable_by_others still reports it
    return 1


def neutralise(value: Value) -> Value | str:
    """``value`` with a leading apostrophe if it is text a spreadsheet could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_number(value: Any) -> bool:
    """True for a number a spreadsheet should keep as a number (not a bool)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def plain_text(value: Any) -> str:
    """A value as text for a table cell or a CSV field; NULL is empty (not neutralised)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(jsonable(value), ensure_ascii=False)
    return str(value)


def jsonable(value: Any) -> Any:
    """A value JSON can hold: dates as ISO strings, decimals as numbers."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return str(value)


def csv_field(value: Any) -> str:
    """One CSV field: numbers as written, everything else as neutralised text, NULL empty."""
    return str(value) if is_number(value) else neutralise(plain_text(value))


def _write_rows(handle: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]], line_end: str) -> int:
    writer = csv.writer(handle, lineterminator=line_end)
    writer.writerow([neutralise(str(column)) for column in columns])
    count = 0
    for row in rows:
        writer.writerow([csv_field(value) for value in row])
        count += 1
    return count


def write_csv(target: Path | IO[bytes], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV (header, then ``rows``) to a file (with the byte-order mark) or to a binary stream such
    as standard output (without it); the number of rows written."""
    if isinstance(target, Path):
        with open(private_file(target), "w", encoding=ENCODING, newline="") as handle:
            handle.write(BYTE_ORDER_MARK)
            return _write_rows(handle, columns, rows, LINE_END)
    text = io.TextIOWrapper(target, encoding=ENCODING, newline="", write_through=True)
    try:
        return _write_rows(text, columns, rows, LINE_END)
    finally:
        text.detach()  # leave the caller's stream open


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file's bytes, byte-order mark first (for a download)."""
    buffer = io.BytesIO()
    buffer.write(BYTE_ORDER_MARK.encode(ENCODING))
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The same CSV as Python text, one ``\\n`` per line (for showing, not for writing a file)."""
    out = io.StringIO()
    _write_rows(out, columns, rows, "\n")
    return out.getvalue()


def xlsx_bytes(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Data",
    *,
    heading: Sequence[str] = (),
    about: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An Excel workbook: a bold header row, then the rows.

    ``heading`` lines (a title, the date) stand above the header row, the first in bold; ``about``
    (label, text) pairs make a second sheet, "About", for the definition and where the list came from.
    Text is always written as a string (never guessed into a formula, number or link) and
    neutralised, numbers as numbers, dates as dates.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True, "font_size": 13})
    for line, text in enumerate(heading):
        sheet.write_string(line, 0, neutralise(str(text)), bold if line == 0 else None)
    top = len(heading) + 1 if heading else 0  # a blank line between the heading and the table
    widths = [len(str(column)) + 4 for column in columns]  # each column as wide as its widest cell (10 to 50)
    for position, column in enumerate(columns):
        sheet.write_string(top, position, neutralise(str(column)), header)
    sheet.freeze_panes(top + 1, 0)
    for number, row in enumerate(rows, start=top + 1):
        for position, value in enumerate(row):
            if value is None:
                continue
            if position < len(widths):
                widths[position] = max(widths[position], 12 if isinstance(value, date) else len(plain_text(value)) + 2)
            if is_number(value):
                sheet.write_number(number, position, float(value))
            elif isinstance(value, datetime):
                sheet.write_datetime(number, position, value, day)
            elif isinstance(value, date):
                sheet.write_datetime(number, position, datetime(value.year, value.month, value.day), day)
            else:
                sheet.write_string(number, position, neutralise(plain_text(value)))
    for position, width in enumerate(widths):
        sheet.set_column(position, position, max(10, min(50, width)))
    if about:
        notes = workbook.add_worksheet("About")
        notes.set_column(0, 0, 24)
        notes.set_column(1, 1, 100)
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for line, (label, text) in enumerate(about):
            notes.write_string(line, 0, neutralise(str(label)), header)
            notes.write_string(line, 1, neutralise(str(text)), wrap)
    workbook.close()
    return buffer.getvalue()
