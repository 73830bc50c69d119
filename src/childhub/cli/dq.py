"""Data quality: ``childhub validate`` (return files checked before they are loaded, nothing written) and
``childhub dq`` (every rule over every collection year the store holds, and the checks across systems)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub.calendar import collection_year_label
from childhub.cli.options import DataDirOption, EngineName, EngineOption, OutputFormat
from childhub.cli.output import rows_out


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


FormatOption = Annotated[ReportFormat, typer.Option("--format", help="table, csv, json or xlsx (xlsx needs --out).")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the findings to this file.")]
YearOption = Annotated[
    int | None, typer.Option("--year", help="Collection year, the year of the 31 March it ends on (2026 = 2025-26).")
]


TABLE_ROWS = 200  # more findings than this are shown as a table by rule (every one is in the other formats)


def _by_rule(rows: list[dict]) -> list[dict]:
    """One line per rule (return and year): how many findings and children, and the rule's words."""
    grouped: dict[tuple, dict] = {}
    for row in rows:
        key = (row["return"], row["year"], row["rule"])
        line = grouped.setdefault(
            key,
            {
                "rule": row["rule"],
                "severity": row["severity"],
                "return": row["return"],
                "year": row["year"],
                "findings": 0,
                "children": set(),
                "message": row["message"],
            },
        )
        line["findings"] += 1
        if row["child"]:  # a finding about the return as a whole has no child
            line["children"].add(row["child"])
    ordered = sorted(grouped.values(), key=lambda line: (-line["findings"], line["rule"]))
    return [{**line, "findings": f"{line['findings']:,}", "children": f"{len(line['children']):,}"} for line in ordered]


def _team_id(conn, team: str) -> str:
    """The team ``--team`` names, by its ID or its name (any case); one line naming the teams when none is."""
    from childhub.errors import ChildhubError

    rows = conn.execute(
        "SELECT team_id FROM fact_team WHERE lower(team_id) = lower(?) OR lower(team_name) = lower(?) ORDER BY team_id",
        [team, team],
    ).fetchall()
    if not rows:
        names = [name for (name,) in conn.execute("SELECT team_name FROM fact_team ORDER BY team_name").fetchall()]
        raise ChildhubError(
            f"no team is called {team!r}; the teams are {', '.join(names) or 'none (no team is loaded)'}"
        )
    return rows[0][0]


def _write(rows: list[dict], output: ReportFormat, out: Path | None, title: str) -> None:
    from childhub.errors import ChildhubError

    columns = list(rows[0]) if rows else ["rule", "message"]
    if output is ReportFormat.xlsx:
        if out is None:
            raise ChildhubError("--format xlsx needs --out FILE.xlsx")
        from childhub.exports import private_file, xlsx_bytes

        with open(private_file(out), "wb") as handle:
            handle.write(xlsx_bytes(columns, ([row[c] for c in columns] for row in rows), sheet_name="Findings"))
        typer.echo(f"Wrote {len(rows):,} findings to {out}")
        return
    if out is not None:
        if output is ReportFormat.json:
            import json

            out.write_text(json.dumps(rows, default=str, indent=1, ensure_ascii=False) + "\n", "utf-8")
        else:
            from childhub.exports import write_csv

            write_csv(out, columns, ([row[c] for c in columns] for row in rows))
        typer.echo(f"Wrote {len(rows):,} findings to {out}")
        return
    rows_out(rows, OutputFormat(output.value), title=title)


def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="SSDA903 CSV tables (or folders of them) and CIN census XML files.")
    ],
    year: YearOption = None,
    la: Annotated[str | None, typer.Option("--la", help="The authority's ONS code (for rules that need it).")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only these rules (repeat the option).")] = None,
    output: FormatOption = ReportFormat.table,
    out: OutOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 when any error (not query) is found.")] = False,
) -> None:
    """Check return files against the DfE's validation rules before loading them; nothing is written to the store.

    SSDA903 tables in one folder are one return (its year is the folder's name when that is a year, else worked out
    from the episodes, else --year); a return a year older than another is used as that one's last year. Each
    finding names the rule, the file, the row, the child and the fields.
    """
    from childhub.dq import RETURN_NAMES, read_returns, run_rules

    runs = read_returns(list(paths), year, la)
    rows, summary = [], []
    try:
        for run in runs:
            findings = run_rules(run, only=set(rule) if rule else None)
            summary.append((run, findings))
            rows += [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "return": RETURN_NAMES[f.kind],
                    "year": collection_year_label(f.year),
                    "file": f.origin,
                    "row": f.line,
                    "child": f.child,
                    "fields": ", ".join(f.fields),
                    "message": f.message,
                }
                for f in findings
            ]
    finally:
        for run in runs:
            run.close()
    if output is ReportFormat.table and out is None and len(rows) > TABLE_ROWS:
        rows_out(_by_rule(rows), OutputFormat.table, title=f"{len(rows):,} findings, by rule")
        typer.echo("Every finding, with its file, row and child: --format csv, json or xlsx (with --out FILE).")
    else:
        _write(rows, output, out, title="Findings")
    if output is ReportFormat.table or out is not None:
        for run, findings in summary:
            errors = sum(1 for f in findings if f.severity == "error")
            children = len({f.child for f in findings if f.child})
            typer.echo(
                f"{RETURN_NAMES[run.kind]} {collection_year_label(run.year)}: {errors:,} errors and "
                f"{len(findings) - errors:,} queries about {children:,} children",
                err=out is None and output is not ReportFormat.table,
            )
    if strict and any(r["severity"] == "error" for r in rows):
        raise typer.Exit(3)


