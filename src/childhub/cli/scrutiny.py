"""``childhub scrutiny-pack``: the scrutiny pack for a committee, as a PDF or Word file.

The same pack as the web's ``/scrutiny`` (``childhub.leaders.pack``): every indicator under the ILACS judgement
areas, as at the last month end on or before ``--as-at``, always under the small-number threshold. The file is
written only once the whole pack is made (a bad date or suffix writes nothing), readable by the hub's account only,
and the export is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, authority_of, parse_date, settings_for, store_for
from childhub.errors import ChildhubError

SUFFIXES = (".pdf", ".docx")


def scrutiny_pack_command(
    as_at: Annotated[
        str, typer.Option("--as-at", help="The date, YYYY-MM-DD: the pack is as at the month end on or before it.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The file to write: FILE.pdf or FILE.docx.")],
    data_dir: DataDirOption = None,
) -> None:
    """Write the scrutiny pack (indicators by ILACS judgement area, trends, RAG, comparators, warnings in words,
    commentary, questions) as a PDF or Word file, small numbers suppressed."""
    import time

    from childhub.audit import record_command_line
    from childhub.documents import DocumentError, write
    from childhub.indicators import calculator
    from childhub.leaders import CalculatorCounts, build_pack, pack_date, pack_document
    from childhub.store import HubDatabase

    day = parse_date(as_at, "--as-at")
    if out.suffix.lower() not in SUFFIXES:
        raise ChildhubError(f"--out {out}: the file must end .pdf or .docx, not {out.suffix or 'nothing'!r}")
    if not out.parent.is_dir():
        raise ChildhubError(f"--out {out}: there is no folder {out.parent}")
    threshold = settings_for(data_dir).small_number_threshold
    pack_date(day, threshold)  # refuses a date after today before anything is counted
    started = time.perf_counter()
    store = store_for(data_dir)
    with calculator(store, authority_of(store)) as calc:
        pack = build_pack(
            CalculatorCounts(calc),
            as_at=day,
            authority=calc.authority,
            threshold=threshold,
            hub=HubDatabase(store.data_dir),
            cursor=calc.conn,
        )
    try:
        write(pack_document(pack), out)
    except DocumentError as error:
        raise ChildhubError(str(error)) from None
    record_command_line(
        store.data_dir,
        "export_scrutiny_pack",
        subject=str(out),
        details={"as_at": pack.as_at, "format": out.suffix.lower().lstrip(".")},
    )
    tally = pack.summary.tally
    typer.echo(
        f"Wrote the scrutiny pack as at {pack.as_at.isoformat()} to {out} in {time.perf_counter() - started:.1f}s: "
        f"{pack.summary.indicators} indicators ({tally['green']} green, {tally['amber']} amber, {tally['red']} red), "
        f"{len(pack.summary.warnings)} early warning(s)."
    )
