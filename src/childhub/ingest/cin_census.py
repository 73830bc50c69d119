"""Reading the DfE children in need census (CIN census) XML, collection years 2017 to 2026.

``read_cin_census(path)`` turns one census file into canonical rows (``docs/data-model.md``)
and problems; it never writes anything. What a user of the rows needs to know:

Collection year and extract date
    The census is "as at" its ``Header/CollectionDetails/ReferenceDate``, the last day of the
    period it covers (the DfE validators read it so). The collection year is the last 31 March
    on or before that date: 2024-03-31 is 2024, 2022-07-21 is 2022. ``Year`` is used only when
    the ReferenceDate is missing or unreadable (the census is then as at 31 March of that
    Year); when the two disagree a warning says so and the ReferenceDate wins. The extract
    date is the reference date. ``Source/DateTime`` does not change it: a file made before its
    reference date is reported (it cannot hold what happened after it was made). A file with
    neither a usable ReferenceDate nor Year is refused with ``IngestError``, as is one that is
    not well-formed XML or whose root is not ``Message``: a snapshot needs its scope.

Code lists by year
    Codes are checked against the list of the file's collection year: referral source 5D and
    closure reason RC9 from 2023; assessment factors 18A/19A until 2020, 18B/18C/19B/19C from
    2021, 24A from 2022; GenderCurrent 1/2/0/9 until 2024 and Sex M/F/U from 2025. A code
    outside the year's list is an error for its row. Either element name (``Sex`` or
    ``GenderCurrent``) is read in any year; the value must belong to the year. GenderCurrent
    codes become ``pers_sex`` M/F/U/U (1 male, 2 female, 0 not recorded, 9 indeterminate) and
    the raw code is kept in ``pers_gender``; a Sex code goes to ``pers_sex`` alone.

Errors and warnings
    An error means the row is not loaded: an unreadable date (one not written YYYY-MM-DD, or
    outside 1900-2099), a code outside the year's list, a UPN of the wrong shape, a yes/no
    that is neither, or a repeat of a record already read with different values. A row whose
    own key cannot be made (no LAchildID; no readable CINreferralDate, assessment, plan,
    enquiry or conference start date) is not loaded and nor is anything keyed under it: one
    problem says how many records that takes with it. Otherwise an error rejects its own row
    only: a rejected episode does not take its assessments with it, nor a rejected person
    their episodes. Warnings leave the row loaded: a missing item the census requires, a
    date after the reference date, an end before its start, a module before the year that
    introduced it, a UPN whose check letter is wrong, an unexpected element. Warnings that
    would repeat for every child (an element name from another year) are given once, with a
    count. ``rows_read`` counts every record the file holds, loaded or not.

Keys
    Each row's ``source_record_key`` is made of facts that do not change from one year's
    census to the next, joined by ``|``: ``LAchildID`` for a person, then the referral date,
    the module and its start date (``C1|2024-05-01|cp_plan|2024-06-10``). The rows' own
    identifiers are the same parts joined by ``:`` (``cine_referral_id`` ``C1:2024-05-01``),
    so rows of one referral link to each other within and across years.

Not mapped (kept in each row's ``raw`` values): AssessmentInternalReviewDate, ICPCnotRequired,
NumberOfPreviousCPP (no canonical column fits; ``cppl_cp_plan_ola`` means a plan of another
authority), and from PreProceedingsandFGDM: FGDMMeetingOffer, FGDMMeetingFac and
CourtAppDate. ``prep_plo_family_id`` (required) has no census source: it is the
pre-proceedings row's own ID, so no two children are grouped by it. An initial conference's
``icpc_cp_plan_id`` (required) is the plan of the same referral starting on the conference
date, or ``""`` when there is none.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from childhub.codes import code_set
from childhub.errors import IngestError
from childhub.identifiers import is_valid_upn
from childhub.ingest.guard import parse_xml
from childhub.ingest.model import CanonicalRow, Problem, ReadResult, Severity

KIND = "cin_census"
SOURCE_SYSTEM = "social_care"
FIRST_YEAR, LAST_YEAR = 2017, 2026
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2099, 12, 31)


# ------------------------------------------------------------------ code lists, by year
# Each census item's codes are a set of the code registry (childhub.codes), which says the
# collection years each code is valid in; CIN_CENSUS limits a set to the codes this return uses.
CIN_CENSUS = "cin_census"
ETHNICITY = "ethnicity"
DISABILITY = "disability"
UPN_UNKNOWN = "upn_unknown"
SEX = "cin_sex"  # GenderCurrent 1/2/0/9 until 2024, Sex M/F/U from 2025
REFERRAL_SOURCE = "referral_source"
PRIMARY_NEED = "primary_need"
REASON_FOR_CLOSURE = "reason_for_closure"
CATEGORY_OF_ABUSE = "category_of_abuse"
ASSESSMENT_FACTORS = "cin_assessment_factors"
PRE_PROCEEDINGS_OUTCOME = "cin_pre_proceedings_outcome"
# GenderCurrent (1 male, 2 female, 0 not recorded or unborn, 9 indeterminate) as pers_sex.
GENDER_CURRENT_AS_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}
SEX_ELEMENT_FROM = 2025


def check_code(set_id: str, code: str, year: int, item: str) -> str | None:
    """None when ``code`` is one of the census's ``item`` codes in collection ``year``; else why not."""
    return code_set(set_id).check(code, year, item, within=CIN_CENSUS)


