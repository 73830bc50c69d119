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

This module sits below every package (it imports nothing from childhub), so the store can use it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINE_END = "\r\n"
ENCODING = "utf-8"
BYTE_ORDER_MARK = "\ufeff"

Value = TypeVar("Value")


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
        with target.open("w", encoding=ENCODING, newline="") as handle:
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


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet_name: str = "Data") -> bytes:
    """An Excel workbook of one sheet: a bold header row, then the rows.

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
    for position, column in enumerate(columns):
        sheet.write_string(0, position, neutralise(str(column)), header)
        sheet.set_column(position, position, max(10, min(40, len(str(column)) + 4)))
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        for position, value in enumerate(row):
            if value is None:
                continue
            if is_number(value):
                sheet.write_number(number, position, float(value))
            elif isinstance(value, datetime):
                sheet.write_datetime(number, position, value, day)
            elif isinstance(value, date):
                sheet.write_datetime(number, position, datetime(value.year, value.month, value.day), day)
            else:
                sheet.write_string(number, position, neutralise(plain_text(value)))
    workbook.close()
    return buffer.getvalue()
