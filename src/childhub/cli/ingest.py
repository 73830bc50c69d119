"""Getting extracts in: ``childhub ingest``, and the batches it made (``batches``, ``batch N``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, authority_of, parse_date, settings_for, store_for
from childhub.cli.output import csv_out, json_out, with_progress

# What is said about each problem in a batch (the fields of ``ingest.Problem``), in CSV and JSON alike.
PROBLEM_FIELDS = ("file", "row", "column", "value", "message", "severity")


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of extracts.")],
    source: Annotated[str | None, typer.Option("--source", help="Read every file as this kind.")] = None,
    mapping: Annotated[
        list[Path] | None,
        typer.Option("--mapping", help="A mapping file, or a folder of them, for another CSV layout (repeatable)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject a whole file if any row has a problem.")] = False,
    extract_date: Annotated[str, typer.Option("--extract-date", help="The date the extract was taken.")] = "",
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Load a snapshot file even if it would empty its scope or take away most of its rows "
            "(recorded on the batch).",
        ),
    ] = False,
    changes: Annotated[
        bool,
        typer.Option(
            "--changes",
            help="Load each mapped file as changes of its feed (new versions of the records it holds, by source "
            "key) instead of a whole extract: what a system that sends only what changed delivers.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Load extracts into the store: one batch per file, all or nothing, with history."""
    from childhub.hub import ingest as run_ingest

    day = parse_date(extract_date, "--extract-date") if extract_date else None
    store = store_for(data_dir)
    reports = with_progress(
        "Ingesting",
        lambda say: run_ingest(
            store,
            paths,
            source=source,
            mapping_files=mapping or [],
            strict=strict,
            extract_date=day,
            allow_shrink=allow_shrink,
            shrink_refuse_below=settings_for(store.data_dir).shrink_refuse_below,
            mode="changes" if changes else None,
            authority=authority_of(store),
            progress=say,
        ),
    )
    failed = 0
    for report in reports:
        where = f"batch {report.batch_id}" if report.batch_id else report.status
        kind = f" as {report.kind}" if report.kind else ""
        line = f"{where}: {report.file}{kind}: {report.message}"
        if report.ok:
            typer.echo(line)
        else:
            failed += 1
            typer.echo(f"error: {line}", err=True)
            for problem in report.problems[:5]:
                typer.echo(f"  {problem}", err=True)
    loaded = sum(1 for r in reports if r.status == "loaded")
    typer.echo(
        f"{loaded} file(s) loaded, {sum(1 for r in reports if r.status == 'unchanged')} unchanged, {failed} failed."
    )
    if failed:
        raise typer.Exit(1)


def batches(data_dir: DataDirOption = None) -> None:
    """List ingested batches, newest first."""
    from childhub.ingest import list_batches

    rows = list_batches(store_for(data_dir))
    if not rows:
        typer.echo("No batches yet: childhub ingest loads extracts.")
        return
    for row in rows:
        typer.echo(
            f"{row['batch_id']:>5}  {row['status']:8s} {row['source_kind']:30s} {str(row['extract_date'] or ''):10s} "
            f"{row['rows_loaded'] or 0:>9,} loaded {row['rows_rejected'] or 0:>6,} quarantined  {row['file_name']}"
        )


def batch(
    batch_id: Annotated[int, typer.Argument(help="The batch number (childhub batches lists them).")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv or json (problems).")
    ] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Show one batch: its file, counts, rows per table and every problem found."""
    from childhub.audit import record_command_line
    from childhub.ingest import batch_detail

    store = store_for(data_dir)
    detail = batch_detail(store, batch_id, problem_limit=1_000_000)
    record_command_line(
        store.data_dir,
        "view_batch",
        subject=str(batch_id),
        details={"problems": detail.total_problems, "format": output.value, "file": detail.batch.get("file_name")},
    )
    if output is OutputFormat.json:
        json_out(
            {
                "batch": detail.batch,
                "rows_by_table": detail.rows_by_table,
                "problems": [{field: getattr(p, field) for field in PROBLEM_FIELDS} for p in detail.problems],
            }
        )
        return
    if output is OutputFormat.csv:
        csv_out(PROBLEM_FIELDS, ([getattr(p, field) for field in PROBLEM_FIELDS] for p in detail.problems))
        return
    for key, value in detail.batch.items():
        typer.echo(f"{key:14s} {value}")
    for table, count in detail.rows_by_table.items():
        typer.echo(f"  {table:30s} {count:>9,} rows")
    typer.echo(f"{detail.total_problems:,} problem(s)")
    for problem in detail.problems[:200]:
        typer.echo(f"  {problem.severity:7s} {problem}")
    if detail.total_problems > 200:
        typer.echo(f"  ... and {detail.total_problems - 200:,} more (--format csv lists them all)")
