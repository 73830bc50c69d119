"""``childhub comparators load FILE`` and ``childhub comparators list``: the DfE's published figures and its
statistical-neighbour list, loaded into the hub database for the indicator pages and the scrutiny pack
(docs/benchmarking.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, store_for
from childhub.cli.output import rows_out

comparators_app = typer.Typer(
    help="Comparators: England, the region and statistical neighbours, from the files the DfE publishes.",
    no_args_is_help=True,
)


@comparators_app.command("load")
def comparators_load(
    files: Annotated[
        list[Path],
        typer.Argument(help="DfE open-data CSV files and/or a statistical-neighbour list (CSV or Excel)."),
    ],
    measure: Annotated[
        list[Path] | None,
        typer.Option("--measure", help="A YAML file declaring more measures (indicator: column, filters, unit)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Load the DfE's open-data figures or its statistical-neighbour list (each FILE's kind told by its header).

    A file's figures replace earlier ones for the same indicator and year; a neighbour list replaces the earlier
    list. A bad file changes nothing and says which row and field."""
    from childhub.audit import command_line_user, record_command_line
    from childhub.leaders import load_file, load_measures
    from childhub.store import HubDatabase

    folder = store_for(data_dir).data_dir
    measures = load_measures(measure or (), folder)
    hub = HubDatabase(folder)
    for path in sorted(files, key=_figures_first):
        report = load_file(hub, path, measures=measures, loaded_by=command_line_user())
        record_command_line(
            folder,
            "load_comparators",
            subject=report.load.file_name,
            details={"kind": report.load.kind, "sha256": report.load.sha256, "rows": report.load.rows_kept},
        )
        typer.echo(report.line())


def _figures_first(path: Path) -> int:
    """Open-data files before a neighbour list, which may name the authorities they hold."""
    from childhub.leaders import file_kind

    return 1 if file_kind(path) == "neighbours" else 0


@comparators_app.command("list")
def comparators_list(
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """What is loaded: each file with its publication, years, when and by whom."""
    from childhub.leaders import loads
    from childhub.store import HubDatabase

    folder = store_for(data_dir).data_dir
    loaded = loads(HubDatabase(folder))
    if not loaded:
        typer.echo("No comparators are loaded: childhub comparators load FILE (docs/benchmarking.md).", err=True)
        return
    rows = [
        {
            "what": load.what + (" (synthetic)" if load.synthetic else ""),
            "publication": load.publication,
            "years": load.years,
            "file": load.file_name,
            "loaded at": load.loaded_at,
            "loaded by": load.loaded_by,
            "rows read": load.rows_read,
            "kept": load.rows_kept,
            "sha256": load.sha256 if output is not OutputFormat.table else load.sha256[:12],
        }
        for load in loaded
    ]
    rows_out(rows, output, title="Comparators loaded")
