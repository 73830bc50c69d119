"""Excel sheets read through a mapping file, like CSV files.

A workbook given with ``--mapping`` is searched for a sheet whose header row (the first
non-empty row among the first ten) carries the mapping's detection columns; that sheet's
rows are staged with their sheet row numbers and loaded like any tabular source.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from childhub.ingest.guard import open_workbook, worksheet_rows
from childhub.ingest.mapping import Mapping, normalise_header
from childhub.ingest.tabular import Staged, stage_rows

HEADER_SEARCH_ROWS = 10


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _header(rows) -> tuple[int, list[str]] | None:
    for number, row in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None
        cells = [_cell_text(v) or "" for v in row]
        if sum(1 for c in cells if c) >= 2:
            return number, cells
    return None


def sheet_for_mapping(path: Path, mappings: tuple[Mapping, ...]) -> tuple[Mapping, str] | None:
    """The first (mapping, sheet) whose header fits, or None."""
    if not mappings:
        return None
    workbook = open_workbook(path)
    try:
        for sheet in workbook.worksheets:
            found = _header(worksheet_rows(path.name, sheet))
            if found is None:
                continue
            present = {normalise_header(h) for h in found[1] if h}
            for mapping in mappings:
                wanted = {normalise_header(c) for c in mapping.detect.columns}
                if wanted <= present and (not mapping.detect.exact or wanted == present):
                    return mapping, str(sheet.title)
    finally:
        workbook.close()
    return None


def stage_sheet(conn, path: Path, sheet_name: str, table: str, file_label: str) -> Staged:
    workbook = open_workbook(path)
    try:
        rows = worksheet_rows(path.name, workbook[sheet_name])
        header_row, header = _header(rows)
        width = len(header)
        staged_rows = []
        for number, row in enumerate(rows, start=header_row + 1):
            values = [_cell_text(v) for v in row][:width]
            if not any(values):
                continue
            staged_rows.append((str(number), values + [None] * (width - len(values))))
    finally:
        workbook.close()
    return stage_rows(conn, header, staged_rows, table)