def dq_command(
    year: YearOption = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only these rules (repeat the option).")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only children allocated to this team now.")] = None,
    output: FormatOption = ReportFormat.table,
    out: OutOption = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Run the rules first (default), or list the last run's findings.")
    ] = True,
    full: Annotated[
        bool, typer.Option("--full", help="Run every collection year's return again, whether or not it changed.")
    ] = False,
    engine: EngineOption = EngineName.duckdb,
    data_dir: DataDirOption = None,
) -> None:
    """Every data-quality rule over the store: the DfE's return rules for every collection year held and the checks
    across systems, recorded (new, standing and fixed findings), then the open findings listed, each naming the
    source system and record to fix. The list names children, so it is written to the audit log. The rules run on
    DuckDB (the default) or Spark (``--engine spark``); the findings are recorded in the store either way."""
    from childhub import hub
    from childhub.audit import record_command_line
    from childhub.cli.options import authority_of, store_for
    from childhub.cli.output import with_progress
    from childhub.dq import RETURN_NAMES, findings, summary
    from childhub.facts import prepare

    store = store_for(data_dir)
    if check:
        authority = authority_of(store)
        result = with_progress(
            "Checking data quality",
            lambda say: hub.check_quality(
                store, authority=authority, everything=full, progress=say, engine=engine.value
            ),
        )
        kept = (
            f"; {result.unchanged} return years unchanged since their last check kept their findings"
            if result.unchanged
            else ""
        )
        typer.echo(
            f"Checked {result.rules_run:,} rules ({result.years or 'no returns held'}) in {result.seconds:.1f} s: "
            f"{result.opened:,} new findings, {result.fixed:,} fixed since the last run{kept}",
            err=output is not ReportFormat.table and out is None,
        )
    with store.reader() as conn:
        prepare(conn, ["person", "allocation", "team", "worker"])
        teams = dict(conn.execute("SELECT team_id, team_name FROM fact_team").fetchall())
        workers = dict(conn.execute("SELECT worker_id, worker_name FROM fact_worker").fetchall())
        team_id = _team_id(conn, team) if team else None
        found = findings(conn, year=year, rules=rule, team=team_id)
        totals = summary(conn)
    record_command_line(
        store.data_dir,
        "export_dq_findings" if out or output is not ReportFormat.table else "view_dq_findings",
        subject=", ".join(rule) if rule else "every rule",
        child_count=len({f["child_key"] for f in found if f["child_key"]}),
        children=sorted({f["child_key"] for f in found if f["child_key"]}),
        details={"year": year, "team": team, "format": output.value, "out": str(out) if out else None},
    )
    rows = [
        {
            "rule": f["rule"],
            "severity": f["severity"],
            "return": RETURN_NAMES[f["kind"]],
            "year": collection_year_label(f["year"]),
            "system": f["source_system"],
            "record": f["source_record"],
            "child": f["child_key"] or f["child_id"],
            "fields": f["fields"],
            "message": f["message"],
            "detail": f["detail"],
            "accepted": "yes: " + f["accepted_reason"] if f["accepted"] else "",
            "first seen": f["first_seen"].date().isoformat(),
            "team": teams.get(f["team_id"], f["team_id"]),
            "worker": workers.get(f["worker_id"], f["worker_id"]),
            "finding": f["finding_key"],
        }
        for f in found
    ]
    if output is ReportFormat.table and out is None and not rows:
        typer.echo("No open findings" + (" for that choice." if (year or rule or team) else "."))
    elif output is ReportFormat.table and out is None and len(rows) > TABLE_ROWS:
        rows_out(_by_rule(rows), OutputFormat.table, title=f"{len(rows):,} open findings, by rule")
        typer.echo("Every finding, with the system and record to fix: --format csv, json or xlsx (with --out FILE).")
    else:
        _write(rows, output, out, title="Open data-quality findings")
    if output is ReportFormat.table and out is None:
        typer.echo(
            f"{totals['errors']:,} errors and {totals['queries']:,} queries open about {totals['children']:,} children "
            f"({totals['accepted']:,} accepted); {totals['new_since_yesterday']:,} new since yesterday, "
            f"{totals['fixed_last_week']:,} fixed in the last week"
        )
