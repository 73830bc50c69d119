"""The NHS number as the consistent child identifier: ``childhub nhs-readiness`` (how ready it is to share, per
source system and service) and ``childhub nhs-trace`` (the request for the NHS's batch trace, for the records
without a valid number or with one in conflict; the response loads back with ``childhub ingest``). The trace
request names children, so it is written to the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, store_for
from childhub.cli.output import rows_out

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")]


def nhs_readiness_command(output: FormatOption = OutputFormat.table, data_dir: DataDirOption = None) -> None:
    """How ready the NHS number is to be the identifier services share: per source system and per service, the
    records holding a valid one, the children with one, none or two, the numbers held for two or more children;
    and the share of children known to two or more services the NHS number alone would match."""
    from childhub.dq import nhs_readiness

    store = store_for(data_dir)
    with store.reader() as conn:
        readiness = nhs_readiness(conn)
    if output is OutputFormat.json:
        from childhub.cli.output import json_out

        json_out(readiness.as_dict())
        return
    rows_out(readiness.rows, output, title="NHS number readiness")
    overall = readiness.overall()
    share = readiness.matchable_percent
    typer.echo(
        f"{overall['could be matched on NHS number alone']:,} of the "
        f"{overall['children known to two or more services']:,} children known to two or more services could "
        f"be matched on NHS number alone" + (f" ({share}%)" if share is not None else ""),
        err=output is not OutputFormat.table,  # beside a CSV on standard output, not in it
    )


def nhs_trace_command(
    out: Annotated[Path, typer.Option("--out", help="Write the trace request to this CSV file.")],
    system: Annotated[
        str | None, typer.Option("--system", help="Only this source system's records (e.g. social_care).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write a request for the NHS's batch trace (PDS MESH) for every record without a valid NHS number, or with
    one in conflict; send it to the NHS, then load the response with ``childhub ingest``."""
    from childhub.audit import record_command_line
    from childhub.dq import trace_request
    from childhub.exports import write_csv
    from childhub.ingest import NHS_TRACE

    store = store_for(data_dir)
    with store.reader() as conn:
        records, left_out = trace_request(conn, system)
    children = sorted({record.child_key for record in records})
    record_command_line(
        store.data_dir,
        "export_nhs_trace",
        subject=system or "every system",
        child_count=len(children),
        children=children,
        details={"system": system, "records": len(records), "out": str(out)},
    )
    write_csv(out, NHS_TRACE.request_columns, (record.row for record in records))
    reasons: dict[str, int] = {}
    for record in records:
        reasons[record.reason] = reasons.get(record.reason, 0) + 1
    said = "; ".join(f"{count:,} {reason}" for reason, count in sorted(reasons.items()))
    wrote = f"Wrote {len(records):,} records of {len(children):,} children to {out}"
    typer.echo(wrote + (f" ({said})" if said else ""))
    if left_out:
        typer.echo(f"{left_out:,} more records hold no date of birth, so were left out (the trace needs one)")
