"""Loading a reader's ``ReadResult`` (rows read in Python, such as from XML) into the store."""

from __future__ import annotations

import json
from collections import defaultdict

from childhub.ingest.model import ReadResult
from childhub.ingest.tabular import quote


def load_read_result(conn, result: ReadResult, batch_id: int, label: str) -> tuple[int, int, int, int]:
    """Insert rows table by table, and the problems; returns (read, loaded, rejected, problems)."""
    by_table = defaultdict(list)
    for row in result.rows:
        by_table[row.table].append(row)
    loaded = 0
    for table, rows in by_table.items():
        columns = sorted({column for row in rows for column in row.values})
        names = ", ".join(quote(c) for c in [*columns, "source_system", "batch_id", "source_record_key"])
        marks = ", ".join("?" for _ in range(len(columns) + 3))
        conn.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",
            [
                [row.values.get(c) for c in columns] + [result.source_system, batch_id, row.source_record_key]
                for row in rows
            ],
        )
        loaded += len(rows)
    rejected_rows = {problem.row for problem in result.problems if problem.severity == "error"}
    if result.problems:
        conn.executemany(
            "INSERT INTO ingest_problem VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, label, p.row, p.column, p.value, p.message, p.severity] for p in result.problems],
        )
        conn.executemany(
            "INSERT INTO ingest_quarantine VALUES (?, ?, ?, ?)",
            [
                [batch_id, result.kind, p.row or "", json.dumps({"column": p.column, "value": p.value})]
                for p in result.problems
                if p.severity == "error"
            ],
        )
    return result.rows_read, loaded, len(rejected_rows), len(result.problems)
