"""Loading an Annex A workbook an authority already produces: each list through its mapping.

The tolerant reader (``annex_a_reader``) finds the lists, matches their headers whatever the
template version or wording, and normalises codes and dates; each list's rows are then
staged under the template's column ids and loaded by the list's declared mapping
(``mappings/annex_a_list_NN.yml``), like any other tabular source. List 11 (adopters) holds
no children and is reported, not loaded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from childhub.ingest.annex_a_reader import read_annex_a
from childhub.ingest.guard import open_workbook
from childhub.ingest.mapping import builtin_mappings
from childhub.ingest.model import Problem
from childhub.ingest.tabular import apply_mapping, stage_rows


def load_annex_a(conn, path: Path, batch_id: int, label: str, extract_date: date | None) -> tuple[int, int, int, int]:
    workbook = open_workbook(path)
    try:
        read = read_annex_a(path, workbook)
    finally:
        workbook.close()
    mappings = {m.kind: m for m in builtin_mappings()}
    dates = [v for found in read.lists for row in found.rows for v in row.values.values() if isinstance(v, date)]
    dated = extract_date or (max(dates) if dates else None)
    if dated:
        conn.execute("UPDATE ingest_batch SET extract_date = ? WHERE batch_id = ?", [dated, batch_id])
    constants = {"collection_year_end": (dated or date.today()).isoformat()}
    rows_read = loaded = rejected = problems = 0
    _record(conn, batch_id, label, read.problems)
    problems += len(read.problems)
    for found in read.lists:
        rows_read += len(found.rows)
        mapping = mappings.get(f"annex_a_list_{found.number}")
        if mapping is None:
            note = Problem(
                label,
                None,
                None,
                found.sheet_name,
                f"List {found.number} ({found.list_id}) is not loaded: it holds no children's records",
                "warning",
            )
            _record(conn, batch_id, label, [note])
            problems += 1
            continue
        columns = list(mapping.detect.columns)
        staged = stage_rows(
            conn,
            columns,
            [(str(row.row), [_text(row.values.get(c)) for c in columns]) for row in found.rows],
            f"_stage_{batch_id}_list{found.number}",
        )
        staged.problems = list(found.problems)
        outcome = apply_mapping(conn, mapping, staged, batch_id=batch_id, file_label=label, constants=constants)
        conn.execute(f'DROP TABLE "_stage_{batch_id}_list{found.number}"')
        loaded += sum(outcome.rows_loaded.values())
        rejected += outcome.rows_rejected
        problems += outcome.problems
    return rows_read, loaded, rejected, problems


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


def _record(conn, batch_id: int, label: str, found: list[Problem]) -> None:
    if found:
        conn.executemany(
            "INSERT INTO ingest_problem VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, label, p.row, p.column, p.value, p.message, p.severity] for p in found],
        )