# Modules the census added: the first collection year that has each.
MODULE_FROM = {"CINPlanDates": 2022, "PreProceedingsandFGDM": 2026}

# The canonical columns this reader fills, table by table (every row carries all of them).
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": (
        "pers_person_id", "pers_sex", "pers_gender", "pers_ethnicity", "pers_dob", "pers_upn_unknown",
        "pers_expected_dob", "pers_death_date", "pers_upn", "pers_former_upn",
    ),
    "disability": ("disa_person_id", "disa_table_id", "disa_disability_code"),
    "cin_episodes": (
        "cine_referral_id", "cine_person_id", "cine_referral_date", "cine_cin_primary_need_code",
        "cine_referral_source_code", "cine_referral_nfa", "cine_close_reason", "cine_close_date",
    ),
    "cin_assessments": (
        "cina_assessment_id", "cina_person_id", "cina_referral_id", "cina_assessment_start_date",
        "cina_assessment_auth_date",
    ),
    "assessment_factors": ("cinf_table_id", "cinf_assessment_id", "cinf_assessment_factors_json"),
    "cin_plans": (
        "cinp_cin_plan_id", "cinp_referral_id", "cinp_person_id", "cinp_cin_plan_start_date", "cinp_cin_plan_end_date",
    ),
    "s47_enquiry": ("s47e_s47_enquiry_id", "s47e_referral_id", "s47e_person_id", "s47e_s47_start_date"),
    "initial_cp_conference": (
        "icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_person_id", "icpc_cp_plan_id", "icpc_referral_id",
        "icpc_icpc_target_date", "icpc_icpc_date", "icpc_icpc_outcome_cp_flag",
    ),
    "cp_plans": (
        "cppl_cp_plan_id", "cppl_referral_id", "cppl_icpc_id", "cppl_person_id", "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date", "cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category",
    ),
    "cp_reviews": ("cppr_cp_review_id", "cppr_person_id", "cppr_cp_plan_id", "cppr_cp_review_date"),
    "pre_proceedings": (
        "prep_table_id", "prep_person_id", "prep_plo_family_id", "prep_pre_pro_decision_date",
        "prep_initial_pre_pro_meeting_date", "prep_pre_pro_outcome", "prep_agree_stepdown_issue_date",
        "prep_pre_pro_letter_date", "prep_care_pro_letter_date", "prep_pre_pro_meetings_num",
    ),
}  # fmt: skip

# The elements each part of the file may hold; anything else is reported once and ignored.
EXPECTED_ELEMENTS: dict[str, frozenset[str]] = {
    name: frozenset(items.split())
    for name, items in {
        "Message": "Header Children",
        "Header": "CollectionDetails Source",
        "CollectionDetails": "Collection Year ReferenceDate",
        "Source": "SourceLevel LEA SoftwareCode Release SerialNo DateTime",
        "Children": "Child",
        "Child": "ChildIdentifiers ChildCharacteristics CINdetails",
        "ChildIdentifiers": "LAchildID UPN FormerUPN UPNunknown PersonBirthDate ExpectedPersonBirthDate "
        "GenderCurrent Sex PersonDeathDate",
        "ChildCharacteristics": "Ethnicity Disabilities",
        "Disabilities": "Disability",
        "CINdetails": "CINreferralDate ReferralSource PrimaryNeedCode CINclosureDate ReasonForClosure "
        "DateOfInitialCPC Assessments CINPlanDates Section47 ReferralNFA ChildProtectionPlans PreProceedingsandFGDM",
        "Assessments": "AssessmentActualStartDate AssessmentInternalReviewDate AssessmentAuthorisationDate "
        "FactorsIdentifiedAtAssessment",
        "FactorsIdentifiedAtAssessment": "AssessmentFactors",
        "CINPlanDates": "CINPlanStartDate CINPlanEndDate",
        "Section47": "S47ActualStartDate InitialCPCtarget DateOfInitialCPC ICPCnotRequired",
        "ChildProtectionPlans": "CPPstartDate CPPendDate InitialCategoryOfAbuse LatestCategoryOfAbuse "
        "NumberOfPreviousCPP Reviews",
        "Reviews": "CPPreviewDate",
        "PreProceedingsandFGDM": "PPStartDate LBPSentDate FGDMMeetingOffer FGDMMeetingFac InitialPPMeetingDate "
        "ReviewMeetingsCount StepDecisionDate PPOutcome CourtAppDate LetterInitCPDate",
    }.items()
}


