"""``childhub synth-region``: a synthetic region, several synthetic authorities sharing the children who moved."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import date_or_today
from childhub.cli.output import with_progress


class RegionSize(str, Enum):
    tiny = "tiny"
    small = "small"
    medium = "medium"


def synth_region(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the region into (one folder per authority).")],
    authorities: Annotated[int, typer.Option("--authorities", help="How many authorities (2-20).")] = 2,
    size: Annotated[
        RegionSize,
        typer.Option("--size", help="Each authority's size: tiny ≈2,000 children; small ≈20,000; medium ≈80,000."),
    ] = RegionSize.small,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same region.")] = 1,
    movers: Annotated[
        float | None,
        typer.Option("--movers", help="Share of households moving to another authority of the region a year."),
    ] = None,
    as_at: Annotated[str, typer.Option("--as-at", help="The region's 'today', YYYY-MM-DD (default: today).")] = "",
) -> None:
    """Generate a synthetic region: authorities that share children who moved, with region_truth.csv."""
    from childhub.synth import DEFAULT_MOVERS, generate_region

    day = date_or_today(as_at)
    rate = DEFAULT_MOVERS if movers is None else movers
    result = with_progress(
        "Generating a region",
        lambda say: generate_region(out, authorities, size.value, seed, day, movers=rate, progress=say),
    )
    moved = sum(len(m.person_ids) for m in result.moves)
    typer.echo(
        f"Wrote a region of {len(result.authorities)} {size.value} synthetic authorities (as at {day.isoformat()}, "
        f"seed {seed}) to {out} in {result.seconds:.1f}s: {len(result.moves):,} families ({moved:,} children) moved "
        f"between them; {result.records:,} source records in region_truth.csv."
    )
    for authority in result.authorities:
        folder = out / authority.folder
        typer.echo(
            f"{authority.code} {authority.name}: {result.children_0_17[authority.code]:,} children aged 0-17; "
            f"ingest with: childhub ingest {folder / 'extracts'} --mapping {folder / 'mappings'}"
        )
