"""Listed data-quality errors, injected on purpose for validation testing.

``childhub synth --dq-errors N`` writes an otherwise clean authority, then plants N
errors of the kinds below (cycling through them, so N >= the number of kinds plants
every kind at least once) and lists each in ``dq_errors.csv``: kind, file, row,
field, the value before and after, and what a validator should say. Rows are
numbered as a spreadsheet shows them (the header is row 1); an XML error names the
child's LAchildID instead.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from childhub.identifiers import UPN_LETTERS, is_valid_upn


@dataclass(frozen=True)
class DqKind:
    name: str
    file: str  # relative to the extracts folder; {year} is the latest complete collection year
    field: str  # a CSV column, or in the CIN census an element of CINdetails
    message: str
    change: Callable[[str, random.Random], str]
    applies: Callable[[str], bool] = bool  # which existing values may be spoilt


def _wrong_check_letter(value: str, rng: random.Random) -> str:
    others = [letter for letter in UPN_LETTERS if letter != value[:1]]
    return rng.choice(others) + value[1:]


def _swap_to_before(value: str, rng: random.Random) -> str:
    return "01/01/1990"


KINDS: tuple[DqKind, ...] = (
    DqKind(
        "903_dec_before_decom",
        "social_care/ssda903/{year}/episodes.csv",
        "DEC",
        "the date an episode ceased is before the date it began",
        _swap_to_before,
    ),
    DqKind(
        "903_unknown_legal_status",
        "social_care/ssda903/{year}/episodes.csv",
        "LS",
        "legal status is not an SSDA903 code",
        lambda v, r: "Z9",
    ),
    DqKind(
        "903_unknown_placement",
        "social_care/ssda903/{year}/episodes.csv",
        "PLACE",
        "placement type is not an SSDA903 code",
        lambda v, r: "Q7",
    ),
    DqKind(
        "903_unparseable_date",
        "social_care/ssda903/{year}/episodes.csv",
        "DECOM",
        "the date an episode began is not a date",
        lambda v, r: "31/02/2024",
    ),
    DqKind(
        "903_upn_check_letter",
        "social_care/ssda903/{year}/header.csv",
        "UPN",
        "the UPN's check letter is wrong",
        _wrong_check_letter,
        is_valid_upn,
    ),
    DqKind(
        "903_missing_dob", "social_care/ssda903/{year}/header.csv", "DOB", "date of birth is missing", lambda v, r: ""
    ),
    DqKind(
        "903_unknown_ethnicity",
        "social_care/ssda903/{year}/header.csv",
        "ETHNIC",
        "ethnicity is not a DfE code",
        lambda v, r: "XXXX",
    ),
    DqKind(
        "contact_unknown_source",
        "social_care/case_management/contacts.csv",
        "source_code",
        "contact source is not a CIN referral-source code",
        lambda v, r: "99",
    ),
    DqKind(
        "person_bad_postcode",
        "social_care/case_management/persons.csv",
        "postcode",
        "postcode is not in UK format",
        lambda v, r: "NOT A POSTCODE",
    ),
    DqKind(
        "person_future_dob",
        "social_care/case_management/persons.csv",
        "date_of_birth",
        "date of birth is in the future",
        lambda v, r: "2099-01-01",
    ),
    DqKind(
        "pupil_upn_check_letter",
        "education/pupils.csv",
        "upn",
        "the UPN's check letter is wrong",
        _wrong_check_letter,
        is_valid_upn,
    ),
    DqKind(
        "attendance_absence_exceeds_possible",
        "education/attendance.csv",
        "sessions_unauthorised_absence",
        "more sessions missed than were possible",
        lambda v, r: "999",
    ),
    DqKind(
        "attendance_not_a_number",
        "education/attendance.csv",
        "sessions_possible",
        "sessions possible is not a whole number",
        lambda v, r: "seventy",
    ),
    DqKind(
        "yj_outcome_before_offence",
        "youth_justice/youth_justice.csv",
        "outcome_date",
        "the outcome is dated before the offence",
        lambda v, r: "1990-01-01",
    ),
    DqKind("sen_unknown_provision", "sen/sen.csv", "provision", "SEN provision is not K or E", lambda v, r: "X"),
    DqKind(
        "cin_closure_before_referral",
        "social_care/cin_census/CIN_Census_{year}.xml",
        "CINclosureDate",
        "the CIN episode closes before its referral date",
        lambda v, r: "2000-01-01",
    ),
    DqKind(
        "cin_unknown_referral_source",
        "social_care/cin_census/CIN_Census_{year}.xml",
        "ReferralSource",
        "referral source is not a CIN census code",
        lambda v, r: "ZZ",
    ),
)


def inject_dq_errors(out: Path, extracts: Path, count: int, year: int, rng: random.Random) -> int:
    """Plant ``count`` errors in the files under ``extracts``; list them in ``out/dq_errors.csv``,
    each file named relative to ``out``.

    ``year`` is the collection year whose SSDA903 and CIN files take the errors.
    """
    planted: list[list[str]] = []
    used: set[tuple[str, int]] = set()
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        path = extracts / kind.file.format(year=year)
        plant = _plant_in_xml if path.suffix == ".xml" else _plant_in_csv
        found = plant(path, kind, rng, used)
        if found:
            where, before, after = found
            relative = path.relative_to(out).as_posix()
            planted.append([kind.name, relative, where, kind.field, before, after, kind.message])
    with (out / "dq_errors.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "file", "row", "field", "value_before", "value_after", "message"])
        writer.writerows(planted)
    return len(planted)


def _plant_in_csv(path: Path, kind: DqKind, rng: random.Random, used: set) -> tuple[str, str, str] | None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index(kind.field)
    candidates = [n for n in range(1, len(rows)) if kind.applies(rows[n][column]) and (path, n) not in used]
    if not candidates:
        return None
    row = rng.choice(candidates)
    used.add((path, row))
    before = rows[row][column]
    rows[row][column] = kind.change(before, rng)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return str(row + 1), before, rows[row][column]


def _plant_in_xml(path: Path, kind: DqKind, rng: random.Random, used: set) -> tuple[str, str, str] | None:
    from lxml import etree

    tree = etree.parse(str(path))
    elements = [e for e in tree.iter(kind.field) if (path, id(e)) not in used and kind.applies(e.text or "")]
    if not elements:
        return None
    element = rng.choice(elements)
    used.add((path, id(element)))
    child_id = element.getparent().getparent().findtext("ChildIdentifiers/LAchildID")
    before = element.text or ""
    element.text = kind.change(before, rng)
    tree.write(str(path), xml_declaration=True, encoding="utf-8", pretty_print=True)
    return f"LAchildID {child_id}", before, element.text