# ------------------------------------------------------------------ the public function
def read_cin_census(path: Path, file_label: str | None = None) -> ReadResult:
    """Canonical rows and problems from one CIN census XML file of any year 2017 to 2026.

    ``file_label`` names the file in problems (default: the file's name). Raises
    ``IngestError`` only for a file that cannot be read as a census at all; everything wrong
    inside it becomes a ``Problem``.
    """
    path = Path(path)
    tree = parse_xml(path)
    return _CensusReader(file_label or path.name).read(tree.getroot())


# ------------------------------------------------------------------ reading values
class _DateText(NamedTuple):
    value: date | None
    problem: str | None  # with a value: a warning; without: why it is unreadable


# ASCII digits only: Python's \d would take other scripts' digits, which xs:date does not.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_DMY_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_UPN_SHAPE = re.compile(r"[A-Za-z][0-9]{12}|[A-Za-z][0-9]{11}[A-Za-z]")
_YES, _NO = frozenset({"true", "1"}), frozenset({"false", "0"})


def parse_census_date(text: str | None) -> _DateText:
    """A census date (xs:date, YYYY-MM-DD) read strictly; day/month/year is read with a warning."""
    if text is None:
        return _DateText(None, None)
    note = None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        note = "written day/month/year, not YYYY-MM-DD as the census requires; read as day/month/year"
    else:
        return _DateText(None, "not a date: the census writes dates as YYYY-MM-DD")
    try:
        value = date(year, month, day)
    except ValueError:
        return _DateText(None, "not a date that exists")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return _DateText(None, f"not a plausible date (before {EARLIEST_DATE.year} or after {LATEST_DATE.year})")
    return _DateText(value, note)


def _local(element) -> str | None:
    """An element's name without any namespace; None for comments and processing instructions."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else None


def _elements(parent) -> list:
    return [child for child in parent if _local(child) is not None]


def _named(parent, name: str) -> list:
    return [child for child in parent if _local(child) == name]


def _text(element) -> str | None:
    text = "".join(element.itertext()).strip()
    return text or None


def _line(element) -> str:
    return str(element.sourceline) if element.sourceline is not None else "?"


def _place(child_id: str | None, element) -> str:
    return f"LAchildID {child_id if child_id is not None else '(none)'}, line {_line(element)}"


def _ids(*parts: str) -> tuple[str, str]:
    """A row's own ID (parts joined by ``:``) and its source record key (joined by ``|``)."""
    return ":".join(parts), "|".join(parts)


def _and_under_it(dependents: int) -> str:
    if not dependents:
        return ""
    return "; nor is the record under it" if dependents == 1 else f"; nor are the {dependents} records under it"


def _count_records(cin_details) -> int:
    """How many canonical rows one CINdetails holds (itself included), readable or not."""
    count, conferences = 1, set()
    for module in _elements(cin_details):
        name = _local(module)
        if name == "Assessments":
            count += 1 + any(
                _named(factors, "AssessmentFactors") for factors in _named(module, "FactorsIdentifiedAtAssessment")
            )
        elif name in ("CINPlanDates", "PreProceedingsandFGDM"):
            count += 1
        elif name == "Section47":
            count += 1
            conferences.update(_text(e) for e in _named(module, "DateOfInitialCPC"))
        elif name == "ChildProtectionPlans":
            count += 1 + sum(len(_named(reviews, "CPPreviewDate")) for reviews in _named(module, "Reviews"))
        elif name == "DateOfInitialCPC":
            conferences.add(_text(module))
    return count + len(conferences - {None})


