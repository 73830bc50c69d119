"""Downloads of any table the pages show, as CSV or Excel: the HTTP side only.

The files themselves come from ``childhub.exports`` (the one writer: formula-safe text, CRLF,
UTF-8 with a byte-order mark); this module names them and sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from childhub.errors import ChildhubError
from childhub.exports import csv_bytes, plain_text, xlsx_bytes

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_text(value: Any) -> str:
    """A value as text for a page's table cell (not neutralised: HTML escaping protects the page)."""
    return plain_text(value)


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
