"""Helpers more than one test package uses (importable as ``helpers``: tests/ is on the path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from childhub.store import Store, quote_identifier

CHILDHUB = [sys.executable, "-m", "childhub"]


def run(*args: str, data_dir: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """``childhub ARGS`` in a fresh process, as a person runs it: its output captured as text."""
    env = {**os.environ, "COLUMNS": "200"}
    if data_dir is not None:
        env["CHILDHUB_DATA_DIR"] = str(data_dir)
    return subprocess.run([*CHILDHUB, *args], capture_output=True, text=True, env=env, check=check)


def counts(store: Store) -> dict[str, int]:
    """Rows in every table that holds ingested rows (a column ``batch_id``), by table."""
    with store.reader() as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'batch_id'"
            ).fetchall()
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def counts_on(conn) -> dict[str, int]:
    """``counts`` on an open connection (the writer's, say), in one query."""
    tables = [
        t
        for (t,) in conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE column_name = 'batch_id' AND table_schema = 'main' ORDER BY 1"
        ).fetchall()
    ]
    if not tables:
        return {}
    counted = ", ".join(f"(SELECT count(*) FROM main.{quote_identifier(t)})" for t in tables)
    return dict(zip(tables, conn.execute(f"SELECT {counted}").fetchone(), strict=True))
