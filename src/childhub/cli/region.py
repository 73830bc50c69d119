"""A region's commands: ``childhub export pooled`` (one authority's export for its region, under the region's shared
key), ``childhub region link DIR...`` (the authorities' children linked across councils) and ``childhub region
indicators`` (the region's figures with each authority beside its neighbours). See docs/region.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import AsAtOption, DataDirOption, EngineName, OutputFormat, date_or_today
from childhub.errors import ChildhubError

region_app = typer.Typer(
    help="A region pooling several authorities' children: linked across councils, counted once.", no_args_is_help=True
)

RegionEngineOption = Annotated[
    EngineName, typer.Option("--engine", help="spark (the default: local mode, or the cluster configured) or duckdb.")
]


@region_app.command("key")
def region_key(
    out: Annotated[Path, typer.Option("--out", help="The key file to write (never overwritten).")],
) -> None:
    """Write a new shared key for a region: 32 random bytes as hex, readable by its owner only. Give a copy to every
    authority of the region, and to no one else."""
    from childhub.region import write_key

    write_key(out)
    typer.echo(f"Wrote a new region key to {out} (owner-only). Every authority of the region needs this same file.")


def export_pooled(
    key: Annotated[Path, typer.Option("--key", help="The region's shared key file (childhub region key).")],
    out: Annotated[Path, typer.Option("--out", help="An empty or new folder to write the pooled export into.")],
    as_at: AsAtOption = "",
    data_dir: DataDirOption = None,
) -> None:
    """Write this authority's linked children for its region: identifiers as keyed hashes, names and dates of birth
    as Bloom-filter encodings, month of birth and postcode district for display, no free text."""
    from childhub.audit import record_command_line
    from childhub.cli.options import authority_of, store_for
    from childhub.region import export_pooled as write_export
    from childhub.region import read_key

    secret = read_key(key)
    day = date_or_today(as_at)
    store = store_for(data_dir)
    written = write_export(store, authority_of(store), secret, out, day)
    record_command_line(
        store.data_dir,
        "export_pooled",
        subject=str(out),
        child_count=written.children,
        details={"authority_code": written.authority_code, "indicator_rows": written.indicator_rows},
        children=written.child_keys,
    )
    typer.echo(
        f"Wrote {written.children:,} children and {written.indicator_rows:,} indicator rows of "
        f"{written.authority_code} to {out} (pooled export, under the region's key)."
    )


# ---- storage: local folders, or URIs on Spark's stores (its owner: the deploy work) ----


@contextmanager
def _region_session(named: list[str], engine: EngineName, checkpoints: bool = True) -> Iterator[object | None]:
    """The Spark session a region command reads and writes its URIs through (None when every folder is local: the
    command starts its own session, if it needs one, as before). A URI with DuckDB is refused in one line."""
    from childhub.region import is_uri

    uris = [text for text in named if is_uri(text)]
    if not uris:
        yield None
        return
    if engine is not EngineName.spark:
        raise ChildhubError(f"{uris[0]}: a URI is read and written through Spark: give --engine spark")
    from childhub.region import local_spark_session

    with local_spark_session(checkpoints=checkpoints) as spark:
        yield spark


def _location(text: str, spark: object | None):
    from childhub.region import location

    return location(text, spark)


# ---- region link (its owner: the region-link work) ----


@region_app.command("link")
def region_link(
    folders: Annotated[
        list[str], typer.Argument(help="Two or more authorities' pooled exports (folders, or URIs with Spark).")
    ],
    out: Annotated[
        str,
        typer.Option("--out", help="The region's folder (or a URI: hdfs://, s3a://, file://...): written here."),
    ],
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
    with _region_session([*folders, out], engine) as spark:
        summary = link_region(
            [_location(folder, spark) for folder in folders],
            _location(out, spark),
            engine=engine.value,
            model=read_model(model) if model else None,
            threshold=threshold,
            spark=spark,
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
    region: Annotated[
        str, typer.Argument(help="The region's folder (written by childhub region link), or its URI with Spark.")
    ],
    engine: RegionEngineOption = EngineName.spark,
    as_at: AsAtOption = "",
    key: Annotated[
        Path | None, typer.Option("--key", help="The region's key file: the exports must have been made under it.")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    public: Annotated[
        bool, typer.Option("--public", help="Hide small numbers (the settings' small_number_threshold) to publish.")
    ] = False,
) -> None:
    """The region's indicators, counted once across councils, with each authority beside its neighbours."""
    from childhub.cli.options import settings_for
    from childhub.cli.output import rows_out
    from childhub.disclosure import SUPPRESSED
    from childhub.indicators import format_value, indicator
    from childhub.region import REGION_SCOPE, count_region, key_check, load_region, public_figures, read_key

    checked = key_check(read_key(key)) if key is not None else None
    with _region_session([region], engine, checkpoints=False) as spark:
        loaded = load_region(_location(region, spark), checked)
        period_end = loaded.month_end(date_or_today(as_at) if as_at else None)
        figures = count_region(loaded, period_end, engine.value, spark=spark)
    hidden: dict[tuple[str, str], str | None] = {}
    if public:  # small numbers hidden, then every count shown rounded to 5 (docs/region.md)
        figures, hidden = public_figures(figures, settings_for().small_number_threshold)
    scopes = [REGION_SCOPE, *(a.code for a in loaded.authorities)]
    by_indicator: dict[str, dict[str, object]] = {}
    for figure in figures:
        by_indicator.setdefault(figure.indicator_id, {})[figure.scope] = figure
    rows = []
    for indicator_id, scoped in by_indicator.items():
        ind = indicator(indicator_id)
        if output is OutputFormat.table:
            row = {"indicator": f"{ind.name} ({ind.id})"}
            for scope in scopes:
                figure = scoped[scope]
                if hidden.get((indicator_id, scope)) == "figure":
                    row[scope] = SUPPRESSED
                    continue
                shown = format_value(ind, figure.value)
                if ind.unit != "count":  # a count is its own numerator
                    count = f"{figure.numerator:,.0f}" + (
                        f"/{figure.denominator:,.0f}" if figure.denominator is not None else ""
                    )
                    shown = f"{shown} ({count})"
                row[scope] = shown
            rows.append(row)
        else:
            for scope in scopes:
                figure = scoped[scope]
                whole = hidden.get((indicator_id, scope)) == "figure"
                rows.append(
                    {
                        "indicator_id": ind.id,
                        "scope": scope,
                        "period_end": period_end.isoformat(),
                        "value": SUPPRESSED if whole else figure.value,
                        "numerator": SUPPRESSED if whole else figure.numerator,
                        "denominator": SUPPRESSED if whole and figure.denominator is not None else figure.denominator,
                        "children": SUPPRESSED if whole or hidden.get((indicator_id, scope)) else figure.children,
                        "note": figure.note,
                    }
                )
    rows_out(rows, output, title=f"The region's indicators at {period_end.isoformat()} ({engine.value})")


# ---- spark-submit (its owner: the deploy work) ----


@region_app.command("submit-path")
def region_submit_path() -> None:
    """Print the path of the script spark-submit runs childhub's commands with (docs/spark.md)."""
    import childhub.cli.submit as submit

    typer.echo(submit.__file__)
