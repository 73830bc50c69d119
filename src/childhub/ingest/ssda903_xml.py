"""The SSDA903 return as XML (``EXPSSDA903``), read through the same mappings as its CSV tables.

The XML nests each child's tables under ``CHILD/HEADER`` (reviews in ``AREVIEW``, missing
episodes in ``AMISSING``, OC2 in ``OC2``, previous permanence in ``PERMANENCE``, adoption
decisions in ``AD_PLACED``, OC3 and AD1 items directly in the header) with ``EPISODE``
elements beside it, and calls the child ``CHILDID`` and the placement ``PL``. Flattening it
into the CSV tables' columns lets one set of declared mappings check and load both forms.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from childhub.calendar import reporting_year_end
from childhub.ingest.guard import parse_xml
from childhub.ingest.mapping import builtin_mappings
from childhub.ingest.tabular import apply_mapping, stage_rows

# table kind -> (its CSV columns, where its rows are in a CHILD element)
TABLES = {
    "ssda903_header": ("CHILD SEX DOB ETHNIC UPN MOTHER MC_DOB", "HEADER"),
    "ssda903_episodes": (
        "CHILD DECOM RNE LS CIN PLACE PLACE_PROVIDER DEC REC REASON_PLACE_CHANGE HOME_POST PL_POST URN",
        "EPISODE",
    ),
    "ssda903_reviews": ("CHILD DOB REVIEW REVIEW_CODE", "HEADER/AREVIEW"),
    "ssda903_missing": ("CHILD DOB MISSING MIS_START MIS_END", "HEADER/AMISSING"),
    "ssda903_oc2": (
        "CHILD DOB SDQ_SCORE SDQ_REASON CONVICTED HEALTH_CHECK IMMUNISATIONS TEETH_CHECK "
        "HEALTH_ASSESSMENT SUBSTANCE_MISUSE INTERVENTION_RECEIVED INTERVENTION_OFFERED",
        "HEADER/OC2",
    ),
    "ssda903_previous_permanence": ("CHILD DOB PREV_PERM LA_PERM DATE_PERM", "HEADER/PERMANENCE"),
    "ssda903_placed_for_adoption": (
        "CHILD DOB DATE_PLACED DATE_PLACED_CEASED REASON_PLACED_CEASED",
        "HEADER/AD_PLACED",
    ),
    "ssda903_uasc": ("CHILD SEX DOB DUC", "HEADER[DUC]"),
    "ssda903_oc3": ("CHILD DOB IN_TOUCH ACTIV ACCOM", "HEADER[IN_TOUCH]"),
    "ssda903_ad1": ("CHILD DOB DATE_INT DATE_MATCH FOSTER_CARE NB_ADOPTR SEX_ADOPTR LS_ADOPTR", "HEADER[DATE_INT]"),
}
RENAMED = {"CHILD": "CHILDID", "PLACE": "PL"}


def flatten(path: Path) -> dict[str, tuple[list[str], list[tuple[str, list[str | None]]]]]:
    """Each table's columns and rows ((row reference, values)) from an EXPSSDA903 file."""
    root = parse_xml(path).getroot()
    tables = {kind: (columns.split(), []) for kind, (columns, _where) in TABLES.items()}
    for child in root.iterfind("CHILD"):
        header = child.find("HEADER")
        common = {
            "CHILD": _text(header, "CHILDID"),
            "DOB": _text(header, "DOB"),
            "SEX": _text(header, "SEX"),
        }
        for kind, (_columns, where) in TABLES.items():
            names, rows = tables[kind]
            for element in _elements(child, header, where):
                values = []
                for name in names:
                    value = _text(element, RENAMED.get(name, name))
                    values.append(common.get(name) if value is None else value)
                rows.append((f"CHILD {common['CHILD']}, line {element.sourceline}", values))
    return tables


def _elements(child, header, where: str):
    if where == "EPISODE":  # episodes stand beside the header, so a missing header does not hide them
        return child.findall("EPISODE")
    if header is None:
        return []
    if where == "HEADER":
        return [header]
    if where.startswith("HEADER["):
        needed = where[len("HEADER[") : -1]
        return [header] if _text(header, needed) is not None else []
    return header.findall(where.split("/", 1)[1])


def _text(element, tag: str) -> str | None:
    if element is None:
        return None
    found = element.find(tag)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def load_ssda903_xml(conn, path: Path, batch_id: int, label: str) -> tuple[int, int, int, int]:
    tables = flatten(path)
    mappings = {m.kind: m for m in builtin_mappings()}
    dates = [
        datetime.strptime(value, "%d/%m/%Y").date()
        for _ref, values in tables["ssda903_episodes"][1]
        for value in (values[1], values[7])
        if value and _is_date(value)
    ]
    year_end = reporting_year_end(max(dates)) if dates else None
    if year_end:
        conn.execute(
            "UPDATE ingest_batch SET extract_date = ?, scope = ? WHERE batch_id = ?",
            [year_end, f"ssda903_xml:{year_end.year}", batch_id],
        )
    constants = {"collection_year_end": (year_end or datetime.now().date()).isoformat()}
    read = loaded = rejected = problems = 0
    for kind, (columns, rows) in tables.items():
        if not rows:
            continue
        staged = stage_rows(conn, columns, rows, f"_stage_{batch_id}_{kind}")
        outcome = apply_mapping(conn, mappings[kind], staged, batch_id=batch_id, file_label=label, constants=constants)
        conn.execute(f'DROP TABLE "_stage_{batch_id}_{kind}"')
        read += len(rows)
        loaded += sum(outcome.rows_loaded.values())
        rejected += outcome.rows_rejected
        problems += outcome.problems
    return read, loaded, rejected, problems


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%d/%m/%Y")
    except ValueError:
        return False
    return True
