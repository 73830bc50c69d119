"""The DfE's daily children's social care API: ``childhub dfe-api preview`` (what a send would do now),
``childhub dfe-api send`` (send what changed, record the DfE's answers) and ``childhub dfe-api sends`` (the sends
recorded). Each names children, so each is written to the audit log. See docs/dfe-api.md."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import AsAtOption, DataDirOption, authority_of, date_or_today, settings_for, store_for

dfe_api_app = typer.Typer(
    help="The DfE's daily children's social care API: preview and send each child's record.", no_args_is_help=True
)


class PreviewFormat(str, Enum):
    table = "table"
    json = "json"


def preview(
    as_at: AsAtOption = "",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the preview to this file: each child's status as CSV, or JSON with --format json."
        ),
    ] = None,
    output: Annotated[PreviewFormat, typer.Option("--format", help="table or json.")] = PreviewFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """What a send would do now: children new, changed, unchanged and to purge; records failing the DfE's rules;
    children held under two or more LA IDs. Sends and records nothing."""
    from childhub.audit import record_command_line
    from childhub.dfe_api import plan

    day = date_or_today(as_at)
    store = store_for(data_dir)
    with store.reader() as conn:
        planned = plan(conn, day)
    keys = sorted(
        {child.child_key for child in planned.to_send if child.child_key}
        | {row["child"] for row in planned.failing}
        | {row["child"] for row in planned.held_twice}
    )
    record_command_line(
        store.data_dir,
        "export_dfe_api_preview" if out else "view_dfe_api_preview",
        subject=f"dfe-api:{day.isoformat()}",
        child_count=len(keys),
        children=keys,
        details={"as_at": day, "format": output.value, "out": str(out) if out else None, **planned.summary()},
    )
    document = {
        "summary": planned.summary(),
        "children": [
            {"la_child_id": child.la_child_id, "child": child.child_key, "status": child.status}
            for child in planned.children
        ],
        "failing_dfe_rules": planned.failing,
        "held_under_two_or_more_ids": planned.held_twice,
        "items_without_a_referral": planned.unplaced,
    }
    if out is not None:
        _write_preview(out, output, document)
        typer.echo(f"Wrote the preview of {len(planned.children):,} children to {out}")
        return
    if output is PreviewFormat.json:
        from childhub.cli.output import json_out

        json_out(document)
        return
    _say_preview(planned)


def send_command(
    as_at: AsAtOption = "",
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Children per POST.")] = 100,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be sent, in which batches; post and record nothing.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Send the DfE what changed since the last accepted send, and the purges, in batches; record the answers."""
    from childhub.audit import command_line_user, record_command_line
    from childhub.dfe_api import endpoint_from, la_code_of, send

    day = date_or_today(as_at)
    store = store_for(data_dir)
    la_code = la_code_of(authority_of(store))
    endpoint = None if dry_run else endpoint_from(settings_for(data_dir))
    result = send(
        store, endpoint, la_code=la_code, as_at=day, sent_by=command_line_user(), batch_size=batch_size, dry_run=dry_run
    )
    sent = [child for batch in result.batches for child in batch.children] if dry_run else result.accepted
    record_command_line(
        store.data_dir,
        "dfe_api_dry_run" if dry_run else "dfe_api_send",
        subject=f"dfe-api:{day.isoformat()}",
        child_count=len(sent),
        children=sorted({child.child_key for child in sent if child.child_key}),
        details=result.summary(),
    )
    if dry_run:
        plan = result.plan
        assert plan is not None
        typer.echo(
            f"Would send {len(plan.to_send):,} records to LA {la_code} in {len(result.batches):,} batches of up to "
            f"{batch_size:,}: {plan.count('new'):,} new, {plan.count('changed'):,} changed, "
            f"{plan.count('purge'):,} to purge ({plan.count('unchanged'):,} unchanged, not sent)."
        )
        return
    typer.echo(_said(result))
    for batch in result.batches:
        if batch.status in ("rejected", "failed"):
            typer.echo(
                f"  batch {batch.batch_number} ({len(batch.children):,} children) {batch.status}"
                f"{f' with HTTP {batch.http_status}' if batch.http_status else ''}: {batch.answer[:300] or 'no answer'}"
            )
    if result.status not in ("accepted", "nothing to send"):
        raise typer.Exit(1)


