"""A region's commands: ``childhub export pooled`` (one authority's export for its region, under the region's shared
key), ``childhub region link DIR...`` (the authorities' children linked across councils) and ``childhub region
indicators`` (the region's figures with each authority beside its neighbours). See docs/region.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, EngineName
from childhub.errors import ChildhubError

region_app = typer.Typer(
    help="A region pooling several authorities' children: linked across councils, counted once.", no_args_is_help=True
)

RegionEngineOption = Annotated[
    EngineName, typer.Option("--engine", help="spark (the default: local mode, or the cluster configured) or duckdb.")
]


def export_pooled(
    key: Annotated[Path, typer.Option("--key", help="The region's shared key file (childhub region key).")],
    out: Annotated[Path, typer.Option("--out", help="An empty or new folder to write the pooled export into.")],
    data_dir: DataDirOption = None,
) -> None:
    """Write this authority's linked children for its region: identifiers as keyed hashes, names and dates of birth
    as Bloom-filter encodings, month of birth and postcode district for display, no free text."""
    raise ChildhubError("childhub export pooled is not built yet")


# ---- region link (its owner: the region-link work) ----


@region_app.command("link")
def region_link(
    folders: Annotated[list[Path], typer.Argument(help="Two or more authorities' pooled exports.")],
    out: Annotated[Path, typer.Option("--out", help="The region's folder: its linked children are written here.")],
    engine: RegionEngineOption = EngineName.spark,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Reuse a saved model (an earlier region folder's manifest.json) instead of training one.",
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="The match probability at which two children are one (0.5 to 1).")
    ] = 0.9,
) -> None:
    """Link the authorities' children across councils, so a child who moved is one child."""
    from childhub.region import link_region, read_model

    if not 0.5 <= threshold < 1:
        raise ChildhubError("--threshold must be at least 0.5 and below 1")
    summary = link_region(
        folders, out, engine=engine.value, model=read_model(model) if model else None, threshold=threshold
    )
    typer.echo(
        f"Linked {summary.children:,} children of {summary.authorities} authorities into "
        f"{summary.region_children:,} region children on {engine.value}: {summary.linked_pairs:,} pairs across "
        f"councils joined, {summary.pairs:,} kept from probability 0.5, {summary.refused:,} joins refused (two "
        f"children of one authority). Wrote {summary.out}."
    )
    for rule, count in summary.comparisons_by_rule.items():
        typer.echo(f"  blocking on {rule}: {count:,} comparisons")


# ---- region indicators (its owner: the pooled-export work) ----


@region_app.command("indicators")
def region_indicators(
    region: Annotated[Path, typer.Argument(help="The region's folder (written by childhub region link).")],
    engine: RegionEngineOption = EngineName.spark,
) -> None:
    """The region's indicators, counted once across councils, with each authority beside its neighbours."""
    raise ChildhubError("childhub region indicators is not built yet")