# ------------------------------------------------------------------ one record
class _Record:
    """One canonical row in the making: its values, the source text it came from, its fate."""

    def __init__(self, reader: _CensusReader, table: str, element, child_id: str | None) -> None:
        self.reader = reader
        self.table = table
        self.row = _place(child_id, element)
        self.values: dict[str, Any] = dict.fromkeys(CANONICAL_COLUMNS[table])
        self.raw: dict[str, str] = {}
        self.leaves: dict[str, list] = {}
        self.key = ""
        self.failed = False
        self._repeats_told: set[str] = set()

    def take(self, element, *, check: bool = True) -> None:
        """Collect ``element``'s leaf children as this record's source values."""
        if check:
            self.reader.expect(element)
        for child in _elements(element):
            name = _local(child)
            if _elements(child):
                continue  # a module or group, read on its own
            found = self.leaves.setdefault(name, [])
            found.append(child)
            self.raw[name if len(found) == 1 else f"{name}#{len(found)}"] = _text(child) or ""

    def take_one(self, element) -> None:
        """Collect ``element`` itself as this record's one source value."""
        self.leaves[_local(element)] = [element]
        self.raw[_local(element)] = _text(element) or ""

    def text(self, name: str) -> str | None:
        found = self.leaves.get(name)
        if not found:
            return None
        if len(found) > 1 and name not in self._repeats_told:
            self._repeats_told.add(name)
            self.warn(name, _text(found[1]), f"{name} appears {len(found)} times; the first is read")
        return _text(found[0])

    def error(self, column: str | None, value: str | None, message: str) -> None:
        self.failed = True
        self.reader.problem(self.row, column, value, message, "error")

    def warn(self, column: str | None, value: str | None, message: str) -> None:
        self.reader.problem(self.row, column, value, message, "warning")

    def date(self, name: str, column: str | None = None, *, fact: bool = True) -> date | None:
        """Read date item ``name`` into ``column``; a fact (not a target) after the census date is warned."""
        raw = self.text(name)
        parsed = parse_census_date(raw)
        if parsed.value is None:
            if parsed.problem:
                self.error(name, raw, parsed.problem)
            return None
        if parsed.problem:
            self.warn(name, raw, parsed.problem)
        if fact and parsed.value > self.reader.reference_date:
            self.warn(name, raw, f"after the census reference date {self.reader.reference_date.isoformat()}")
        if column:
            self.values[column] = parsed.value
        return parsed.value

    def key_date(self, name: str, what: str, dependents: int = 0) -> date | None:
        """The date this record is keyed by; without one the record and ``dependents`` are not loaded."""
        raw = self.text(name)
        parsed = parse_census_date(raw)
        if parsed.value is None:
            self.error(name, raw, f"{parsed.problem or 'missing'}: {what} is not loaded{_and_under_it(dependents)}")
            self.reader.rows_read += dependents
            return None
        if parsed.problem:
            self.warn(name, raw, parsed.problem)
        if parsed.value > self.reader.reference_date:
            self.warn(name, raw, f"after the census reference date {self.reader.reference_date.isoformat()}")
        return parsed.value

    def code(self, name: str, set_id: str, column: str, *, required: bool = False) -> str | None:
        raw = self.text(name)
        if raw is None:
            if required:
                self.warn(name, None, f"missing: the census requires {name}")
            return None
        problem = check_code(set_id, raw, self.reader.code_year, name)
        if problem:
            self.error(name, raw, problem)
            return None
        self.values[column] = raw
        return raw

    def yes_no(self, name: str, column: str | None, *, required: bool = False) -> str | None:
        raw = self.text(name)
        if raw is None:
            if required:
                self.warn(name, None, f"missing: the census requires {name}")
            return None
        if raw.lower() not in _YES | _NO:
            self.error(name, raw, "not a yes/no value (true, false, 1 or 0)")
            return None
        flag = "Y" if raw.lower() in _YES else "N"
        if column:
            self.values[column] = flag
        return flag

    def upn(self, name: str, column: str) -> None:
        raw = self.text(name)
        if raw is None:
            return
        if not _UPN_SHAPE.fullmatch(raw):
            self.error(name, raw, "not a UPN: a letter, then 12 digits or 11 digits and a letter")
            return
        if not is_valid_upn(raw):
            self.warn(name, raw, "the UPN's check letter does not match the rest of it")
        self.values[column] = raw.upper()

    def in_order(self, earlier_name: str, earlier: date | None, later_name: str, later: date | None) -> None:
        if earlier and later and later < earlier:
            self.warn(later_name, self.text(later_name), f"before {earlier_name} {earlier.isoformat()}")


