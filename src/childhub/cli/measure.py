"""Measures from the facts: the indicator table (``indicators``), one indicator (``indicator``) and Ofsted's
Annex A (``annex-a``). Seeing children's names or exporting them is written to the audit log."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import (
    AsAtOption,
    DataDirOption,
    EngineName,
    EngineOption,
    OutputFormat,
    authority_of,
    date_or_today,
    parse_date,
    store_for,
)
from childhub.cli.output import rows_out, with_progress


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


class AnnexAFormat(str, Enum):
    xlsx = "xlsx"
    csv = "csv"


PeriodOption = Annotated[
    PeriodChoice | None,
    typer.Option("--period", help="Count over this period ending on the date, where the indicator allows it."),
]


def _target_text(target) -> str:
    return "" if target is None else f"{target.target:g} ± {target.tolerance:g}"


def _like_for_like_text(item: dict) -> str:
    """A part-year figure made comparable, for the table: annualised (a count or rate) and the same days last
    year; empty for a whole year, 12 months or a date."""
    if item["compared_as"] is None:
        return ""
    annualised = f"annualised {item['annualised_formatted']}; " if item["annualised_formatted"] else ""
    return f"{item['days_counted']} of {item['days_in_year']} days: {annualised}last year {item['last_year_formatted']}"


def _figure_lines(item: dict) -> list[dict]:
    """One figure as a person reads it: a line per thing said about it (JSON and CSV give every field)."""
    lines = {
        "value": item["formatted"] + (f" ({item['note']})" if item["note"] else ""),
        "period": f"{item['period_start']} to {item['period_end']}",
        "counted": f"{item['numerator']}" + (f" of {item['denominator']}" if item["denominator"] is not None else ""),
        "children": item["children"],
        "like for like": _like_for_like_text(item),
        "England": _england_text(item),
        "target": "" if item["target"] is None else f"{item['target']:g} ± {item['tolerance']:g}",
        "RAG": "" if item["rag"] is None else f"{item['rag']}, judged on {item['rag_basis']}",
    }
    return [{"": name, "figure": value} for name, value in lines.items() if value not in ("", None)]


def _england_text(item: dict) -> str:
    """England's figure with its year, and for a part-year figure, that it is a whole year's."""
    if item["england"] is None:
        return ""
    whole_year = ", a full year" if item["part_of_year"] else ""
    return f"{item['england_formatted']} ({item['england_label']}{whole_year})"


def indicators_command(
    as_at: AsAtOption = "",
    period: PeriodOption = None,
    warnings: Annotated[
        bool, typer.Option("--warnings", help="Also draw each indicator's monthly trend and flag early warnings.")
    ] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    engine: EngineOption = EngineName.duckdb,
    data_dir: DataDirOption = None,
) -> None:
    """The indicator table for a date: value, England comparator, target and RAG for every indicator, counted on
    DuckDB (the default) or Spark (``--engine spark``: the same figures)."""
    from childhub.indicators import calculator

    day = date_or_today(as_at)
    store = store_for(data_dir)
    with calculator(store, authority_of(store), engine.value) as calc:
        figures = calc.figures(day, period=period.value if period else None)
        if warnings:
            flags = {f.indicator.id: calc.trend(f.indicator.id, day).warnings for f in figures}
    rows = []
    for figure in figures:
        item = figure.as_dict()
        if output is OutputFormat.table:
            rows.append(
                {
                    "indicator": f"{figure.indicator.name} ({figure.indicator.id})",
                    "period": figure.period.label,
                    "value": figure.formatted() if figure.value is not None else f"- ({figure.note})",
                    "count": f"{figure.numerator:,.0f}"
                    + (f" / {figure.denominator:,.0f}" if figure.denominator is not None else ""),
                    "like for like": _like_for_like_text(item),
                    "England": _england_text(item),
                    "target": _target_text(figure.target),
                    "RAG": figure.rag or "",
                    **({"warnings": "; ".join(flags[figure.indicator.id])} if warnings else {}),
                }
            )
        else:
            if warnings:
                item["warnings"] = list(flags[figure.indicator.id])
            rows.append(item)
    rows_out(rows, output, title=f"Indicators on {day.isoformat()}")


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
    from childhub.audit import record_command_line
    from childhub.indicators import calculator, indicator

    ind = indicator(indicator_id)
    day = date_or_today(as_at)
    chosen = period.value if period else None
    store = store_for(data_dir)
    with calculator(store, authority_of(store)) as calc:
        if children is not None:
            rows = calc.children(ind.id, day, chosen, part=children.value)
        elif by is not None:
            rows = calc.breakdown(ind.id, day, by, chosen)
        elif trend is not None:
            series = calc.trend(ind.id, day, trend.value, points, chosen)
            rows = [
                {
                    "period": point["period_start"] + " to " + point["period_end"],
                    "value": point["formatted"],
                    "count": point["numerator"],
                    "of": point["denominator"],
                    "partial": "so far: not judged" if not point["complete"] else "",
                }
                for point in (f.as_dict() for f in series.figures)
            ]
        else:
            (figure,) = calc.figures(day, ids=[ind.id], period=chosen)
            rows = [figure.as_dict()] if output is not OutputFormat.table else _figure_lines(figure.as_dict())
    if children is not None:
        record_command_line(
            store.data_dir,
            "view_children",
            subject=ind.id,
            child_count=len({row["child_key"] for row in rows}),
            details={"as_at": day, "period": chosen, "part": children.value},
        )
    if output is OutputFormat.table and children is None and by is None and trend is None:
        typer.echo(f"{ind.name} ({ind.id})\n{ind.definition}\nsource: {ind.source}; owner: {ind.owner}")
    rows_out(rows, output, title=f"{ind.name} on {day.isoformat()}")
    if trend is not None and output is OutputFormat.table:
        limits = series.limits
        if limits is not None:
            typer.echo(f"control limits (XmR): {limits.lower:.1f} to {limits.upper:.1f}, centre {limits.centre:.1f}")
        if series.partial_note:
            typer.echo(f"partial: {series.partial_note}")
        typer.echo("early warnings: " + ("; ".join(series.warnings) if series.warnings else "none"))


def annex_a_command(
    as_at: Annotated[str, typer.Option("--as-at", help="The inspection date, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Workbook to write (a folder for --format csv).")],
    output: Annotated[
        AnnexAFormat, typer.Option("--format", help="xlsx (one sheet per list) or csv (one file per list).")
    ] = AnnexAFormat.xlsx,
    version: Annotated[
        str | None, typer.Option("--template", help="Ofsted template version (default: the one for --as-at).")
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check every list before it leaves (blank mandatory cells, ages, dates, drop-downs, "
            "contradictions, duplicates); the findings go on a Checks sheet and are shown here.",
        ),
    ] = False,
    check_out: Annotated[
        Path | None, typer.Option("--check-out", help="Also write every finding to this CSV file (implies --check).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with status 3 when the check finds anything (implies --check).")
    ] = False,
    engine: EngineOption = EngineName.duckdb,
    data_dir: DataDirOption = None,
) -> None:
    """Write Ofsted's Annex A (Lists 1 to 11) for an inspection date, from the store, and check it; the lists are
    queried on DuckDB (the default) or Spark (``--engine spark``: the same rows)."""
    from childhub.annex_a import template
    from childhub.annex_a.export import refuse_future_date, write_annex_a
    from childhub.audit import record_command_line

    day = parse_date(as_at, "--as-at")
    refuse_future_date(day)
    checking = check or strict or check_out is not None
    store = store_for(data_dir)
    report = with_progress(
        "Annex A",
        lambda say: write_annex_a(
            store, day, out, fmt=output.value, version=version, check=checking, engine=engine.value
        ),
    )
    record_command_line(
        store.data_dir,
        "export_annex_a",
        subject=str(report.path),
        child_count=report.children,
        details={
            "as_at": day,
            "format": output.value,
            "version": report.version,
            "checked": checking,
            "engine": engine.value,
        },
    )
    annex = template(report.version)
    for number, rows in report.rows.items():
        typer.echo(f"{annex.get_list(number).sheet_name}: {rows:,} rows")
    unavailable = len(report.unavailable)
    typer.echo(
        f"Wrote Annex A as at {day.isoformat()} (template {report.version}) to {report.path} in "
        f"{report.seconds:.1f}s; {unavailable} field(s) unavailable, listed in the summary."
    )
    if report.check is not None:
        _check_out(report.check, check_out, store.data_dir, record_command_line)
        if strict and report.check.findings:
            raise typer.Exit(3)


def _check_out(checked, check_out: Path | None, data_dir: Path, record_command_line) -> None:
    """The check's findings: a table per list, column and check, and every finding as CSV with --check-out."""
    from childhub.annex_a.export import CHECK_CSV_HEADERS
    from childhub.exports import write_csv

    if checked.findings:
        rows_out(
            [
                {
                    "list": group.sheet_name,
                    "column": group.header,
                    "check": group.check_words,
                    "findings": f"{group.count:,}",
                    "children to fix": group.first_children(),
                    "for example": group.example,
                }
                for group in checked.groups()
            ],
            OutputFormat.table,
            title=f"Annex A checked: {len(checked.findings):,} finding(s) about {len(checked.children):,} child(ren)",
        )
    else:
        typer.echo("Annex A checked: nothing found.")
    if check_out is not None:
        write_csv(check_out, CHECK_CSV_HEADERS, checked.csv_rows())
        typer.echo(f"Wrote every finding ({len(checked.findings):,}) to {check_out}.")
    record_command_line(
        data_dir,
        "check_annex_a",
        subject=str(check_out) if check_out is not None else checked.as_at.isoformat(),
        child_count=len(checked.children),
        details={"as_at": checked.as_at, "version": checked.version, "findings": len(checked.findings)},
        children=checked.child_keys,
    )
