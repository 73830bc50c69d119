"""``childhub clusters load FILE`` (the authority's clusters: postcode sectors and schools to a cluster's name, checked
and kept in the data folder) and ``childhub clusters show`` (what it holds, and how many children each cluster has)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, settings_for
from childhub.cli.output import rows_out

clusters_app = typer.Typer(
    help="The authority's clusters (areas of postcode sectors and schools) for the Clusters page.", no_args_is_help=True
)


def _data_dir(data_dir: Path | None) -> Path:
    return Path(settings_for(data_dir).data_dir)


@clusters_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="A CSV or Excel file: cluster, postcode_sector and/or school_urn.")],
    data_dir: DataDirOption = None,
) -> None:
    """Check a clusters file and keep it in the data folder (clusters.csv), replacing the clusters held before.

    Each row maps a postcode sector ("QX12 3": the outward code, a space, the first digit of the inward code) or a
    school (its six-digit URN) to a cluster. Every problem is one line naming the file, the row and the field."""
    from childhub.leaders import clusters_path, load_clusters

    folder = _data_dir(data_dir)
    clusters = load_clusters(folder, file)
    typer.echo(
        f"Loaded {len(clusters.names)} clusters ({len(clusters.sectors):,} postcode sectors, "
        f"{len(clusters.schools):,} schools) from {file} into {clusters_path(folder)}."
    )


@clusters_app.command("show")
def show(
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """The clusters the data folder holds: each one's postcode sectors and schools, and how many children the store's
    records place in it (by their home postcode, or else their school)."""
    from childhub.errors import ChildhubError
    from childhub.leaders import NO_CLUSTER, clusters_for, clusters_path

    folder = _data_dir(data_dir)
    clusters = clusters_for(folder)
    if not clusters.names:
        raise ChildhubError(f"no clusters are loaded in {folder} (childhub clusters load FILE)")
    placed = _placed(folder, clusters)
    rows = []
    for name in [*clusters.names, NO_CLUSTER]:
        sectors = [sector for sector, cluster in clusters.sectors if cluster == name]
        schools = [urn for urn, cluster in clusters.schools if cluster == name]
        row = {"cluster": name, "postcode sectors": ", ".join(sectors), "schools (URN)": ", ".join(schools)}
        if placed is not None:
            row["children by home"] = placed.get((name, "home"), 0)
            row["children by school"] = placed.get((name, "school"), 0)
            row["children"] = sum(count for (cluster, _by), count in placed.items() if cluster == name)
        rows.append(row)
    rows_out(rows, output, title=f"Clusters in {clusters_path(folder)}")


def _placed(folder: Path, clusters) -> dict[tuple[str, str | None], int] | None:
    """How many children the store places in each cluster, by what placed them; None when there is no store yet."""
    from childhub.facts import prepare
    from childhub.leaders import child_clusters
    from childhub.store import Store

    store = Store(folder)
    if not store.database_path.exists():
        return None
    with store.reader() as conn:
        prepare(conn, ["child", "attendance"])
        found = child_clusters(conn, clusters)
    counted: dict[tuple[str, str | None], int] = {}
    for where in found.values():
        counted[(where.cluster, where.placed_by)] = counted.get((where.cluster, where.placed_by), 0) + 1
    return counted
