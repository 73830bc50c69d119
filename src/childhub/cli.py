"""The ``childhub`` command line.

Commands call childhub's own public functions; heavy libraries are imported inside
commands so ``childhub --help`` starts fast. Errors meant for users (``ChildhubError``)
print as one plain line with a non-zero exit; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub import __version__
from childhub.errors import ChildhubError

app = typer.Typer(
    name="childhub",
    help="A live, multi-agency children's data hub for English local authorities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class Size(str, Enum):
    tiny = "tiny"
    small = "small"
    medium = "medium"
    large = "large"


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (default: $CHILDHUB_DATA_DIR or ./childhub-data)."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"childhub {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback when something fails.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """A live, multi-agency children's data hub for English local authorities."""


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ChildhubError(f"{option} must be a date written YYYY-MM-DD, not {value!r}") from None


def _settings(data_dir: Path | None = None):
    """The settings, read from the environment here at the edge; ``--data-dir`` wins over them."""
    from childhub.settings import get_settings

    settings = get_settings()
    return settings if data_dir is None else settings.model_copy(update={"data_dir": data_dir})


def _store(data_dir: Path | None):
    """The store a command works on (``store.open_store`` with the settings read here)."""
    from childhub.store import open_store

    return open_store(_settings(), data_dir)


def _authority(store):
    """The authority settings for ``store``: the one resolver, ``indicators.authority_for``."""
    from childhub.indicators import authority_for

    return authority_for(store.data_dir, _settings())


@app.command()
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

    day = _parse_date(as_at, "--as-at") if as_at else date.today()
    result = _with_progress(
        "Generating",
        lambda say: generate(size.value, seed, day, out, noise=noise, dq_errors=dq_errors, progress=say),
    )
    typer.echo(
        f"Wrote a {size.value} synthetic authority ({result.children_0_17:,} children aged 0-17, "
        f"as at {day.isoformat()}, seed {seed}) to {out} in {result.seconds:.1f}s: "
        f"{len(result.files)} files, {sum(result.files.values()):,} records."
    )
    typer.echo(f"Ingest it with: childhub ingest {result.extracts} --mapping {result.mappings}")
    if report:
        _print_realism(size.value, seed, day)


