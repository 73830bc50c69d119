"""Reconciliation: ``childhub reconcile duplicates`` (children a source system holds twice, to merge) and
``childhub reconcile return`` (a DfE return's count beside childhub's, and the children it counts twice).
Both name children, so both are written to the audit log."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import AsAtOption, DataDirOption, OutputFormat, date_or_today, store_for
from childhub.cli.output import rows_out

reconcile_app = typer.Typer(
    help="Where one child is more than one record: in a source system, or in a DfE return.", no_args_is_help=True
)


class ReturnChoice(str, Enum):
    cin_census = "cin_census"
    ssda903 = "ssda903"


OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the list to this CSV file (through childhub.exports).")
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")]


def _write(rows: list[dict], out: Path | None, output: OutputFormat, title: str) -> None:
    if out is None:
        rows_out(rows, output, title=title)
        return
    from childhub.exports import write_csv

    columns = list(rows[0]) if rows else []
    write_csv(out, columns, ([row[c] for c in columns] for row in rows))
    typer.echo(f"Wrote {len(rows):,} rows to {out}")


def duplicates(
    system: Annotated[
        str | None, typer.Option("--system", help="One source system's list (e.g. social_care); default: all.")
    ] = None,
    output: FormatOption = OutputFormat.table,
    out: OutOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Children a source system holds two or more records for: a list for the system's owner to merge."""
    from childhub.audit import record_command_line
    from childhub.facts import prepare
    from childhub.link import duplicate_records

    store = store_for(data_dir)
    with store.reader() as conn:
        prepare(conn, ["child"])
        found = duplicate_records(conn, system)
    record_command_line(
        store.data_dir,
        "export_duplicate_records" if out or output is not OutputFormat.table else "view_duplicate_records",
        subject=system or "every system",
        child_count=len({row["child_key"] for row in found}),
        children=[row["child_key"] for row in found],
        details={"system": system, "format": output.value, "out": str(out) if out else None},
    )
    rows = [
        {
            "system": row["source_system"],
            "child": row["child_key"],
            "name": row["name"],
            "records": row["records"],
            "record IDs": "; ".join(row["record_ids"]),
            "as each record holds it": "; ".join(row["held"]),
        }
        for row in found
    ]
    if output is OutputFormat.json:
        rows = found
    _write(rows, out, output, f"Children held under two or more records ({system or 'every system'})")
    if out is None and output is OutputFormat.table:
        typer.echo(f"{len(found):,} children are held under two or more records of one system; merge them there.")


def return_command(
    dfe_return: Annotated[ReturnChoice, typer.Argument(help="The return: cin_census or ssda903.")],
    as_at: AsAtOption = "",
    output: FormatOption = OutputFormat.table,
    out: OutOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """A DfE return's count of children beside childhub's: the children it counts under two or more LA child IDs."""
    from childhub.audit import record_command_line
    from childhub.facts import prepare
    from childhub.link import reconcile_return

    day = date_or_today(as_at)
    store = store_for(data_dir)
    with store.reader() as conn:
        prepare(conn, ["child"])
        result = reconcile_return(conn, dfe_return.value, day)
    keys = [row["child_key"] for row in result.merged]
    record_command_line(
        store.data_dir,
        "export_return_reconciliation" if out or output is not OutputFormat.table else "view_return_reconciliation",
        subject=f"{dfe_return.value}:{result.year}",
        child_count=len(keys),
        children=keys,
        details={"as_at": day, "format": output.value, "out": str(out) if out else None},
    )
    if output is OutputFormat.json and out is None:
        from childhub.cli.output import json_out

        json_out(result.as_dict())
        return
    rows = [
        {"child": row["child_key"], "name": row["name"], "LA child IDs": "; ".join(row["la_child_ids"])}
        for row in result.merged
    ]
    if output is OutputFormat.table and out is None:
        typer.echo(result.headline)
    _write(rows, out, output, f"Counted once by childhub, more than once by the {result.dfe_return.name}")


reconcile_app.command("duplicates")(duplicates)
reconcile_app.command("return")(return_command)
