"""What leaders write and read at the command line: the commentary on an indicator (``childhub commentary write``,
``childhub commentary show``) and the self-evaluation (``childhub self-evaluation export``).

A commentary written here is kept as the web's are (a new version; the earlier ones stay), written by the
operating-system account running the command, and recorded in the audit log (``write_commentary``, channel cli).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import AsAtOption, DataDirOption, OutputFormat, date_or_today, store_for
from childhub.cli.output import rows_out

commentary_app = typer.Typer(help="The service's commentary on an indicator, per month, with its history.")
self_evaluation_app = typer.Typer(help="The self-evaluation on Ofsted's three questions, with its evidence.")


def _hub(data_dir: Path | None):
    from childhub.store import HubDatabase

    return HubDatabase(store_for(data_dir).data_dir)


@commentary_app.command("write")
def commentary_write(
    indicator_id: Annotated[str, typer.Argument(help="The indicator's id (childhub indicators lists them).")],
    period: Annotated[str, typer.Option("--period", help="The month the commentary is on, YYYY-MM.")],
    text: Annotated[str, typer.Option("--text", help="The commentary (at most 2,000 characters).")],
    data_dir: DataDirOption = None,
) -> None:
    """Write a new version of the commentary on INDICATOR for a month (the earlier versions stay)."""
    from childhub.audit import command_line_user, record_command_line
    from childhub.leaders import current_comment, write_comment

    hub = _hub(data_dir)
    before = current_comment(hub, indicator_id, period.strip())
    written = write_comment(hub, indicator_id, period, text, command_line_user())
    if before is not None and before.version == written.version:
        typer.echo(f"The commentary on {written.indicator_id} for {written.period} already reads so: nothing kept.")
        return
    record_command_line(
        hub.path.parent,
        "write_commentary",
        subject=written.indicator_id,
        details={"period": written.period, "version": written.version},
    )
    typer.echo(f"Kept version {written.version} of the commentary on {written.indicator_id} for {written.period}.")


@commentary_app.command("show")
def commentary_show(
    indicator_id: Annotated[str, typer.Argument(help="The indicator's id.")],
    period: Annotated[str | None, typer.Option("--period", help="Only this month, YYYY-MM.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Every version of the commentary on INDICATOR (one month's, or every month's), newest first."""
    from childhub.indicators import indicator
    from childhub.leaders import check_period, comment_history

    ind = indicator(indicator_id)
    versions = comment_history(_hub(data_dir), ind.id, None if period is None else check_period(period))
    if not versions:
        typer.echo(f"No commentary has been written on {ind.id}{'' if period is None else f' for {period}'}.", err=True)
        return
    rows = [
        {
            "period": c.period,
            "version": c.version,
            "written by": c.written_by,
            "written at (UTC)": c.written_at,
            "text": c.text,
        }
        for c in versions
    ]
    rows_out(rows, output, title=f"Commentary on {ind.name} ({ind.id})")


@self_evaluation_app.command("export")
def self_evaluation_export(
    out: Annotated[Path, typer.Option("--out", help="The file to write: .pdf or .docx.")],
    as_at: AsAtOption = "",
    data_dir: DataDirOption = None,
) -> None:
    """Write the self-evaluation (the answers, and the evidence as at the date) as PDF or Word, OFFICIAL-SENSITIVE."""
    from childhub.audit import record_command_line
    from childhub.cli.options import authority_of
    from childhub.documents import DocumentError, write
    from childhub.errors import ChildhubError
    from childhub.leaders import gather_evidence, narrative, self_evaluation_document

    if out.suffix.lower() not in (".pdf", ".docx"):
        raise ChildhubError(f"--out must end .pdf or .docx, not {out.suffix or 'nothing'!r}: {out}")
    day = date_or_today(as_at)
    store = store_for(data_dir)
    authority = authority_of(store)
    hub = _hub(data_dir)
    with store.reader() as conn:
        evidence = gather_evidence(conn, hub, authority, day)
    doc = self_evaluation_document(evidence, narrative(hub), authority.name)
    try:
        write(doc, out)
    except DocumentError as error:
        raise ChildhubError(str(error)) from None
    record_command_line(store.data_dir, "export_self_evaluation", subject=out.name, details={"as_at": day.isoformat()})
    typer.echo(f"Wrote the self-evaluation as at {day.isoformat()} to {out}.")
