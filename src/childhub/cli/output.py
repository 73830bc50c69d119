"""What the commands share on the way out: rows as a table, CSV or JSON, and a progress bar for long work.

Every CSV goes through ``childhub.exports`` (formula-safe, CRLF, UTF-8), like every other CSV childhub writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import typer

from childhub.cli.options import OutputFormat

T = TypeVar("T")
Say = Callable[..., None]


def rows_out(rows: list[dict], output: OutputFormat, title: str = "") -> None:
    """Rows of dicts as a Rich table, CSV (through childhub.exports) or JSON."""
    if output is OutputFormat.json:
        json_out(rows)
        return
    columns = list(rows[0]) if rows else []
    if output is OutputFormat.csv:
        csv_out(columns, ([row[c] for c in columns] for row in rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    Console(width=200).print(table)


def json_out(value: Any) -> None:
    """``value`` as indented JSON on standard output (dates and the like as text, UTF-8 as it is)."""
    import json

    typer.echo(json.dumps(value, default=str, indent=2, ensure_ascii=False))


def csv_out(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV to standard output through the one writer (formula-safe, CRLF, UTF-8)."""
    import click

    from childhub.exports import write_csv

    sys.stdout.flush()
    stream = click.get_binary_stream("stdout")
    write_csv(stream, columns, rows)
    stream.flush()


def with_progress(label: str, work: Callable[[Say], T]) -> T:
    """Run ``work(say)`` behind a Rich progress bar showing each step it announces."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return work(lambda step, done=None, total=None: None)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def say(step: str, done: int | None = None, total: int | None = None) -> None:
            bar.update(task, description=f"{label}: {step}", completed=done or 0, total=total)

        return work(say)