# ------------------------------------------------------------------ the reader
class _CensusReader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.rows: list[CanonicalRow] = []
        self.rows_read = 0
        self.year = 0
        self.code_year = 0  # the year whose code lists apply (the collection year, within 2017-2026)
        self.reference_date = date.max
        self._loaded: dict[tuple[str, str], CanonicalRow] = {}
        self._first_child_at: dict[str, str] = {}
        self._notes: dict[tuple[str | None, str], list] = {}  # (column, message) -> [count, first row]

    # -- problems
    def problem(self, row: str | None, column: str | None, value: str | None, message: str, severity: Severity):
        self.problems.append(Problem(self.file, row, column, value, message, severity))

    def note(self, row: str, column: str | None, message: str) -> None:
        """A warning that may recur for every child: reported once, with a count."""
        seen = self._notes.setdefault((column, message), [0, row])
        seen[0] += 1

    def expect(self, element) -> None:
        expected = EXPECTED_ELEMENTS.get(_local(element), frozenset())
        for child in _elements(element):
            if _local(child) not in expected:
                self.note(
                    f"line {_line(child)}",
                    _local(child),
                    f"unexpected element <{_local(child)}> in <{_local(element)}>: not read (leaf values are kept raw)",
                )

    # -- the file
    def read(self, root) -> ReadResult:
        if _local(root) != "Message":
            raise IngestError(
                f"{self.file}: not a CIN census file (its root element is <{_local(root)}>, not <Message>)"
            )
        self.expect(root)
        self._read_header(root)
        children = [child for group in _named(root, "Children") for child in _elements(group)]
        for group in _named(root, "Children"):
            self.expect(group)
        for child in children:
            if _local(child) == "Child":
                self._read_child(child)
        if not any(_local(child) == "Child" for child in children):
            self.problem(None, "Children", None, "the file holds no Child: there is nothing to load", "error")
        for (column, message), (count, row) in self._notes.items():
            times = f" ({count} times; the first is shown)" if count > 1 else ""
            self.problem(row, column, None, message + times, "warning")
        return ReadResult(
            kind=KIND,
            source_system=SOURCE_SYSTEM,
            mode="snapshot",
            scope=f"{KIND}:{self.year}",
            extract_date=self.reference_date,
            rows=self.rows,
            problems=self.problems,
            rows_read=self.rows_read,
        )

    def _read_header(self, root) -> None:
        header = next(iter(_named(root, "Header")), None)
        details = next(iter(_named(header, "CollectionDetails")), None) if header is not None else None
        items: dict[str, str | None] = {}
        if header is not None:
            self.expect(header)
        if details is not None:
            self.expect(details)
            items = {_local(element): _text(element) for element in reversed(_elements(details))}  # first wins
            if items.get("Collection") != "CIN":
                self.problem(None, "Collection", items.get("Collection"), "the collection is not CIN", "warning")
        reference_text, year_text = items.get("ReferenceDate"), items.get("Year")
        reference = parse_census_date(reference_text).value
        stated_year = int(year_text) if year_text and re.fullmatch(r"(19|20)[0-9]{2}", year_text) else None
        if reference is not None:
            year = reference.year if (reference.month, reference.day) >= (3, 31) else reference.year - 1
            if (reference.month, reference.day) != (3, 31):
                self.problem(
                    None, "ReferenceDate", reference_text,
                    f"not 31 March: read as the census of the year ending 31 March {year}, as at this date",
                    "warning",
                )  # fmt: skip
            if stated_year is not None and stated_year != year:
                self.problem(
                    None, "Year", year_text,
                    f"does not match the ReferenceDate {reference_text} (collection year {year}); "
                    "the ReferenceDate is used",
                    "warning",
                )  # fmt: skip
        elif stated_year is not None:
            year, reference = stated_year, date(stated_year, 3, 31)
            self.problem(
                None, "ReferenceDate", reference_text,
                f"missing or unreadable: the census is read as at 31 March {year}, from its Year",
                "warning",
            )  # fmt: skip
        else:
            raise IngestError(
                f"{self.file}: no collection year: Header/CollectionDetails has neither a readable ReferenceDate "
                "nor a Year"
            )
        self.year, self.reference_date = year, reference
        self.code_year = min(max(year, FIRST_YEAR), LAST_YEAR)
        if self.code_year != year:
            self.problem(
                None, "ReferenceDate", reference_text,
                f"collection year {year} is outside {FIRST_YEAR}-{LAST_YEAR}: "
                f"codes are checked against {self.code_year}'s",
                "warning",
            )  # fmt: skip
        for source in _named(header, "Source") if header is not None else []:
            self.expect(source)
            made = next((_text(e) for e in _named(source, "DateTime")), None)
            made_on = parse_census_date(made[:10] if made else None).value
            if made_on is not None and made_on < reference:
                self.problem(
                    None, "DateTime", made,
                    f"the file was made before its reference date {reference.isoformat()}: it cannot hold what "
                    "happened after it was made",
                    "warning",
                )  # fmt: skip

    def _finish(self, record: _Record) -> None:
        """Count ``record``, and load it unless it failed or repeats a record already loaded."""
        self.rows_read += 1
        if record.failed:
            return
        earlier = self._loaded.get((record.table, record.key))
        if earlier is not None:
            if earlier.values == record.values:
                record.warn(None, record.key, f"repeats the {record.table} record at {earlier.row}: read once")
            else:
                record.error(
                    None, record.key, f"has the key of the {record.table} record at {earlier.row} but other values"
                )
            return
        row = CanonicalRow(record.table, record.values, record.key, record.row, record.raw)
        self._loaded[(record.table, record.key)] = row
        self.rows.append(row)

    def _modules(self, parent, name: str) -> list:
        found = _named(parent, name)
        first = MODULE_FROM.get(name)
        if found and first and self.year < first:
            for module in found:
                self.note(
                    f"line {_line(module)}", name,
                    f"<{name}> is part of the census only from {first}, not {self.year}: read anyway",
                )  # fmt: skip
        return found

    # -- a child
    def _read_child(self, child) -> None:
        self.expect(child)
        identifiers = _named(child, "ChildIdentifiers")
        characteristics = _named(child, "ChildCharacteristics")
        person = _Record(self, "person", child, None)
        for group in identifiers + characteristics:
            person.take(group)
        for extra in (identifiers[1:], characteristics[1:]):
            if extra:
                person.warn(
                    _local(extra[0]),
                    None,
                    f"<{_local(extra[0])}> appears more than once; the first of each item is read",
                )
        child_id = person.text("LAchildID")
        disabilities = [
            d for group in characteristics for ds in _named(group, "Disabilities") for d in _named(ds, "Disability")
        ]
        if child_id is None:
            records = 1 + sum(_text(d) != "NONE" for d in disabilities)
            records += sum(_count_records(details) for details in _named(child, "CINdetails"))
            person.error("LAchildID", None, f"missing: none of this child's {records} records is loaded")
            self.rows_read += records
            return
        person.row = _place(child_id, child)
        if len(child_id) > 20:
            person.warn("LAchildID", child_id, "longer than the 20 characters the census allows")
        if child_id in self._first_child_at:
            person.warn(
                "LAchildID", child_id,
                f"a Child with this LAchildID was read at {self._first_child_at[child_id]}: "
                "their records are read together",
            )  # fmt: skip
        self._first_child_at.setdefault(child_id, person.row)
        self._read_person(person, child_id)
        for group in characteristics:
            for ds in _named(group, "Disabilities"):
                self.expect(ds)
        self._read_disabilities(child_id, disabilities)
        for details in _named(child, "CINdetails"):
            self._read_episode(child_id, details)
        if not _named(child, "CINdetails"):
            person.warn("CINdetails", None, "this child has no CINdetails")

    def _read_person(self, person: _Record, child_id: str) -> None:
        person.key = child_id
        person.values["pers_person_id"] = child_id
        person.upn("UPN", "pers_upn")
        person.upn("FormerUPN", "pers_former_upn")
        person.code("UPNunknown", UPN_UNKNOWN, "pers_upn_unknown")
        born = person.date("PersonBirthDate", "pers_dob")
        person.date("ExpectedPersonBirthDate", "pers_expected_dob", fact=False)
        died = person.date("PersonDeathDate", "pers_death_date")
        person.in_order("PersonBirthDate", born, "PersonDeathDate", died)
        person.code("Ethnicity", ETHNICITY, "pers_ethnicity", required=True)
        self._read_sex(person)
        self._finish(person)

    def _read_sex(self, person: _Record) -> None:
        present = [name for name in ("Sex", "GenderCurrent") if person.leaves.get(name)]
        expected = "Sex" if self.year >= SEX_ELEMENT_FROM else "GenderCurrent"
        if not present:
            person.warn(expected, None, f"missing: the census requires {expected}")
            return
        name = expected if expected in present else present[0]
        if len(present) > 1:
            person.warn(name, None, f"both <Sex> and <GenderCurrent> are given; <{name}> is read")
        if name != expected:
            until_or_from = "until 2024" if expected == "GenderCurrent" else "from 2025"
            self.note(
                person.row, name, f"<{name}> read in place of <{expected}>, which the census uses {until_or_from}"
            )
        raw = person.text(name)
        if raw is None:
            person.warn(name, None, f"missing: the census requires {expected}")
            return
        problem = check_code(SEX, raw, self.code_year, name)
        if problem:
            person.error(name, raw, problem)
        elif raw in GENDER_CURRENT_AS_SEX:
            person.values["pers_sex"], person.values["pers_gender"] = GENDER_CURRENT_AS_SEX[raw], raw
        else:
            person.values["pers_sex"] = raw

    def _read_disabilities(self, child_id: str, disabilities: list) -> None:
        codes = [_text(element) for element in disabilities]
        if "NONE" in codes and any(code != "NONE" for code in codes):
            place = _place(child_id, disabilities[codes.index("NONE")])
            self.problem(place, "Disability", "NONE", "NONE is given beside other disabilities", "warning")
        for element, code in zip(disabilities, codes, strict=True):
            if code == "NONE":
                continue
            record = _Record(self, "disability", element, child_id)
            record.raw["Disability"] = code or ""
            if code is None:
                record.error("Disability", None, "empty: no disability code")
            elif problem := check_code(DISABILITY, code, self.code_year, "Disability"):
                record.error("Disability", code, problem)
            else:
                record.values["disa_disability_code"] = code
            record.values["disa_person_id"] = child_id
            record.values["disa_table_id"], record.key = _ids(child_id, "disability", code or "")
            self._finish(record)

    # -- a referral and what follows it
    def _read_episode(self, child_id: str, details) -> None:
        episode = _Record(self, "cin_episodes", details, child_id)
        episode.take(details)
        referred = episode.key_date("CINreferralDate", "this referral", dependents=_count_records(details) - 1)
        if referred is None:
            self._finish(episode)
            return
        referral_id, episode.key = _ids(child_id, referred.isoformat())
        episode.values.update(cine_referral_id=referral_id, cine_person_id=child_id, cine_referral_date=referred)
        episode.code("ReferralSource", REFERRAL_SOURCE, "cine_referral_source_code", required=True)
        episode.code("PrimaryNeedCode", PRIMARY_NEED, "cine_cin_primary_need_code")
        closed = episode.date("CINclosureDate", "cine_close_date")
        episode.in_order("CINreferralDate", referred, "CINclosureDate", closed)
        reason = episode.code("ReasonForClosure", REASON_FOR_CLOSURE, "cine_close_reason")
        if episode.text("CINclosureDate") and not episode.text("ReasonForClosure"):
            episode.warn("ReasonForClosure", None, "missing: the episode is closed but no reason is given")
        if reason and not episode.text("CINclosureDate"):
            episode.warn("CINclosureDate", None, "missing: a reason for closure is given but no closure date")
        episode.yes_no("ReferralNFA", "cine_referral_nfa", required=True)
        self._finish(episode)

        parts = (child_id, referred.isoformat())
        for module in _named(details, "Assessments"):
            self._read_assessment(child_id, parts, referred, module)
        for module in self._modules(details, "CINPlanDates"):
            self._read_cin_plan(child_id, parts, referred, module)
        conferences: dict[date, _Record] = {}
        for module in _named(details, "Section47"):
            self._read_section47(child_id, parts, referred, module, conferences)
        for held in episode.leaves.get("DateOfInitialCPC", [])[:1]:
            self._read_conference(child_id, parts, held, conferences)
        plans = [
            self._read_cp_plan(child_id, parts, referred, module) for module in _named(details, "ChildProtectionPlans")
        ]
        plan_starting: dict[date, str] = {}
        for plan, started, _ in plans:
            if started is not None:
                plan_starting.setdefault(started, plan.values["cppl_cp_plan_id"])
        for held, conference in conferences.items():
            plan_id = plan_starting.get(held)
            conference.values["icpc_cp_plan_id"] = plan_id or ""
            conference.values["icpc_icpc_outcome_cp_flag"] = "Y" if plan_id else None
            self._finish(conference)
        for plan, started, reviews in plans:
            if started is not None and started in conferences:
                plan.values["cppl_icpc_id"] = conferences[started].values["icpc_icpc_id"]
            self._finish(plan)
            for review in reviews:
                self._finish(review)
        for module in self._modules(details, "PreProceedingsandFGDM"):
            self._read_pre_proceedings(child_id, parts, module)

    def _read_assessment(self, child_id: str, parts: tuple[str, ...], referred: date, module) -> None:
        assessment = _Record(self, "cin_assessments", module, child_id)
        assessment.take(module)
        factor_groups = _named(module, "FactorsIdentifiedAtAssessment")
        factor_elements = [f for group in factor_groups for f in _named(group, "AssessmentFactors")]
        for group in factor_groups:
            self.expect(group)
        started = assessment.key_date(
            "AssessmentActualStartDate", "this assessment", dependents=int(bool(factor_elements))
        )
        if started is None:
            self._finish(assessment)
            return
        assessment_id, assessment.key = _ids(*parts, "assessment", started.isoformat())
        assessment.values.update(
            cina_assessment_id=assessment_id,
            cina_person_id=child_id,
            cina_referral_id=":".join(parts),
            cina_assessment_start_date=started,
        )
        assessment.in_order("CINreferralDate", referred, "AssessmentActualStartDate", started)
        authorised = assessment.date("AssessmentAuthorisationDate", "cina_assessment_auth_date")
        assessment.in_order("AssessmentActualStartDate", started, "AssessmentAuthorisationDate", authorised)
        self._finish(assessment)
        if factor_groups and not factor_elements:
            assessment.warn("FactorsIdentifiedAtAssessment", None, "empty: no factors are given")
        if not factor_elements:
            return
        factors = _Record(self, "assessment_factors", factor_groups[0], child_id)
        codes = [_text(element) for element in factor_elements]
        factors.raw["AssessmentFactors"] = json.dumps([code or "" for code in codes])
        for code in codes:
            problem = (
                "empty: no factor code"
                if code is None
                else check_code(ASSESSMENT_FACTORS, code, self.code_year, "AssessmentFactors")
            )
            if problem:
                factors.error("AssessmentFactors", code, problem)
        if len(set(codes)) < len(codes):
            factors.warn("AssessmentFactors", None, "a factor is given more than once; it is read once")
        factors.values["cinf_table_id"], factors.key = _ids(*parts, "assessment", started.isoformat(), "factors")
        factors.values["cinf_assessment_id"] = assessment_id
        factors.values["cinf_assessment_factors_json"] = json.dumps(list(dict.fromkeys(c for c in codes if c)))
        self._finish(factors)

    def _read_cin_plan(self, child_id: str, parts: tuple[str, ...], referred: date, module) -> None:
        plan = _Record(self, "cin_plans", module, child_id)
        plan.take(module)
        started = plan.key_date("CINPlanStartDate", "this CIN plan")
        if started is not None:
            plan.values["cinp_cin_plan_id"], plan.key = _ids(*parts, "cin_plan", started.isoformat())
            plan.values.update(
                cinp_referral_id=":".join(parts), cinp_person_id=child_id, cinp_cin_plan_start_date=started
            )
            plan.in_order("CINreferralDate", referred, "CINPlanStartDate", started)
            ended = plan.date("CINPlanEndDate", "cinp_cin_plan_end_date")
            plan.in_order("CINPlanStartDate", started, "CINPlanEndDate", ended)
        self._finish(plan)

    def _read_section47(self, child_id, parts, referred: date, module, conferences: dict[date, _Record]) -> None:
        enquiry = _Record(self, "s47_enquiry", module, child_id)
        enquiry.take(module)
        started = enquiry.key_date("S47ActualStartDate", "this section 47 enquiry")
        enquiry_id = None
        if started is not None:
            enquiry_id, enquiry.key = _ids(*parts, "s47", started.isoformat())
            enquiry.values.update(
                s47e_s47_enquiry_id=enquiry_id, s47e_referral_id=":".join(parts), s47e_person_id=child_id,
                s47e_s47_start_date=started,
            )  # fmt: skip
            enquiry.in_order("CINreferralDate", referred, "S47ActualStartDate", started)
        held = enquiry.leaves.get("DateOfInitialCPC", [])
        if not held:
            target = enquiry.text("InitialCPCtarget")
            if target is not None and parse_census_date(target).value is None:
                enquiry.warn("InitialCPCtarget", target, "not a date; no conference is recorded, so it is not loaded")
        self._finish(enquiry)
        if held:
            self._read_conference(child_id, parts, held[0], conferences, section47=module, s47_id=enquiry_id)

    def _read_conference(self, child_id, parts, held, conferences: dict[date, _Record], section47=None, s47_id=None):
        """An initial child protection conference: from a Section47 module, or CINdetails' own DateOfInitialCPC."""
        conference = _Record(self, "initial_cp_conference", held if section47 is None else section47, child_id)
        if section47 is None:
            conference.take_one(held)
        else:
            conference.take(section47, check=False)
        held_on = conference.key_date("DateOfInitialCPC", "this initial child protection conference")
        if held_on is None:
            self._finish(conference)
            return
        if held_on in conferences:
            return  # the same conference, given both in Section47 and in CINdetails
        conference.values["icpc_icpc_id"], conference.key = _ids(*parts, "icpc", held_on.isoformat())
        conference.values.update(
            icpc_s47_enquiry_id=s47_id, icpc_person_id=child_id, icpc_referral_id=":".join(parts),
            icpc_icpc_date=held_on,
        )  # fmt: skip
        conference.date("InitialCPCtarget", "icpc_icpc_target_date", fact=False)
        conferences[held_on] = conference  # loaded once its plan is known

    def _read_cp_plan(self, child_id, parts, referred: date, module) -> tuple[_Record, date | None, list[_Record]]:
        plan = _Record(self, "cp_plans", module, child_id)
        plan.take(module)
        review_dates = [r for group in _named(module, "Reviews") for r in _named(group, "CPPreviewDate")]
        for group in _named(module, "Reviews"):
            self.expect(group)
        started = plan.key_date("CPPstartDate", "this child protection plan", dependents=len(review_dates))
        if started is None:
            return plan, None, []
        plan_id, plan.key = _ids(*parts, "cp_plan", started.isoformat())
        plan.values.update(
            cppl_cp_plan_id=plan_id, cppl_referral_id=":".join(parts), cppl_person_id=child_id,
            cppl_cp_plan_start_date=started,
        )  # fmt: skip
        plan.in_order("CINreferralDate", referred, "CPPstartDate", started)
        ended = plan.date("CPPendDate", "cppl_cp_plan_end_date")
        plan.in_order("CPPstartDate", started, "CPPendDate", ended)
        plan.code("InitialCategoryOfAbuse", CATEGORY_OF_ABUSE, "cppl_cp_plan_initial_category", required=True)
        plan.code("LatestCategoryOfAbuse", CATEGORY_OF_ABUSE, "cppl_cp_plan_latest_category", required=True)
        reviews = []
        for element in review_dates:
            review = _Record(self, "cp_reviews", element, child_id)
            review.take_one(element)
            reviewed = review.key_date("CPPreviewDate", "this review")
            if reviewed is not None:
                review.values["cppr_cp_review_id"], review.key = _ids(
                    *parts, "cp_plan", started.isoformat(), "review", reviewed.isoformat()
                )
                review.values.update(cppr_person_id=child_id, cppr_cp_plan_id=plan_id, cppr_cp_review_date=reviewed)
                review.in_order("CPPstartDate", started, "CPPreviewDate", reviewed)
            reviews.append(review)
        return plan, started, reviews

    def _read_pre_proceedings(self, child_id: str, parts: tuple[str, ...], module) -> None:
        period = _Record(self, "pre_proceedings", module, child_id)
        period.take(module)
        started = period.key_date("PPStartDate", "this period of pre-proceedings")
        if started is not None:
            period_id, period.key = _ids(*parts, "pre_proceedings", started.isoformat())
            period.values.update(
                prep_table_id=period_id, prep_person_id=child_id, prep_plo_family_id=period_id,
                prep_pre_pro_decision_date=started,
            )  # fmt: skip
            letter = period.date("LBPSentDate", "prep_pre_pro_letter_date")
            period.in_order("PPStartDate", started, "LBPSentDate", letter)
            period.date("InitialPPMeetingDate", "prep_initial_pre_pro_meeting_date")
            period.date("StepDecisionDate", "prep_agree_stepdown_issue_date")
            period.date("LetterInitCPDate", "prep_care_pro_letter_date")
            period.code("PPOutcome", PRE_PROCEEDINGS_OUTCOME, "prep_pre_pro_outcome")
            meetings = period.text("ReviewMeetingsCount")
            if meetings is not None:
                if re.fullmatch(r"[0-9]{1,6}", meetings):
                    period.values["prep_pre_pro_meetings_num"] = int(meetings)
                else:
                    period.error("ReviewMeetingsCount", meetings, "not a whole number of meetings")
        self._finish(period)