def sends_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of the latest sends.")] = 20,
    data_dir: DataDirOption = None,
) -> None:
    """The sends recorded, newest first: when, by whom, how many, and what the DfE answered."""
    from childhub.cli.options import OutputFormat
    from childhub.cli.output import rows_out
    from childhub.dfe_api import sends

    store = store_for(data_dir)
    with store.reader() as conn:
        rows = sends(conn, limit)
    if not rows:
        typer.echo("Nothing has been sent to the DfE's API from this hub.")
        return
    rows_out(rows, OutputFormat.table, title="Sends to the DfE's children's social care API")


def _said(result) -> str:
    """One line for a send."""
    if result.status == "nothing to send":
        return f"Nothing to send to the DfE for {result.as_at.isoformat()}: no child changed (send {result.send_id})."
    line = (
        f"Send {result.send_id} {result.status}: {len(result.accepted):,} of {result.children_sent:,} records "
        f"accepted ({result.purged:,} purges) in {len(result.batches):,} batches"
    )
    if result.batches_rejected:
        line += f"; {result.batches_rejected:,} rejected (their children go again next time)"
    if result.message:
        line += f"; {result.message}"
    return line + "."


def _say_preview(planned) -> None:
    from childhub.cli.options import OutputFormat
    from childhub.cli.output import rows_out

    summary = planned.summary()
    typer.echo(
        f"Window {summary['window_start']} to {summary['as_at']}: {summary['cohort']:,} children in the DfE's cohort; "
        f"a send now would send {summary['new']:,} new, {summary['changed']:,} changed and purge "
        f"{summary['purge']:,} ({summary['unchanged']:,} unchanged)."
    )
    if planned.failing:
        typer.echo(
            f"{summary['failing_dfe_rules']:,} children have records that fail the DfE's rules (they are sent; "
            "the DfE will report them):"
        )
        rows_out(planned.failing, OutputFormat.table, title="Records failing the DfE's rules")
    if planned.held_twice:
        typer.echo(
            f"{len(planned.held_twice):,} children are held under two or more LA IDs: each is sent once, under the "
            "ID shown; merge the records in the case-management system."
        )
        rows_out(
            [{**row, "case_management_ids": "; ".join(row["case_management_ids"])} for row in planned.held_twice],
            OutputFormat.table,
            title="Children held under two or more LA IDs",
        )
    if planned.unplaced:
        typer.echo(
            f"{len(planned.unplaced):,} children have plans or placements in the window with no referral to hold "
            "them: those items are not sent."
        )


def _write_preview(out: Path, output: PreviewFormat, document: dict) -> None:
    from childhub.exports import jsonable, private_file, write_csv

    if output is PreviewFormat.json:
        import json

        private_file(out).write_text(json.dumps(jsonable(document), indent=2) + "\n", "utf-8")
        return
    failing: dict[str, list[str]] = {}
    for row in document["failing_dfe_rules"]:
        failing.setdefault(row["la_child_id"], []).append(f"{row['return']} {row['rule']}: {row['message']}")
    twice = {
        row["la_child_id"]: "; ".join(row["case_management_ids"]) for row in document["held_under_two_or_more_ids"]
    }
    write_csv(
        out,
        ["la_child_id", "child", "status", "fails the DfE's rules", "held under LA IDs"],
        (
            [
                row["la_child_id"],
                row["child"],
                row["status"],
                " | ".join(failing.get(row["la_child_id"], [])),
                twice.get(row["la_child_id"], ""),
            ]
            for row in document["children"]
        ),
    )


dfe_api_app.command("preview")(preview)
dfe_api_app.command("send")(send_command)
dfe_api_app.command("sends")(sends_command)
