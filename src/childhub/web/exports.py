"""Downloads of any table the pages show, as CSV or Excel: the HTTP side only.

The files themselves come from ``childhub.exports`` (the one writer: formula-safe text, CRLF,
UTF-8 with a byte-order mark); this module names them and sends them.

A list of children (behind a number, a cohort, a caseload, the unallocated, the overdue, a fix
list) leaves the screen through ``child_list_download``: the same columns as the page, the child's
name and date of birth beside their IDs (every role that may see a child may see its name), a
title and the date above the table and the definition on a second sheet in Excel, and one audit
entry naming the children and the row count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi.responses import Response

from childhub.calendar import long_date
from childhub.errors import ChildhubError
from childhub.exports import csv_bytes, plain_text, xlsx_bytes

if TYPE_CHECKING:
    from fastapi import Request

    from childhub.web.deps import Signed

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_text(value: Any) -> str:
    """A value as text for a page's table cell (not neutralised: HTML escaping protects the page)."""
    return plain_text(value)


def download(
    fmt: str,
    name: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    heading: Sequence[str] = (),
    about: Sequence[tuple[str, str]] = (),
) -> Response:
    """The table as a file download named ``name.csv`` or ``name.xlsx`` (Excel with ``heading`` lines above
    the table and ``about`` on a second sheet; a CSV is the table alone, for the next program to read)."""
    if fmt == "csv":
        content = csv_bytes(columns, rows)
    elif fmt == "xlsx":
        content = xlsx_bytes(columns, rows, "Children" if about else "Data", heading=heading, about=about)
    else:
        raise ChildhubError(f"there is no download format {fmt!r}: choose csv or xlsx")
    return Response(content, media_type=FORMATS[fmt], headers={"Content-Disposition": disposition(f"{name}.{fmt}")})


def disposition(file_name: str) -> str:
    """The Content-Disposition of a download named ``file_name``: a name made from an uploaded list's ("FSM list –
    spring") may hold any character, and a header only Latin-1 without quotes or controls, so such a name goes as
    UTF-8 in ``filename*`` (RFC 6266) beside a plain ASCII ``filename`` for older browsers."""
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", file_name)
    if plain == file_name:
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@dataclass(frozen=True)
class Column:
    """One column of a list: its heading in words and the key of each row's dict it reads."""

    heading: str
    key: str


@dataclass
class ChildList:
    """A list of children as a page shows it, ready to leave the screen.

    ``rows`` are dicts, each with a ``child_key`` (None for a row that is not a child); ``columns`` say
    which of their keys are shown, headed in words. ``definition`` is what the list is and how it was
    chosen (the indicator's definition, the cohort's rules, the due rule), for the second sheet.
    """

    title: str
    definition: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    as_at: date
    name: str = ""  # the file's name without the date; made from the title when empty
    notes: list[tuple[str, str]] = field(default_factory=list)  # more (label, text) lines for the second sheet
    # False for a list about one child (a chronology): the name stands in the title, not on every row
    name_columns: bool = True
    audited: dict[str, Any] = field(default_factory=dict)  # more details for the audit entry (the filters)


def link(path: str, fmt: str, query: str = "") -> str:
    """The download link of a list at ``path``: its page's query string (the filters, kept) with ``format``."""
    return f"{path}?{query}{'&' if query else ''}format={fmt}"


NAME_COLUMNS = (Column("Child ID", "child_id"), Column("Name", "child_name"), Column("Date of birth", "date_of_birth"))


def file_stem(title: str) -> str:
    """``title`` as a file name: "Children behind Re-referrals" -> "children-behind-re-referrals"."""
    return re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:80] or "children"


def add_names(cursor: Any, rows: list[dict[str, Any]]) -> None:
    """Put each child's name and date of birth (as ``fact_child`` chose them) and ID into ``rows``."""
    keys = sorted({row["child_key"] for row in rows if row.get("child_key")})
    found: dict[str, tuple[Any, ...]] = {}
    if keys:
        for key, child_id, forename, surname, born in cursor.execute(
            "SELECT child_key, child_id, forename, surname, date_of_birth FROM fact_child "
            "WHERE child_key IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [keys],
        ).fetchall():
            found[key] = (child_id, " ".join(part for part in (forename, surname) if part), born)
    for row in rows:
        child_id, name, born = found.get(row.get("child_key") or "", (row.get("child_id"), None, None))
        row.setdefault("child_id", child_id)
        row["child_name"] = name or row.get("child_name")
        row["date_of_birth"] = born or row.get("date_of_birth")


def _cell(value: Any) -> Any:
    """A value as one cell: a list (the services a child is known to) as words separated by commas."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value if item is not None)
    return value


def _children_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The children of ``rows``, each once, in the order they are listed."""
    return list(dict.fromkeys(row["child_key"] for row in rows if row.get("child_key")))


def child_list_download(request: Request, signed: Signed, fmt: str, listing: ChildList) -> Response:
    """``listing`` as a CSV or Excel download, with names, audited (``download_list``) with its row count.

    The caller has already limited ``listing.rows`` to the children ``signed`` may see. The CSV is the table alone
    (dates as ISO dates, for the next program to read); the Excel file has the title, the date and who downloaded it
    above the table and the definition on its "About" sheet. Text that a spreadsheet could run is neutralised.
    """
    from childhub.web.deps import audit, context

    if fmt not in FORMATS:
        raise ChildhubError(f"there is no download format {fmt!r}: choose csv or xlsx")
    columns = list(listing.columns)
    if listing.name_columns:
        add_names(context(request).served.current().cursor(), listing.rows)
        columns = [*NAME_COLUMNS, *(c for c in columns if c.key not in {n.key for n in NAME_COLUMNS})]
    now = datetime.now()
    stamp = f"{long_date(now.date())} at {now:%H:%M}"
    heading = [listing.title, f"As at {long_date(listing.as_at)}", f"Downloaded {stamp}"]
    about = [
        ("List", listing.title),
        ("As at", listing.as_at.isoformat()),
        ("Definition", listing.definition),
        ("Rows", f"{len(listing.rows):,}"),
        ("Downloaded by", f"{signed.account.username} ({signed.role}) on {stamp}"),
        *listing.notes,
        ("Handling", "Children's personal data: keep it within the authority's secure systems."),
    ]
    children = _children_of(listing.rows)
    audit(
        request,
        signed,
        "download_list",
        subject=listing.title,
        child_count=len(children),
        children=children,
        rows=len(listing.rows),
        format=fmt,
        as_at=listing.as_at.isoformat(),
        **listing.audited,
    )
    name = f"{listing.name or file_stem(listing.title)}-{listing.as_at.isoformat()}"
    return download(
        fmt,
        name,
        [c.heading for c in columns],
        ([_cell(row.get(c.key)) for c in columns] for row in listing.rows),
        heading=heading,
        about=about,
    )
