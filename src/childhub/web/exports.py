"""Downloads of any table the pages show, as CSV or Excel, safe to open in a spreadsheet.

Every text cell passes ``childhub.exports.neutralise`` (so ``=cmd|'/c calc'!A1`` arrives as text, not a
formula); Excel files are written by XlsxWriter with every text cell written as a string (never
guessed into a formula, number or link), numbers as numbers and dates as dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from fastapi.responses import Response

from childhub.errors import ChildhubError
from childhub.exports import neutralise
from childhub.store.query import is_number, plain_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_text(value: Any) -> str:
    """A value as text for a page's table cell (not neutralised: HTML escaping protects the page)."""
    return plain_text(value)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file with a header row; text neutralised, numbers as written, NULL empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(column)) for column in columns])
    for row in rows:
        writer.writerow([str(value) if is_number(value) else neutralise(cell_text(value)) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the byte-order mark tells Excel it is UTF-8


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet_name: str = "Data") -> bytes:
    """An Excel workbook of one sheet: a bold header row, then the rows (text always as strings)."""
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
                sheet.write_string(number, position, neutralise(cell_text(value)))
    workbook.close()
    return buffer.getvalue()


def download(fmt: str, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """The table as a file download named ``name.csv`` or ``name.xlsx``."""
    if fmt == "csv":
        content = csv_bytes(columns, rows)
    elif fmt == "xlsx":
        content = xlsx_bytes(columns, rows)
    else:
        raise ChildhubError(f"there is no download format {fmt!r}: choose csv or xlsx")
    return Response(
        content,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
