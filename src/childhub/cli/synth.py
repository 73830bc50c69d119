"""``childhub synth``: a synthetic local authority, the only command that calls the generator itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import Size, date_or_today
from childhub.cli.output import with_progress


def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the authority into (its extracts in extracts/).")],
    size: Annotated[
        Size,
        typer.Option("--size", help="tiny ≈2,000 children; small ≈20,000; medium ≈80,000; large ≈300,000."),
    ] = Size.small,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same authority.")] = 1,
    as_at: Annotated[str, typer.Option("--as-at", help="The authority's 'today', YYYY-MM-DD (default: today).")] = "",
    noise: Annotated[float, typer.Option("--noise", help="Data-entry noise rate between systems (0-0.5).")] = 0.05,
    dq_errors: Annotated[
        int,
        typer.Option("--dq-errors", help="Inject this many listed data-quality errors (see dq_errors.csv)."),
    ] = 0,
    report: Annotated[bool, typer.Option("--report", help="Print the authority's figures beside England's.")] = False,
) -> None:
    """Generate a synthetic local authority: every source system's extract and truth.csv."""
    from childhub.synth import generate

    day = date_or_today(as_at)
    result = with_progress(
        "Generating",
        lambda say: generate(size.value, seed, day, out, noise=noise, dq_errors=dq_errors, progress=say),
    )
    typer.echo(
        f"Wrote a {size.value} synthetic authority ({result.children_0_17:,} children aged 0-17, "
        f"as at {day.isoformat()}, seed {seed}) to {out} in {result.seconds:.1f}s: "
        f"{len(result.files)} files, {sum(result.files.values()):,} records."
    )
    _write_comparators(out, day, seed)
    # the last line is the command that loads it (scripts read it): keep it last
    typer.echo(f"Ingest it with: childhub ingest {result.extracts} --mapping {result.mappings}")
    if report:
        _print_realism(size.value, seed, day)


def _write_comparators(out: Path, day: date, seed: int) -> None:
    """The synthetic comparator files beside the extracts (issue 16), every name in them marked "(synthetic)"."""
    import json

    from childhub.synth import write_synthetic_comparators

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    paths = write_synthetic_comparators(
        out / "comparators", manifest["authority"], day, seed, f"{manifest['la_number']:03d}"
    )
    typer.echo(f"Synthetic comparators (made up): childhub comparators load {' '.join(str(p) for p in paths)}")


def _print_realism(size: str, seed: int, day: date) -> None:
    from rich.console import Console
    from rich.table import Table

    from childhub.synth import build_authority, measure_realism

    table = Table(title="Synthetic authority beside England")
    for column in ("measure", "this authority", "England", "unit", "source"):
        table.add_column(column)
    for figure in measure_realism(build_authority(size, seed, day)).values():
        table.add_row(figure.name, f"{figure.value:g}", f"{figure.england:g}", figure.unit, figure.source)
    Console().print(table)
