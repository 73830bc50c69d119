"""One canonical row of the CIN census in the making: its values, the source text they came
from, and whether it is loaded.

Errors and warnings
    An error means the row is not loaded: an unreadable date, a UPN of the wrong shape, a
    yes/no that is neither, or a repeat of a record already read with different values. A row
    whose own key cannot be made (no LAchildID; no readable CINreferralDate, assessment, plan,
    enquiry or conference start date) is not loaded and nor is anything keyed under it: one
    problem says how many records that takes with it. Otherwise an error rejects its own row
    only: a rejected episode does not take its assessments with it, nor a rejected person their
    episodes. Warnings leave the row loaded: a missing item the census requires, a date after
    the reference date, an end before its start, a UPN whose check letter is wrong, a code
    outside the year's list (the value is loaded as unknown, as every reader does:
    ``ingest.model.unknown_code``). A disability record with an unknown code is the exception:
    the code is all it holds, so it is not loaded.

Keys
    Each row's ``source_record_key`` is made of facts that do not change from one year's
    census to the next, joined by ``|``: ``LAchildID`` for a person, then the referral date,
    the module and its start date (``C1|2024-05-01|cp_plan|2024-06-10``). The rows' own
    identifiers are the same parts joined by ``:`` (``cine_referral_id`` ``C1:2024-05-01``),
    so rows of one referral link to each other within and across years.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.identifiers import is_valid_upn
from childhub.ingest.cin_census.values import (
    NO,
    UPN_SHAPE,
    YES,
    check_code,
    elements,
    local_name,
    parse_census_date,
    place_of,
    text_of,
)
from childhub.ingest.model import UNKNOWN_CODE_SEVERITY, unknown_code

if TYPE_CHECKING:
    from childhub.ingest.cin_census.reader import CensusReader

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
        "cppl_previous_cp_plans",
    ),
    "cp_reviews": ("cppr_cp_review_id", "cppr_person_id", "cppr_cp_plan_id", "cppr_cp_review_date"),
    "pre_proceedings": (
        "prep_table_id", "prep_person_id", "prep_plo_family_id", "prep_pre_pro_decision_date",
        "prep_initial_pre_pro_meeting_date", "prep_pre_pro_outcome", "prep_agree_stepdown_issue_date",
        "prep_pre_pro_letter_date", "prep_care_pro_letter_date", "prep_pre_pro_meetings_num",
    ),
}  # fmt: skip


def _and_under_it(dependents: int) -> str:
    if not dependents:
        return ""
    return "; nor is the record under it" if dependents == 1 else f"; nor are the {dependents} records under it"


class Record:
    """One canonical row in the making: its values, the source text it came from, its fate."""

    def __init__(self, reader: CensusReader, table: str, element, child_id: str | None) -> None:
        self.reader = reader
        self.table = table
        self.row = place_of(child_id, element)
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
        for child in elements(element):
            name = local_name(child)
            if elements(child):
                continue  # a module or group, read on its own
            found = self.leaves.setdefault(name, [])
            found.append(child)
            self.raw[name if len(found) == 1 else f"{name}#{len(found)}"] = text_of(child) or ""

    def take_one(self, element) -> None:
        """Collect ``element`` itself as this record's one source value."""
        self.leaves[local_name(element)] = [element]
        self.raw[local_name(element)] = text_of(element) or ""

    def text(self, name: str) -> str | None:
        found = self.leaves.get(name)
        if not found:
            return None
        if len(found) > 1 and name not in self._repeats_told:
            self._repeats_told.add(name)
            self.warn(name, text_of(found[1]), f"{name} appears {len(found)} times; the first is read")
        return text_of(found[0])

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
            self.unknown_code(name, raw, problem)
            return None
        self.values[column] = raw
        return raw

    def unknown_code(self, column: str, value: str, problem: str) -> None:
        """A code outside its list: the row is loaded with the value unknown (ingest.model.unknown_code)."""
        self.reader.problem(self.row, column, value, unknown_code(problem), UNKNOWN_CODE_SEVERITY)

    def yes_no(self, name: str, column: str | None, *, required: bool = False) -> str | None:
        raw = self.text(name)
        if raw is None:
            if required:
                self.warn(name, None, f"missing: the census requires {name}")
            return None
        if raw.lower() not in YES | NO:
            self.error(name, raw, "not a yes/no value (true, false, 1 or 0)")
            return None
        flag = "Y" if raw.lower() in YES else "N"
        if column:
            self.values[column] = flag
        return flag

    def upn(self, name: str, column: str) -> None:
        raw = self.text(name)
        if raw is None:
            return
        if not UPN_SHAPE.fullmatch(raw):
            self.error(name, raw, "not a UPN: a letter, then 12 digits or 11 digits and a letter")
            return
        if not is_valid_upn(raw):
            self.warn(name, raw, "the UPN's check letter does not match the rest of it")
        self.values[column] = raw.upper()

    def in_order(self, earlier_name: str, earlier: date | None, later_name: str, later: date | None) -> None:
        if earlier and later and later < earlier:
            self.warn(later_name, self.text(later_name), f"before {earlier_name} {earlier.isoformat()}")
