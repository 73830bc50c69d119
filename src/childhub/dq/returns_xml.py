"""Writing the statutory returns from their tables: the SSDA903 CSV tables and the CIN census XML.

``write_ssda903(tables, folder)`` writes one CSV per SSDA903 table with the return's exact header
(``childhub.dq.tables``), through ``childhub.exports`` to a plain stream: UTF-8 with no byte-order
mark, CRLF, fields quoted only when they must be (the DfE's and the peer tools' readers take it).

``write_cin_census(tables, year, path, lea)`` writes the CIN census of collection ``year`` as the
DfE's XML (children and elements in the order the schema requires; ``GenderCurrent`` until 2024,
``Sex`` from 2025) and checks it against ``cin_schema(year)``, the newest schema childhub ships
(``dq/cin_schemas/``) not after the year: DfE has published none after 2024, so a later census is
checked against the 2024 schema with ``Sex`` read back as ``GenderCurrent``. Every schema problem
comes back as one line; nothing invalid is left behind.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from childhub.dq.tables import CIN, SSDA903
from childhub.errors import ChildhubError

SCHEMA_DIR = Path(__file__).parent / "cin_schemas"
SEX_ELEMENT_FROM = 2025
# Sex (2025 on) as GenderCurrent (to 2024): the DfE's codes for male, female, not known.
_SEX_AS_GENDER_CURRENT = {"M": "1", "F": "2", "U": "0"}
# liiatools types NumberOfPreviousCPP as a positive integer, which rejects the 0 of a child's first plan.
_NUMBER_OF_PREVIOUS_CPP = (
    '<xs:element name="NumberOfPreviousCPP" type="xs:positiveInteger"',
    '<xs:element name="NumberOfPreviousCPP" type="xs:nonNegativeInteger"',
)


class ReturnWriteError(ChildhubError):
    """A return cannot be written (or what was written is not valid against its schema)."""


def write_ssda903(tables: dict[str, list[dict[str, Any]]], folder: Path) -> dict[str, int]:
    """Write each SSDA903 table given into ``folder/<table>.csv``; the rows written, by file name."""
    from childhub.exports import private_file, private_folder, write_csv

    folder = private_folder(Path(folder))
    written = {}
    for table, rows in tables.items():
        columns = SSDA903[table]
        path = folder / f"{table}.csv"
        with open(
            private_file(path), "wb"
        ) as handle:  # a stream: no byte-order mark (the DfE tools read the header as is)
            written[path.name] = write_csv(handle, columns, ([row.get(c) for c in columns] for row in rows))
    return written


def cin_schema_year(year: int) -> int:
    """The year of the schema a census of collection ``year`` is checked against: the newest not after it
    (the oldest for a year before every schema)."""
    years = sorted(int(p.stem.rsplit("_", 1)[1]) for p in SCHEMA_DIR.glob("CIN_schema_*.xsd"))
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else years[0]


@cache
def cin_schema(year: int):
    """The lxml schema a census of collection ``year`` is checked against (see the module's docstring)."""
    from lxml import etree

    text = (SCHEMA_DIR / f"CIN_schema_{cin_schema_year(year)}.xsd").read_bytes().decode("utf-8")
    text = text.replace(*_NUMBER_OF_PREVIOUS_CPP)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def header_row(year: int, lea: str, made: datetime | None = None) -> dict[str, str]:
    """The census header childhub writes for collection ``year`` (the ``cin_header`` table's one row)."""
    reference = date(year, 3, 31)
    made = made or datetime.combine(min(reference, date.today()), datetime.min.time())
    return {
        "Collection": "CIN",
        "Year": str(year),
        "ReferenceDate": reference.isoformat(),
        "SourceLevel": "L",
        "LEA": lea,
        "SoftwareCode": "childhub",
        "Release": "1",
        "SerialNo": "001",
        "DateTime": made.replace(microsecond=0).isoformat(),
    }


def cin_census_xml(tables: dict[str, list[dict[str, Any]]], year: int, lea: str) -> bytes:
    """The census of collection ``year`` as XML bytes, from the CIN tables (``childhub.dq.store``)."""
    from lxml import etree

    header = (tables.get("cin_header") or [header_row(year, lea)])[0]
    message = etree.Element("Message")
    head = etree.SubElement(message, "Header")
    details = etree.SubElement(head, "CollectionDetails")
    for name in ("Collection", "Year", "ReferenceDate"):
        _leaf(details, name, header.get(name))
    source = etree.SubElement(head, "Source")
    for name in ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"):
        _leaf(source, name, header.get(name))
    children = etree.SubElement(message, "Children")

    def grouped(table: str, *keys: str) -> dict[tuple, list[dict[str, Any]]]:
        out: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        for row in tables.get(table, []):
            out[tuple(row.get(k) for k in keys)].append(row)
        return out

    characteristics = grouped("child_characteristics", "LAchildID")
    disabilities = grouped("disabilities", "LAchildID")
    episodes = grouped("cin_details", "LAchildID")
    modules = {
        table: grouped(table, "LAchildID", "CINdetailsID")
        for table in ("assessments", "cin_plan_dates", "section47", "cp_plans")
    }
    factors = grouped("assessment_factors", "LAchildID", "CINdetailsID", "AssessmentID")
    reviews = grouped("cp_reviews", "LAchildID", "CINdetailsID", "CPPID")
    sex_element = "Sex" if year >= SEX_ELEMENT_FROM else "GenderCurrent"
    for identifiers in tables.get("child_identifiers", []):
        child_id = identifiers["LAchildID"]
        child = etree.SubElement(children, "Child")
        ids = etree.SubElement(child, "ChildIdentifiers")
        for name in CIN["child_identifiers"]:
            if name == sex_element:
                _leaf(ids, name, identifiers.get(name), required=True)
            elif name in ("GenderCurrent", "Sex"):
                continue
            else:
                _leaf(ids, name, identifiers.get(name), required=name == "LAchildID")
        traits = etree.SubElement(child, "ChildCharacteristics")
        _leaf(traits, "Ethnicity", (characteristics.get((child_id,)) or [{}])[0].get("Ethnicity"), required=True)
        codes = [row["Disability"] for row in disabilities.get((child_id,), []) if row.get("Disability")]
        if codes:
            block = etree.SubElement(traits, "Disabilities")
            for code in codes:
                _leaf(block, "Disability", code)
        for episode in episodes.get((child_id,), []):
            _cin_details(child, episode, modules, factors, reviews)
    return etree.tostring(message, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _cin_details(child, episode: dict[str, Any], modules, factors, reviews) -> None:
    from lxml import etree

    key = (episode["LAchildID"], episode["CINdetailsID"])
    element = etree.SubElement(child, "CINdetails")
    for name in ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure"):
        _leaf(element, name, episode.get(name), required=name in ("CINreferralDate", "ReferralSource"))
    _leaf(element, "DateOfInitialCPC", episode.get("DateOfInitialCPC"))
    for assessment in modules["assessments"].get(key, []):
        block = etree.SubElement(element, "Assessments")
        for name in ("AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate"):
            _leaf(block, name, assessment.get(name))
        codes = [f["AssessmentFactor"] for f in factors.get((*key, assessment["AssessmentID"]), [])]
        if codes:
            found = etree.SubElement(block, "FactorsIdentifiedAtAssessment")
            for code in codes:
                _leaf(found, "AssessmentFactors", code)
    for plan in modules["cin_plan_dates"].get(key, []):
        block = etree.SubElement(element, "CINPlanDates")
        _leaf(block, "CINPlanStartDate", plan.get("CINPlanStartDate"))
        _leaf(block, "CINPlanEndDate", plan.get("CINPlanEndDate"))
    for enquiry in modules["section47"].get(key, []):
        block = etree.SubElement(element, "Section47")
        for name in ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"):
            _leaf(block, name, enquiry.get(name), required=name in ("S47ActualStartDate", "ICPCnotRequired"))
    _leaf(element, "ReferralNFA", episode.get("ReferralNFA"), required=True)
    for plan in modules["cp_plans"].get(key, []):
        block = etree.SubElement(element, "ChildProtectionPlans")
        for name in ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse"):
            _leaf(block, name, plan.get(name), required=name != "CPPendDate")
        _leaf(block, "NumberOfPreviousCPP", plan.get("NumberOfPreviousCPP"), required=True)
        days = [r["CPPreviewDate"] for r in reviews.get((*key, plan["CPPID"]), [])]
        if days:
            found = etree.SubElement(block, "Reviews")
            for day in days:
                _leaf(found, "CPPreviewDate", day)


def _leaf(parent, name: str, value: Any, required: bool = False) -> None:
    """A child element holding ``value``; none when the value is blank (an empty one when it is required, so
    the schema check names what is missing)."""
    from lxml import etree

    if value is None and not required:
        return
    etree.SubElement(parent, name).text = None if value is None else str(value)


def schema_problems(xml: bytes, year: int) -> list[str]:
    """Every way ``xml`` breaks the schema of collection ``year`` (``cin_schema``), one line each."""
    from lxml import etree

    root = etree.fromstring(xml)
    if year >= SEX_ELEMENT_FROM:  # no schema has Sex yet: read it back as GenderCurrent
        for element in root.iter("Sex"):
            element.tag = "GenderCurrent"
            element.text = _SEX_AS_GENDER_CURRENT.get(element.text or "", element.text)
    schema = cin_schema(year)
    if schema.validate(root):
        return []
    return [f"line {error.line}: {re.sub(r'^Element ', '', error.message)}" for error in schema.error_log]


def write_cin_census(tables: dict[str, list[dict[str, Any]]], year: int, path: Path, lea: str) -> int:
    """Write the census of collection ``year`` to ``path`` once it is valid against its schema; the number of
    children. ReturnWriteError lists the schema's problems (and nothing is written) when it is not."""
    from childhub.exports import private_file

    xml = cin_census_xml(tables, year, lea)
    problems = schema_problems(xml, year)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ReturnWriteError(
            f"the CIN census for {year} is not valid against CIN_schema_{cin_schema_year(year)}.xsd "
            f"({len(problems)} problems): {shown}"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path).write_bytes(xml)
    return len(tables.get("child_identifiers", []))
