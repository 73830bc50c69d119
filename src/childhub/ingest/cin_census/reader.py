"""The CIN census reader: one file's header, then each child and what follows each referral.

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

Warnings about the file's shape
    A module before the year that introduced it and an unexpected element are warnings.
    Warnings that would repeat for every child (an element name from another year) are given
    once, with a count. ``rows_read`` counts every record the file holds, loaded or not.

``NumberOfPreviousCPP`` goes to ``cppl_previous_cp_plans`` (childhub's own column: the SSD has
none); a value that is not a whole number is left unknown with a warning, as a bad code is.

Not mapped (kept in each row's ``raw`` values): AssessmentInternalReviewDate, ICPCnotRequired,
and from PreProceedingsandFGDM: FGDMMeetingOffer, FGDMMeetingFac and CourtAppDate.
``prep_plo_family_id`` (required) has no census source: it is the pre-proceedings row's own
ID, so no two children are grouped by it. An initial conference's
``icpc_cp_plan_id`` (required) is the plan of the same referral starting on the conference
date, or ``""`` when there is none.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from childhub.errors import IngestError
from childhub.ingest.cin_census.record import Record
from childhub.ingest.cin_census.values import (
    ASSESSMENT_FACTORS,
    CATEGORY_OF_ABUSE,
    DISABILITY,
    ETHNICITY,
    GENDER_CURRENT_AS_SEX,
    PRE_PROCEEDINGS_OUTCOME,
    PRIMARY_NEED,
    REASON_FOR_CLOSURE,
    REFERRAL_SOURCE,
    SEX,
    SEX_ELEMENT_FROM,
    UPN_UNKNOWN,
    check_code,
    elements,
    line_of,
    local_name,
    named,
    parse_census_date,
    place_of,
    row_ids,
    text_of,
)
from childhub.ingest.guard import parse_xml
from childhub.ingest.model import CanonicalRow, Problem, ReadResult, Severity

KIND = "cin_census"
SOURCE_SYSTEM = "social_care"
FIRST_YEAR, LAST_YEAR = 2017, 2026

# Modules the census added: the first collection year that has each.
MODULE_FROM = {"CINPlanDates": 2022, "PreProceedingsandFGDM": 2026}

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
    return CensusReader(file_label or path.name).read(tree.getroot())


def _count_records(cin_details) -> int:
    """How many canonical rows one CINdetails holds (itself included), readable or not."""
    count, conferences = 1, set()
    for module in elements(cin_details):
        name = local_name(module)
        if name == "Assessments":
            count += 1 + any(
                named(factors, "AssessmentFactors") for factors in named(module, "FactorsIdentifiedAtAssessment")
            )
        elif name in ("CINPlanDates", "PreProceedingsandFGDM"):
            count += 1
        elif name == "Section47":
            count += 1
            conferences.update(text_of(e) for e in named(module, "DateOfInitialCPC"))
        elif name == "ChildProtectionPlans":
            count += 1 + sum(len(named(reviews, "CPPreviewDate")) for reviews in named(module, "Reviews"))
        elif name == "DateOfInitialCPC":
            conferences.add(text_of(module))
    return count + len(conferences - {None})


class CensusReader:
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
        expected = EXPECTED_ELEMENTS.get(local_name(element), frozenset())
        for child in elements(element):
            name = local_name(child)
            if name not in expected:
                self.note(
                    f"line {line_of(child)}",
                    name,
                    f"unexpected element <{name}> in <{local_name(element)}>: not read (leaf values are kept raw)",
                )

    # -- the file
    def read(self, root) -> ReadResult:
        if local_name(root) != "Message":
            raise IngestError(
                f"{self.file}: not a CIN census file (its root element is <{local_name(root)}>, not <Message>)"
            )
        self.expect(root)
        self._read_header(root)
        children = [child for group in named(root, "Children") for child in elements(group)]
        for group in named(root, "Children"):
            self.expect(group)
        for child in children:
            if local_name(child) == "Child":
                self._read_child(child)
        if not any(local_name(child) == "Child" for child in children):
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
        header = next(iter(named(root, "Header")), None)
        details = next(iter(named(header, "CollectionDetails")), None) if header is not None else None
        items: dict[str, str | None] = {}
        if header is not None:
            self.expect(header)
        if details is not None:
            self.expect(details)
            items = {local_name(element): text_of(element) for element in reversed(elements(details))}  # first wins
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
        for source in named(header, "Source") if header is not None else []:
            self.expect(source)
            made = next((text_of(e) for e in named(source, "DateTime")), None)
            made_on = parse_census_date(made[:10] if made else None).value
            if made_on is not None and made_on < reference:
                self.problem(
                    None, "DateTime", made,
                    f"the file was made before its reference date {reference.isoformat()}: it cannot hold what "
                    "happened after it was made",
                    "warning",
                )  # fmt: skip

    def _finish(self, record: Record) -> None:
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
        found = named(parent, name)
        first = MODULE_FROM.get(name)
        if found and first and self.year < first:
            for module in found:
                self.note(
                    f"line {line_of(module)}", name,
                    f"<{name}> is part of the census only from {first}, not {self.year}: read anyway",
                )  # fmt: skip
        return found

    # -- a child
    def _read_child(self, child) -> None:
        self.expect(child)
        identifiers = named(child, "ChildIdentifiers")
        characteristics = named(child, "ChildCharacteristics")
        person = Record(self, "person", child, None)
        for group in identifiers + characteristics:
            person.take(group)
        for extra in (identifiers[1:], characteristics[1:]):
            if extra:
                person.warn(
                    local_name(extra[0]),
                    None,
                    f"<{local_name(extra[0])}> appears more than once; the first of each item is read",
                )
        child_id = person.text("LAchildID")
        disabilities = [
            d for group in characteristics for ds in named(group, "Disabilities") for d in named(ds, "Disability")
        ]
        if child_id is None:
            records = 1 + sum(text_of(d) != "NONE" for d in disabilities)
            records += sum(_count_records(details) for details in named(child, "CINdetails"))
            person.error("LAchildID", None, f"missing: none of this child's {records} records is loaded")
            self.rows_read += records
            return
        person.row = place_of(child_id, child)
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
            for ds in named(group, "Disabilities"):
                self.expect(ds)
        self._read_disabilities(child_id, disabilities)
        for details in named(child, "CINdetails"):
            self._read_episode(child_id, details)
        if not named(child, "CINdetails"):
            person.warn("CINdetails", None, "this child has no CINdetails")

    def _read_person(self, person: Record, child_id: str) -> None:
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

    def _read_sex(self, person: Record) -> None:
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
            person.unknown_code(name, raw, problem)
        elif raw in GENDER_CURRENT_AS_SEX:
            person.values["pers_sex"], person.values["pers_gender"] = GENDER_CURRENT_AS_SEX[raw], raw
        else:
            person.values["pers_sex"] = raw

    def _read_disabilities(self, child_id: str, disabilities: list) -> None:
        codes = [text_of(element) for element in disabilities]
        if "NONE" in codes and any(code != "NONE" for code in codes):
            place = place_of(child_id, disabilities[codes.index("NONE")])
            self.problem(place, "Disability", "NONE", "NONE is given beside other disabilities", "warning")
        for element, code in zip(disabilities, codes, strict=True):
            if code == "NONE":
                continue
            record = Record(self, "disability", element, child_id)
            record.raw["Disability"] = code or ""
            if code is None:
                record.error("Disability", None, "empty: no disability code")
            elif problem := check_code(DISABILITY, code, self.code_year, "Disability"):
                record.error("Disability", code, problem)
            else:
                record.values["disa_disability_code"] = code
            record.values["disa_person_id"] = child_id
            record.values["disa_table_id"], record.key = row_ids(child_id, "disability", code or "")
            self._finish(record)

    # -- a referral and what follows it
    def _read_episode(self, child_id: str, details) -> None:
        episode = Record(self, "cin_episodes", details, child_id)
        episode.take(details)
        referred = episode.key_date("CINreferralDate", "this referral", dependents=_count_records(details) - 1)
        if referred is None:
            self._finish(episode)
            return
        referral_id, episode.key = row_ids(child_id, referred.isoformat())
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
        for module in named(details, "Assessments"):
            self._read_assessment(child_id, parts, referred, module)
        for module in self._modules(details, "CINPlanDates"):
            self._read_cin_plan(child_id, parts, referred, module)
        conferences: dict[date, Record] = {}
        for module in named(details, "Section47"):
            self._read_section47(child_id, parts, referred, module, conferences)
        for held in episode.leaves.get("DateOfInitialCPC", [])[:1]:
            self._read_conference(child_id, parts, held, conferences)
        plans = [
            self._read_cp_plan(child_id, parts, referred, module) for module in named(details, "ChildProtectionPlans")
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
        assessment = Record(self, "cin_assessments", module, child_id)
        assessment.take(module)
        factor_groups = named(module, "FactorsIdentifiedAtAssessment")
        factor_elements = [f for group in factor_groups for f in named(group, "AssessmentFactors")]
        for group in factor_groups:
            self.expect(group)
        started = assessment.key_date(
            "AssessmentActualStartDate", "this assessment", dependents=int(bool(factor_elements))
        )
        if started is None:
            self._finish(assessment)
            return
        assessment_id, assessment.key = row_ids(*parts, "assessment", started.isoformat())
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
        factors = Record(self, "assessment_factors", factor_groups[0], child_id)
        codes = [text_of(element) for element in factor_elements]
        factors.raw["AssessmentFactors"] = json.dumps([code or "" for code in codes])
        known = []
        for code in codes:
            if code is None:
                factors.error("AssessmentFactors", code, "empty: no factor code")
            elif problem := check_code(ASSESSMENT_FACTORS, code, self.code_year, "AssessmentFactors"):
                factors.unknown_code("AssessmentFactors", code, problem)
            else:
                known.append(code)
        if len(set(codes)) < len(codes):
            factors.warn("AssessmentFactors", None, "a factor is given more than once; it is read once")
        factors.values["cinf_table_id"], factors.key = row_ids(*parts, "assessment", started.isoformat(), "factors")
        factors.values["cinf_assessment_id"] = assessment_id
        factors.values["cinf_assessment_factors_json"] = json.dumps(list(dict.fromkeys(known)))
        self._finish(factors)

    def _read_cin_plan(self, child_id: str, parts: tuple[str, ...], referred: date, module) -> None:
        plan = Record(self, "cin_plans", module, child_id)
        plan.take(module)
        started = plan.key_date("CINPlanStartDate", "this CIN plan")
        if started is not None:
            plan.values["cinp_cin_plan_id"], plan.key = row_ids(*parts, "cin_plan", started.isoformat())
            plan.values.update(
                cinp_referral_id=":".join(parts), cinp_person_id=child_id, cinp_cin_plan_start_date=started
            )
            plan.in_order("CINreferralDate", referred, "CINPlanStartDate", started)
            ended = plan.date("CINPlanEndDate", "cinp_cin_plan_end_date")
            plan.in_order("CINPlanStartDate", started, "CINPlanEndDate", ended)
        self._finish(plan)

    def _read_section47(self, child_id, parts, referred: date, module, conferences: dict[date, Record]) -> None:
        enquiry = Record(self, "s47_enquiry", module, child_id)
        enquiry.take(module)
        started = enquiry.key_date("S47ActualStartDate", "this section 47 enquiry")
        enquiry_id = None
        if started is not None:
            enquiry_id, enquiry.key = row_ids(*parts, "s47", started.isoformat())
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

    def _read_conference(self, child_id, parts, held, conferences: dict[date, Record], section47=None, s47_id=None):
        """An initial child protection conference: from a Section47 module, or CINdetails' own DateOfInitialCPC."""
        conference = Record(self, "initial_cp_conference", held if section47 is None else section47, child_id)
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
        conference.values["icpc_icpc_id"], conference.key = row_ids(*parts, "icpc", held_on.isoformat())
        conference.values.update(
            icpc_s47_enquiry_id=s47_id, icpc_person_id=child_id, icpc_referral_id=":".join(parts),
            icpc_icpc_date=held_on,
        )  # fmt: skip
        conference.date("InitialCPCtarget", "icpc_icpc_target_date", fact=False)
        conferences[held_on] = conference  # loaded once its plan is known

    def _read_cp_plan(self, child_id, parts, referred: date, module) -> tuple[Record, date | None, list[Record]]:
        plan = Record(self, "cp_plans", module, child_id)
        plan.take(module)
        review_dates = [r for group in named(module, "Reviews") for r in named(group, "CPPreviewDate")]
        for group in named(module, "Reviews"):
            self.expect(group)
        started = plan.key_date("CPPstartDate", "this child protection plan", dependents=len(review_dates))
        if started is None:
            return plan, None, []
        plan_id, plan.key = row_ids(*parts, "cp_plan", started.isoformat())
        plan.values.update(
            cppl_cp_plan_id=plan_id, cppl_referral_id=":".join(parts), cppl_person_id=child_id,
            cppl_cp_plan_start_date=started,
        )  # fmt: skip
        plan.in_order("CINreferralDate", referred, "CPPstartDate", started)
        ended = plan.date("CPPendDate", "cppl_cp_plan_end_date")
        plan.in_order("CPPstartDate", started, "CPPendDate", ended)
        previous = plan.text("NumberOfPreviousCPP")
        if previous is not None and re.fullmatch(r"[0-9]{1,4}", previous.strip()):
            plan.values["cppl_previous_cp_plans"] = int(previous)
        elif previous is not None:
            plan.warn("NumberOfPreviousCPP", previous, "not a whole number of plans: loaded as unknown")
        plan.code("InitialCategoryOfAbuse", CATEGORY_OF_ABUSE, "cppl_cp_plan_initial_category", required=True)
        plan.code("LatestCategoryOfAbuse", CATEGORY_OF_ABUSE, "cppl_cp_plan_latest_category", required=True)
        reviews = []
        for element in review_dates:
            review = Record(self, "cp_reviews", element, child_id)
            review.take_one(element)
            reviewed = review.key_date("CPPreviewDate", "this review")
            if reviewed is not None:
                review.values["cppr_cp_review_id"], review.key = row_ids(
                    *parts, "cp_plan", started.isoformat(), "review", reviewed.isoformat()
                )
                review.values.update(cppr_person_id=child_id, cppr_cp_plan_id=plan_id, cppr_cp_review_date=reviewed)
                review.in_order("CPPstartDate", started, "CPPreviewDate", reviewed)
            reviews.append(review)
        return plan, started, reviews

    def _read_pre_proceedings(self, child_id: str, parts: tuple[str, ...], module) -> None:
        period = Record(self, "pre_proceedings", module, child_id)
        period.take(module)
        started = period.key_date("PPStartDate", "this period of pre-proceedings")
        if started is not None:
            period_id, period.key = row_ids(*parts, "pre_proceedings", started.isoformat())
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