def _print_realism(size: str, seed: int, day: date) -> None:
    from rich.console import Console
    from rich.table import Table

    from childhub.synth import build_authority
    from childhub.synth.realism import measure

    table = Table(title="Synthetic authority beside England")
    for column in ("measure", "this authority", "England", "unit", "source"):
        table.add_column(column)
    for figure in measure(build_authority(size, seed, day)).values():
        table.add_row(figure.name, f"{figure.value:g}", f"{figure.england:g}", figure.unit, figure.source)
    Console().print(table)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only SELECT statement.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a read-only query over the store (it cannot write, read files or reach the network)."""
    settings = _settings()
    result = _store(data_dir).query(
        query, timeout_seconds=settings.query_timeout_seconds, row_limit=settings.query_row_limit
    )
    if output is OutputFormat.csv:
        _csv_out(result.columns, result.rows)
    else:
        typer.echo(result.to_text(output.value), nl=False)
    if result.truncated:
        typer.echo(f"(only the first {settings.query_row_limit:,} rows are shown)", err=True)


@app.command()
def status(data_dir: DataDirOption = None) -> None:
    """Show the store: where it is, its schema version and how many rows each table holds."""
    store = _store(data_dir)
    store.migrate()
    typer.echo(f"store: {store.database_path}")
    typer.echo(f"schema version: {store.schema_version()}")
    with store.reader() as conn:
        tables = conn.execute("SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name").fetchall()
    for table, rows in tables:
        typer.echo(f"  {table:32s} {rows:>10,}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of extracts.")],
    source: Annotated[str | None, typer.Option("--source", help="Read every file as this kind.")] = None,
    mapping: Annotated[
        list[Path] | None,
        typer.Option("--mapping", help="A mapping file, or a folder of them, for another CSV layout (repeatable)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject a whole file if any row has a problem.")] = False,
    extract_date: Annotated[str, typer.Option("--extract-date", help="The date the extract was taken.")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Load extracts into the store: one batch per file, all or nothing, with history."""
    from childhub.hub import ingest as run_ingest

    day = _parse_date(extract_date, "--extract-date") if extract_date else None
    reports = _with_progress(
        "Ingesting",
        lambda say: run_ingest(
            _store(data_dir),
            paths,
            source=source,
            mapping_files=mapping or [],
            strict=strict,
            extract_date=day,
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


@app.command()
def batches(data_dir: DataDirOption = None) -> None:
    """List ingested batches, newest first."""
    from childhub.ingest import list_batches

    rows = list_batches(_store(data_dir))
    if not rows:
        typer.echo("No batches yet: childhub ingest loads extracts.")
        return
    for row in rows:
        typer.echo(
            f"{row['batch_id']:>5}  {row['status']:8s} {row['source_kind']:30s} {str(row['extract_date'] or ''):10s} "
            f"{row['rows_loaded'] or 0:>9,} loaded {row['rows_rejected'] or 0:>6,} quarantined  {row['file_name']}"
        )


@app.command()
def batch(
    batch_id: Annotated[int, typer.Argument(help="The batch number (childhub batches lists them).")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv or json (problems).")
    ] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Show one batch: its file, counts, rows per table and every problem found."""
    import json

    from childhub.ingest import batch_detail

    detail = batch_detail(_store(data_dir), batch_id, problem_limit=1_000_000)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "batch": detail.batch,
                    "rows_by_table": detail.rows_by_table,
                    "problems": [_problem_dict(p) for p in detail.problems],
                },
                default=str,
                indent=2,
            )
        )
        return
    if output is OutputFormat.csv:
        _csv_out(
            ["file", "row", "column", "value", "message", "severity"],
            ([p.file, p.row, p.column, p.value, p.message, p.severity] for p in detail.problems),
        )
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


def _problem_dict(problem) -> dict:
    return {
        "file": problem.file,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "message": problem.message,
        "severity": problem.severity,
    }


@app.command("link")
def link_command(
    threshold: Annotated[
        float, typer.Option("--threshold", help="Match probability at which a scored pair links (0.5-0.9999).")
    ] = 0.9,
    new_only: Annotated[
        bool, typer.Option("--new-only", help="Match only records that arrived since the last run, at once.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Give every source record a stable child ID, and group children into families."""
    from childhub.hub import link, link_new_records

    if not 0.5 <= threshold < 1:
        raise ChildhubError("--threshold must be at least 0.5 and below 1")
    if new_only:
        matches = link_new_records(_store(data_dir), threshold=threshold)
        outcomes = {kind: sum(1 for m in matches if m.outcome == kind) for kind in ("joined", "new", "review")}
        typer.echo(
            f"Matched {len(matches):,} new records: {outcomes['joined']:,} joined existing children, "
            f"{outcomes['new']:,} became new children, {outcomes['review']:,} went to review."
        )
        return
    result = _with_progress("Linking", lambda say: link(_store(data_dir), threshold=threshold, progress=say))
    typer.echo(
        f"Linked {result.records:,} source records into {result.children:,} children in {result.families:,} "
        f"families ({result.pairs_scored:,} pairs scored; {result.queued:,} pairs await review; "
        f"{result.seconds:.1f}s, run {result.run_id})."
    )
    for rule, count in result.comparisons_by_rule.items():
        typer.echo(f"  blocking on {rule}: {count:,} comparisons")


review_app = typer.Typer(help="Pairs of records the linkage could not decide alone.", no_args_is_help=False)
app.add_typer(review_app, name="review")


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="How many pairs to show.")] = 20,
    data_dir: DataDirOption = None,
) -> None:
    """Show open pairs side by side with the evidence per field (match weights)."""
    if ctx.invoked_subcommand is not None:
        return
    from childhub.link import REVIEW_FIELDS, review_pairs

    with _store(data_dir).reader() as conn:
        pairs = review_pairs(conn, "open", limit)
    if not pairs:
        typer.echo("No pairs await review.")
        return
    for pair in pairs:
        typer.echo(f"pair {pair['pair_id']}: probability {pair['match_probability']:.3f}; {pair['reason']}")
        for name in REVIEW_FIELDS:
            typer.echo(f"  {name:18s} {str(pair['left'][name] or ''):28s} {str(pair['right'][name] or '')}")
        weights = ", ".join(
            f"{name} {item['weight']:+.1f}" for name, item in pair["evidence"].items() if item.get("weight") is not None
        )
        typer.echo(f"  evidence: {weights}")
    typer.echo("Decide with: childhub review decide PAIR same|different")


