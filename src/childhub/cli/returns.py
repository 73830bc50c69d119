"""``childhub returns``: the statutory returns of a collection year written from the store.

The SSDA903 tables go to ``OUT/ssda903/<table>.csv`` and the CIN census to
``OUT/cin/CIN_Census_<year>.xml`` (checked against its year's schema first), from the tables
``childhub.dq.store`` derives from the canonical model, whichever systems the data came from.
The files name children, so writing them is recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, store_for
from childhub.errors import ChildhubError


class ReturnsError(ChildhubError):
    """The returns cannot be written as asked."""


def returns(
    year: Annotated[int, typer.Option("--year", help="Collection year: the year of the 31 March it ends on.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write ssda903/*.csv and cin/CIN_Census_YYYY.xml into.")],
    la: Annotated[
        str | None, typer.Option("--la", help="The authority's ONS code (E09000001), for the checks that need it.")
    ] = None,
    lea: Annotated[
        str, typer.Option("--lea", help="The authority's three-digit LA number for the CIN census header.")
    ] = "000",
    data_dir: DataDirOption = None,
) -> None:
    """Write the SSDA903 tables and the CIN census of a collection year from the store."""
    import re

    from childhub.audit import record_command_line
    from childhub.dq import cin_schema_year, return_tables, write_cin_census, write_ssda903, years_held

    if not 1900 < year < 10000:
        raise ReturnsError(f"--year {year} is not a collection year (for 2025-26 give 2026)")
    if not re.fullmatch(r"\d{3}", lea):
        raise ReturnsError(f"--lea {lea!r} should be the three-digit LA number (for example 201)")
    if out.exists() and not out.is_dir():
        raise ReturnsError(f"--out {out} is a file, not a folder")
    store = store_for(data_dir)
    with store.reader() as conn:
        held = {kind: years_held(conn, kind) for kind in ("ssda903", "cin")}
        if year not in held["ssda903"] and year not in held["cin"]:
            shown = sorted(set(held["ssda903"]) | set(held["cin"]))
            raise ReturnsError(
                f"the store holds nothing for the year ending 31 March {year}"
                + (f" (it holds {', '.join(map(str, shown))})" if shown else " (it holds no SSDA903 or CIN data yet)")
            )
        ssda903 = return_tables(conn, "ssda903", year) if year in held["ssda903"] else None
        cin = return_tables(conn, "cin", year) if year in held["cin"] else None
    children = {row["CHILD"] for row in (ssda903 or {}).get("header", [])}
    children |= {row["LAchildID"] for row in (cin or {}).get("child_identifiers", [])}
    record_command_line(  # before anything is written: files naming children are never left unaudited
        store.data_dir,
        "export_returns",
        subject=str(year),
        child_count=len(children),
        children=sorted(children),
        details={"year": year, "out": str(out), "la": la},
    )
    if ssda903 is not None:
        written = write_ssda903(ssda903, out / "ssda903")
        typer.echo(
            f"SSDA903 {year}: {len(ssda903['header']):,} children, "
            + ", ".join(f"{name} {count:,}" for name, count in written.items())
            + f" rows in {out / 'ssda903'}"
        )
    else:
        typer.echo(f"SSDA903 {year}: the store holds no SSDA903 data for the year; nothing written")
    if cin is not None:
        path = out / "cin" / f"CIN_Census_{year}.xml"
        count = write_cin_census(cin, year, path, lea)
        schema = f"CIN_schema_{cin_schema_year(year)}.xsd"
        typer.echo(f"CIN census {year}: {count:,} children in {path} (valid against {schema})")
    else:
        typer.echo(f"CIN census {year}: the store holds no CIN census data for the year; nothing written")
