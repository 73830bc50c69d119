"""Loading a reader's ``ReadResult`` (rows read in Python, such as from XML) into the store.

Rows go to DuckDB through a temporary CSV per table (far faster than row-by-row inserts),
cast to each column's type on the way in.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from childhub.ingest.model import ReadResult
from childhub.store import quote_identifier

NULL = "\\N"  # how a missing value is written to the staging CSV (an empty string stays empty)


def _text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_read_result(conn, result: ReadResult, batch_id: int, label: str) -> tuple[int, int, int, int]:
    """Insert rows table by table, and the problems; returns (read, loaded, rejected, problems)."""
    by_table = defaultdict(list)
    for row in result.rows:
        by_table[row.table].append(row)
    loaded = 0
    for table, rows in by_table.items():
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        )
        columns = sorted({column for row in rows for column in row.values})
        handle, temp_name = tempfile.mkstemp(suffix=".csv", prefix="childhub-rows-")
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as staged:
                writer = csv.writer(staged)
                writer.writerow([f"c{i}" for i in range(len(columns))] + ["k"])
                for row in rows:
                    writer.writerow([_text(row.values.get(c)) for c in columns] + [row.source_record_key])
            spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(columns)))
            casts = ", ".join(
                f"c{i}" if types[c] == "VARCHAR" else f"CAST(NULLIF(c{i}, '') AS {types[c]})"
                for i, c in enumerate(columns)
            )
            names = ", ".join(quote_identifier(c) for c in [*columns, "source_system", "batch_id", "source_record_key"])
            conn.execute(
                f"INSERT INTO {quote_identifier(table)} ({names}) SELECT {casts}, ?, ?, k "
                f"FROM read_csv(?, header = true, columns = {{{spec}, 'k': 'VARCHAR'}}, "
                "quote = '\"', escape = '\"', delim = ',', nullstr = ?)",
                [result.source_system, batch_id, temp_name, NULL],
            )
        finally:
            Path(temp_name).unlink(missing_ok=True)
        loaded += len(rows)
    errors = [p for p in result.problems if p.severity == "error"]
    if result.problems:
        conn.executemany(
            "INSERT INTO ingest_problem VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, label, p.row, p.column, p.value, p.message, p.severity] for p in result.problems],
        )
    if errors:
        conn.executemany(
            "INSERT INTO ingest_quarantine VALUES (?, ?, ?, ?)",
            [[batch_id, result.kind, p.row or "", json.dumps({"column": p.column, "value": p.value})] for p in errors],
        )
    return result.rows_read, loaded, len({p.row for p in errors}), len(result.problems)