@review_app.command("decide")
def review_decide(
    pair_id: Annotated[int, typer.Argument(help="The pair number.")],
    decision: Annotated[str, typer.Argument(help="same or different")],
    by: Annotated[str, typer.Option("--by", help="Who decided (for the audit trail).")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Record that a pair is the same child or different children; every later run keeps to it."""
    import getpass

    from childhub.hub import decide

    decide(_store(data_dir), pair_id, decision, by or getpass.getuser())
    typer.echo(f"Pair {pair_id} recorded as {decision}; the next childhub link applies it.")


@app.command("link-lists")
def link_lists_command(
    files: Annotated[list[Path], typer.Argument(help="CSV files of people.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="Which columns hold names, birth dates, identifiers.")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: every input row with its cluster.")],
    threshold: Annotated[float, typer.Option("--threshold", help="Match probability at which rows link.")] = 0.9,
) -> None:
    """Link rows of any lists of people to each other (no store is touched)."""
    from childhub.link import link_lists

    rows, groups = _with_progress("Linking lists", lambda say: link_lists(files, mapping, out, threshold))
    typer.echo(f"Linked {rows:,} rows into {groups:,} people; wrote {out}.")


@app.command("evaluate-linkage")
def evaluate_linkage(
    truth: Annotated[Path, typer.Option("--truth", help="A synthetic authority's truth.csv.")],
    data_dir: DataDirOption = None,
) -> None:
    """Pairwise and cluster precision, recall and F1 for children and families, against truth."""
    from childhub.link import evaluate

    for name, scores in evaluate(_store(data_dir), truth).items():
        typer.echo(
            f"{name}: pairwise precision {scores.precision:.4f}, recall {scores.recall:.4f}, F1 {scores.f1:.4f} "
            f"({scores.false_positives:,} false and {scores.false_negatives:,} missed pairs); "
            f"clusters: precision {scores.cluster_precision:.4f}, recall {scores.cluster_recall:.4f}"
        )


export_app = typer.Typer(help="Take data out of the store.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("identities")
def export_identities_command(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    data_dir: DataDirOption = None,
) -> None:
    """source, source_record_id, child_id and family_id for every source record."""
    from childhub.link import export_identities

    rows = export_identities(_store(data_dir), out)
    typer.echo(f"Wrote {rows:,} source records with their child and family IDs to {out}.")


class PeriodChoice(str, Enum):
    snapshot = "snapshot"
    month = "month"
    quarter = "quarter"
    year = "year"
    rolling_6 = "rolling_6"
    rolling_12 = "rolling_12"


class Frequency(str, Enum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Part(str, Enum):
    numerator = "numerator"
    denominator = "denominator"


AsAtOption = Annotated[str, typer.Option("--as-at", help="The date to count on, YYYY-MM-DD (default: today).")]
PeriodOption = Annotated[
    PeriodChoice | None,
    typer.Option("--period", help="Count over this period ending on the date, where the indicator allows it."),
]


def _rows_out(rows: list[dict], output: OutputFormat, title: str = "") -> None:
    """Rows of dicts as a Rich table, CSV (through childhub.exports) or JSON."""
    import json

    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, default=str, indent=2, ensure_ascii=False))
        return
    columns = list(rows[0]) if rows else []
    if output is OutputFormat.csv:
        _csv_out(columns, ([row[c] for c in columns] for row in rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    Console(width=200).print(table)


def _csv_out(columns: list[str] | tuple[str, ...], rows) -> None:
    """Write a CSV to standard output through the one writer (formula-safe, CRLF, UTF-8)."""
    import click

    from childhub.exports import write_csv

    sys.stdout.flush()
    stream = click.get_binary_stream("stdout")
    write_csv(stream, columns, rows)
    stream.flush()


def _target_text(target) -> str:
    return "" if target is None else f"{target.target:g} ± {target.tolerance:g}"


@app.command("indicators")
def indicators_command(
    as_at: AsAtOption = "",
    period: PeriodOption = None,
    warnings: Annotated[
        bool, typer.Option("--warnings", help="Also draw each indicator's monthly trend and flag early warnings.")
    ] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """The indicator table for a date: value, England comparator, target and RAG for every indicator."""
    from childhub.indicators import calculator

    day = _parse_date(as_at, "--as-at") if as_at else date.today()
    store = _store(data_dir)
    with calculator(store, _authority(store)) as calc:
        figures = calc.figures(day, period=period.value if period else None)
        if warnings:
            flags = {f.indicator.id: calc.trend(f.indicator.id, day).warnings for f in figures}
    rows = []
    for figure in figures:
        item = figure.as_dict()
        if output is OutputFormat.table:
            england = figure.comparator
            rows.append(
                {
                    "indicator": f"{figure.indicator.name} ({figure.indicator.id})",
                    "period": figure.period.label,
                    "value": figure.formatted() if figure.value is not None else f"- ({figure.note})",
                    "count": f"{figure.numerator:,.0f}"
                    + (f" / {figure.denominator:,.0f}" if figure.denominator is not None else ""),
                    "England": "" if england is None else f"{england.value:g} ({england.label})",
                    "target": _target_text(figure.target),
                    "RAG": figure.rag or "",
                    **({"warnings": "; ".join(flags[figure.indicator.id])} if warnings else {}),
                }
            )
        else:
            if warnings:
                item["warnings"] = list(flags[figure.indicator.id])
            rows.append(item)
    _rows_out(rows, output, title=f"Indicators on {day.isoformat()}")


@app.command("indicator")
def indicator_command(
    indicator_id: Annotated[str, typer.Argument(help="The indicator's id (childhub indicators lists them).")],
    as_at: AsAtOption = "",
    period: PeriodOption = None,
    children: Annotated[
        Part | None, typer.Option("--children", help="List the children behind the numerator or denominator.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Break the figure down: age_band, sex, ethnicity, team, area...")
    ] = None,
    trend: Annotated[
        Frequency | None, typer.Option("--trend", help="Draw the trend: daily, weekly or monthly.")
    ] = None,
    points: Annotated[int, typer.Option("--points", help="How many points the trend has.")] = 24,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """One indicator: its definition and figure, its children, a breakdown or its trend with SPC limits."""
    from childhub.audit import command_line_user, record
    from childhub.indicators import calculator, indicator

    ind = indicator(indicator_id)
    day = _parse_date(as_at, "--as-at") if as_at else date.today()
    chosen = period.value if period else None
    store = _store(data_dir)
    with calculator(store, _authority(store)) as calc:
        if children is not None:
            rows = calc.children(ind.id, day, chosen, part=children.value)
        elif by is not None:
            rows = calc.breakdown(ind.id, day, by, chosen)
        elif trend is not None:
            series = calc.trend(ind.id, day, trend.value, points, chosen)
            rows = [
                {"period": f.period.label, "value": f.formatted(), "count": f.numerator, "of": f.denominator}
                for f in series.figures
            ]
        else:
            (figure,) = calc.figures(day, ids=[ind.id], period=chosen)
            rows = [figure.as_dict()]
    if children is not None:
        record(
            store.data_dir,
            actor=command_line_user(),
            channel="cli",
            action="view_children",
            subject=ind.id,
            child_count=len({row["child_key"] for row in rows}),
            details={"as_at": day, "period": chosen, "part": children.value},
        )
    if output is OutputFormat.table and children is None and by is None and trend is None:
        typer.echo(f"{ind.name} ({ind.id})\n{ind.definition}\nsource: {ind.source}; owner: {ind.owner}")
    _rows_out(rows, output, title=f"{ind.name} on {day.isoformat()}")
    if trend is not None and output is OutputFormat.table:
        limits = series.limits
        if limits is not None:
            typer.echo(f"control limits (XmR): {limits.lower:.1f} to {limits.upper:.1f}, centre {limits.centre:.1f}")
        typer.echo("early warnings: " + ("; ".join(series.warnings) if series.warnings else "none"))


@app.command()
def demo(
    size: Annotated[Size, typer.Option("--size", help="Size of the synthetic authority.")] = Size.small,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    as_at: Annotated[str, typer.Option("--as-at", help="YYYY-MM-DD (default: today).")] = "",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after preparing (for scripts).")] = False,
    host: Annotated[str, typer.Option("--host", help="The address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to serve on.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Generate a synthetic authority into the data folder, prepare the store for it, and serve the web app."""
    from childhub.demo import ACCOUNTS_FILE, demo_accounts, run_demo

    day = _parse_date(as_at, "--as-at") if as_at else date.today()
    store = _store(data_dir)
    steps = _with_progress(
        "Demo", lambda say: run_demo(store, size.value, seed, day, progress=say, settings=_settings(store.data_dir))
    )
    for line in steps:
        typer.echo(line)
    accounts = demo_accounts(store)
    typer.echo(f"Demo accounts, one per role (also in {store.data_dir / ACCOUNTS_FILE}, readable by you only):")
    for account in accounts:
        typer.echo(f"  {account.line()}")
    if no_serve:
        typer.echo(f"Not serving (--no-serve): childhub serve --data-dir {store.data_dir} serves it.")
        return
    _serve(store, host, port)


class AnnexAFormat(str, Enum):
    xlsx = "xlsx"
    csv = "csv"


@app.command("annex-a")
def annex_a_command(
    as_at: Annotated[str, typer.Option("--as-at", help="The inspection date, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Workbook to write (a folder for --format csv).")],
    output: Annotated[
        AnnexAFormat, typer.Option("--format", help="xlsx (one sheet per list) or csv (one file per list).")
    ] = AnnexAFormat.xlsx,
    version: Annotated[
        str | None, typer.Option("--template", help="Ofsted template version (default: the one for --as-at).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write Ofsted's Annex A (Lists 1 to 11) for an inspection date, from the store."""
    from childhub.annex_a import template
    from childhub.annex_a.export import write_annex_a
    from childhub.audit import command_line_user, record

    day = _parse_date(as_at, "--as-at")
    store = _store(data_dir)
    report = _with_progress("Annex A", lambda say: write_annex_a(store, day, out, fmt=output.value, version=version))
    record(
        store.data_dir,
        actor=command_line_user(),
        channel="cli",
        action="export_annex_a",
        subject=str(report.path),
        child_count=report.children,
        details={"as_at": day, "format": output.value, "version": report.version},
    )
    annex = template(report.version)
    for number, rows in report.rows.items():
        typer.echo(f"{annex.get_list(number).sheet_name}: {rows:,} rows")
    unavailable = len(report.unavailable)
    typer.echo(
        f"Wrote Annex A as at {day.isoformat()} (template {report.version}) to {report.path} in "
        f"{report.seconds:.1f}s; {unavailable} field(s) unavailable, listed in the summary."
    )


users_app = typer.Typer(help="Accounts that can sign in to the web app and the API.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The name they sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, manager, practitioner or scrutiny.")],
    name: Annotated[str | None, typer.Option("--name", help="Their name as pages show it.")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="A team ID they work in (repeatable).")] = None,
    service_area: Annotated[
        list[str] | None, typer.Option("--service-area", help="A service area a manager runs (repeatable).")
    ] = None,
    worker: Annotated[
        str | None, typer.Option("--worker", help="A practitioner's worker ID in the case system.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (else one is made).")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Add an account; prints the password made for it unless --password-stdin gives one."""
    from childhub.accounts import Accounts, new_password

    password = sys.stdin.readline().rstrip("\n") if password_stdin else new_password()
    account = Accounts(_store(data_dir).data_dir).add(
        username,
        role,
        password,
        display_name=name,
        worker_id=worker,
        teams=tuple(team or ()),
        service_areas=tuple(service_area or ()),
    )
    typer.echo(f"Added {account.username} ({account.role}).")
    if not password_stdin:
        typer.echo(f"Password: {password}  (shown once; they can be given a new one with childhub users password)")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Stop an account signing in; its sessions and API tokens end at once."""
    from childhub.accounts import Accounts

    Accounts(_store(data_dir).data_dir).disable(username)
    typer.echo(f"Disabled {username}; their sessions and API tokens no longer work.")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin, analyst, manager, practitioner or scrutiny.")],
    data_dir: DataDirOption = None,
) -> None:
    """Change an account's role; they sign in again to use it."""
    from childhub.accounts import Accounts

    account = Accounts(_store(data_dir).data_dir).set_role(username, role)
    typer.echo(f"{account.username} is now {account.role}.")


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Give an account a new password, read from standard input."""
    from childhub.accounts import Accounts

    Accounts(_store(data_dir).data_dir).set_password(username, sys.stdin.readline().rstrip("\n"))
    typer.echo(f"Changed the password of {username}.")


@users_app.command("list")
def users_list(data_dir: DataDirOption = None) -> None:
    """Every account, its role and what it works in."""
    from childhub.accounts import Accounts

    for account in Accounts(_store(data_dir).data_dir).list():
        scope = ", ".join([*account.teams, *account.service_areas, *([account.worker_id] if account.worker_id else [])])
        state = " (disabled)" if account.disabled else ""
        typer.echo(f"{account.username:24s} {account.role:13s} {scope}{state}")


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "api",
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token for another system to call /api/v1/ as this account (shown once)."""
    from childhub.accounts import Accounts

    token = Accounts(_store(data_dir).data_dir).issue_token(username, label)
    typer.echo(token)


@app.command("audit")
def audit_command(
    limit: Annotated[int, typer.Option("--limit", help="How many events, newest first.")] = 50,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this account's (or user's) events.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. view_child.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """The audit log: who saw or exported which children's data, when and how."""
    from dataclasses import asdict

    from childhub.audit import events

    rows = [asdict(event) for event in events(_store(data_dir).data_dir, limit=limit, actor=actor, action=action)]
    _rows_out(rows, output, title="Audit log")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the web app and the REST API (/api/v1/) over the store's latest published snapshot."""
    _serve(_store(data_dir), host, port)


def _serve(store, host: str, port: int) -> None:
    import uvicorn

    from childhub.errors import StoreError
    from childhub.hub import publish
    from childhub.web import create_app

    try:  # publish the store as it is now, unless a writer is busy (then the last snapshot serves)
        with store.writer() as conn:
            publish(store, conn)
    except StoreError as busy:
        typer.echo(f"note: {busy}; serving the last published snapshot", err=True)
    typer.echo("Counting what the overview and indicator pages show...")
    app_ = create_app(_settings(store.data_dir), warm_first=True)
    typer.echo(f"Serving childhub at http://{host}:{port}/ (Ctrl+C stops it).")
    uvicorn.run(app_, host=host, port=port, log_level="warning")


def _with_progress(label: str, work):
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


def main() -> None:
    debug = "--debug" in sys.argv[1:]
    try:
        app(prog_name="childhub")
    except ChildhubError as error:
        if debug:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # the last line of defence: no traceback without --debug
        if debug:
            raise
        typer.echo(
            f"error: unexpected {type(error).__name__}: {error} (run again with --debug to see the traceback)",
            err=True,
        )
        sys.exit(1)
