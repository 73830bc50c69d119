"""Reading a CIN census XML into the CIN return's tables (``childhub.dq.tables.CIN``).

The XML is opened through ``childhub.ingest.guard`` (no DTDs or entities, size limits). Each
``<Child>`` gives one row of ``child_identifiers`` and ``child_characteristics``, a row of
``disabilities`` per disability, and per ``<CINdetails>`` (numbered 1, 2, ... within the child as
``CINdetailsID``) its rows of ``cin_details``, ``assessments`` (``AssessmentID`` numbered within the
episode; ``AssessmentFactors`` the factors joined by commas, each also a row of
``assessment_factors``), ``cin_plan_dates``, ``section47``, ``cp_plans`` (``CPPID`` numbered within
the episode) and ``cp_reviews``. Every row's line is the line of its element in the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from childhub.dq.engine import ReturnRun
from childhub.dq.tables import CIN


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _values(element, columns: tuple[str, ...], **ids: object) -> dict[str, object]:
    row: dict[str, object] = dict(ids)
    for child in element:
        name = _local(child.tag)
        if name in columns and name not in ids and len(child) == 0:
            row[name] = child.text
    return row


def _year_of(header: dict[str, object], given: int | None) -> int | None:
    if given:
        return given
    try:
        reference = date.fromisoformat(str(header.get("ReferenceDate") or "").strip())
    except ValueError:
        reference = None
    if reference and (reference.month, reference.day) == (3, 31):
        return reference.year
    year = str(header.get("Year") or "").strip()
    if year.isdigit():
        return int(year)
    if reference:
        return reference.year + 1 if reference.month > 3 else reference.year
    return None


def read_cin_xml(path: Path, year: int | None = None, la_code: str | None = None) -> ReturnRun:
    """One CIN census return from its XML (the year from ``year``, else the header's reference date)."""
    from childhub.dq.files import ValidateError
    from childhub.errors import IngestError
    from childhub.ingest import parse_xml

    path = Path(path)
    try:
        root = parse_xml(path).getroot()
    except IngestError as error:
        raise ValidateError(str(error)) from None
    if _local(root.tag) != "Message":
        raise ValidateError(f"{path.name}: not a CIN census (its root element is {_local(root.tag)!r}, not Message)")
    rows: dict[str, list[tuple[int, dict]]] = {table: [] for table in CIN}
    header_row: dict[str, object] = {}
    for header in _children(root, "Header"):
        for block in header:
            header_row.update(_values(block, CIN["cin_header"]))
        rows["cin_header"].append((header.sourceline, header_row))
    for children in _children(root, "Children"):
        for child in _children(children, "Child"):
            _read_child(child, rows)
    found = _year_of(header_row, year)
    if found is None:
        raise ValidateError(f"{path.name}: no Year or ReferenceDate in the header; give --year")
    run = ReturnRun.new("cin", found, la_code)
    for table, table_rows in rows.items():
        run.add_rows(table, [r for _, r in table_rows], path.name, [n for n, _ in table_rows])
    return run


def _read_child(child, rows: dict[str, list[tuple[int, dict]]]) -> None:
    identifiers = (_children(child, "ChildIdentifiers") or [None])[0]
    ids = _values(identifiers, CIN["child_identifiers"]) if identifiers is not None else {}
    la_child = ids.get("LAchildID")
    rows["child_identifiers"].append(((identifiers if identifiers is not None else child).sourceline, ids))
    for characteristics in _children(child, "ChildCharacteristics"):
        rows["child_characteristics"].append(
            (characteristics.sourceline, _values(characteristics, CIN["child_characteristics"], LAchildID=la_child))
        )
        for disabilities in _children(characteristics, "Disabilities"):
            for disability in _children(disabilities, "Disability"):
                rows["disabilities"].append(
                    (disability.sourceline, {"LAchildID": la_child, "Disability": disability.text})
                )
    for number, details in enumerate(_children(child, "CINdetails"), start=1):
        keys = {"LAchildID": la_child, "CINdetailsID": str(number)}
        rows["cin_details"].append((details.sourceline, _values(details, CIN["cin_details"], **keys)))
        for index, assessment in enumerate(_children(details, "Assessments"), start=1):
            row = _values(assessment, CIN["assessments"], **keys, AssessmentID=str(index))
            factors = [
                factor.text
                for block in _children(assessment, "FactorsIdentifiedAtAssessment")
                for factor in block
                if _local(factor.tag) == "AssessmentFactors"
            ]
            row["AssessmentFactors"] = ",".join(f.strip() for f in factors if f and f.strip()) or None
            rows["assessments"].append((assessment.sourceline, row))
            for block in _children(assessment, "FactorsIdentifiedAtAssessment"):
                for factor in _children(block, "AssessmentFactors"):
                    rows["assessment_factors"].append(
                        (factor.sourceline, {**keys, "AssessmentID": str(index), "AssessmentFactor": factor.text})
                    )
        for plan in _children(details, "CINPlanDates"):
            rows["cin_plan_dates"].append((plan.sourceline, _values(plan, CIN["cin_plan_dates"], **keys)))
        for section47 in _children(details, "Section47"):
            rows["section47"].append((section47.sourceline, _values(section47, CIN["section47"], **keys)))
        for index, plan in enumerate(_children(details, "ChildProtectionPlans"), start=1):
            plan_keys = {**keys, "CPPID": str(index)}
            rows["cp_plans"].append((plan.sourceline, _values(plan, CIN["cp_plans"], **plan_keys)))
            for reviews in _children(plan, "Reviews"):
                for review in _children(reviews, "CPPreviewDate"):
                    rows["cp_reviews"].append((review.sourceline, {**plan_keys, "CPPreviewDate": review.text}))
