"""The CIN census (children in need) as DfE's XML, one file per collection year.

Each year's file holds the referrals open at any time in the year, as a census made on its
31 March (or on the as-at date, for the year in progress) could know them, with the children
in the order and the elements in the order the year's schema requires. Codes are written as
that year's census could code them: a code the registry (``childhub.codes``) says did not
exist yet is written as the code used before it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from childhub.codes import valid_codes
from childhub.synth.extracts.social_care_system import (
    CIN_CENSUS,
    SocialCareSystem,
    as_of,
    overlaps,
    sex_code,
    year_bounds,
)
from childhub.synth.model import Child, Referral


def write_cin_census(system: SocialCareSystem, path: Path, year: int) -> int:
    """Write collection ``year``'s census to ``path``; the number of children in it."""
    from lxml import etree

    first, last = year_bounds(year)
    cutoff = min(last, system.authority.as_at)
    message = etree.Element("Message")
    header = etree.SubElement(message, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    _text(details, "Collection", "CIN")
    _text(details, "Year", str(year))
    _text(details, "ReferenceDate", last.isoformat())
    source = etree.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", f"{system.authority.la_number:03d}")
    _text(source, "SoftwareCode", "childhub synthetic authority")
    _text(source, "Release", "1")
    _text(source, "SerialNo", "001")
    _text(
        source,
        "DateTime",
        datetime.combine(cutoff, datetime.min.time()).replace(hour=9).isoformat(),
    )
    children_element = etree.SubElement(message, "Children")
    by_record: dict[str, list[Referral]] = {}
    owners: dict[str, Child] = {}
    for child in system.children:
        for referral in child.referrals:
            closure = as_of(referral.closure, cutoff)
            if referral.date <= cutoff and overlaps(referral.date, closure, first, cutoff):
                pid = system.referral_person_id(referral)
                by_record.setdefault(pid, []).append(referral)
                owners[pid] = child
    sex_element = "Sex" if year >= 2025 else "GenderCurrent"
    count = 0
    for pid in sorted(by_record, key=int):
        child = owners[pid]
        record = system.registry.record("social_care", child, cutoff, copy=0 if pid == system.person_id(child) else 1)
        element = etree.SubElement(children_element, "Child")
        identifiers = etree.SubElement(element, "ChildIdentifiers")
        _text(identifiers, "LAchildID", pid)
        unborn = child.dob > cutoff
        if record.upn and not unborn:
            _text(identifiers, "UPN", record.upn)
            if child.former_upn:
                _text(identifiers, "FormerUPN", child.former_upn)
        else:
            all_nfa = all(r.nfa for r in by_record[pid])
            # DfE counts a child as of school age when born on or before 31 August six
            # years before the census year's end (the 1 September after the 4th birthday).
            school_age = child.dob <= date(last.year - 6, 8, 31)
            _text(identifiers, "UPNunknown", "UN7" if all_nfa else "UN5" if school_age else "UN1")
        if unborn:
            _text(identifiers, "ExpectedPersonBirthDate", child.dob.isoformat())
            _text(identifiers, sex_element, "U" if year >= 2025 else "0")
        else:
            _text(identifiers, "PersonBirthDate", child.dob.isoformat())
            _text(identifiers, sex_element, sex_code(child.sex, year))
        characteristics = etree.SubElement(element, "ChildCharacteristics")
        _text(characteristics, "Ethnicity", child.ethnicity)
        disabilities = etree.SubElement(characteristics, "Disabilities")
        for code in child.disabilities or ("NONE",):
            _text(disabilities, "Disability", code)
        for referral in sorted(by_record[pid], key=lambda r: r.date):
            _cin_details(element, child, referral, year, first, cutoff)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(message).write(str(path), xml_declaration=True, encoding="utf-8", pretty_print=True)
    return count


def _cin_details(parent, child: Child, referral: Referral, year: int, first: date, cutoff: date) -> None:
    """One CINdetails group, children in the order the schema requires."""
    from lxml import etree

    element = etree.SubElement(parent, "CINdetails")
    _text(element, "CINreferralDate", referral.date.isoformat())
    _text(element, "ReferralSource", cin_code_for_year(referral.source, year, REFERRAL_SOURCE))
    _text(element, "PrimaryNeedCode", referral.primary_need)
    closure = as_of(referral.closure, cutoff)
    if closure:
        _text(element, "CINclosureDate", closure.isoformat())
        _text(element, "ReasonForClosure", cin_code_for_year(referral.closure_reason, year, REASON_FOR_CLOSURE))
    for assessment in referral.assessments:
        authorised = as_of(assessment.authorised, cutoff)
        if assessment.start > cutoff or not overlaps(assessment.start, authorised, first, cutoff):
            continue
        module = etree.SubElement(element, "Assessments")
        _text(module, "AssessmentActualStartDate", assessment.start.isoformat())
        if authorised:
            _text(module, "AssessmentAuthorisationDate", authorised.isoformat())
            factors = etree.SubElement(module, "FactorsIdentifiedAtAssessment")
            codes = dict.fromkeys(c for c in map(lambda f: factor_for_year(f, year), assessment.factors) if c)
            for code in codes or ("21",):
                _text(factors, "AssessmentFactors", code)
    if year >= CIN_PLAN_DATES_FROM:
        for plan in referral.cin_plans:
            end = as_of(plan.end, cutoff)
            if plan.start > cutoff or not overlaps(plan.start, end, first, cutoff):
                continue
            module = etree.SubElement(element, "CINPlanDates")
            _text(module, "CINPlanStartDate", plan.start.isoformat())
            if end:
                _text(module, "CINPlanEndDate", end.isoformat())
    for s47 in referral.section47s:
        end = as_of(s47.icpc_date or s47.end, cutoff)
        if s47.start > cutoff or not overlaps(s47.start, end, first, cutoff):
            continue
        module = etree.SubElement(element, "Section47")
        _text(module, "S47ActualStartDate", s47.start.isoformat())
        _text(module, "InitialCPCtarget", s47.icpc_target.isoformat())
        icpc = as_of(s47.icpc_date, cutoff)
        if icpc:
            _text(module, "DateOfInitialCPC", icpc.isoformat())
        not_required = s47.icpc_not_required and as_of(s47.end, cutoff)
        _text(module, "ICPCnotRequired", "true" if not_required else "false")
    _text(element, "ReferralNFA", "true" if referral.nfa else "false")
    all_plans = sorted(p.start for r in child.referrals for p in r.cp_plans)
    for plan in referral.cp_plans:
        end = as_of(plan.end, cutoff)
        if plan.start > cutoff or not overlaps(plan.start, end, first, cutoff):
            continue
        module = etree.SubElement(element, "ChildProtectionPlans")
        _text(module, "CPPstartDate", plan.start.isoformat())
        if end:
            _text(module, "CPPendDate", end.isoformat())
        _text(module, "InitialCategoryOfAbuse", plan.initial_category)
        _text(module, "LatestCategoryOfAbuse", plan.latest_category)
        _text(module, "NumberOfPreviousCPP", str(sum(1 for start in all_plans if start < plan.start)))
        reviews = [review for review in plan.reviews if first <= review <= cutoff]
        if reviews:
            reviews_element = etree.SubElement(module, "Reviews")
            for review in reviews:
                _text(reviews_element, "CPPreviewDate", review.isoformat())


# When each CIN census code is valid comes from the code registry (childhub.codes), the same
# lists the reader checks against; here only what a return used before a code existed.
CIN_PLAN_DATES_FROM = 2022
ASSESSMENT_FACTORS = "cin_assessment_factors"
REFERRAL_SOURCE, REASON_FOR_CLOSURE = "referral_source", "reason_for_closure"
_USED_BEFORE = {"5D": "5B", "RC9": "RC8"}  # early help had no referral source or closure reason


def cin_code_for_year(code: str, year: int, set_id: str) -> str:
    """A code of ``set_id`` as the CIN census of ``year`` could code it."""
    if code in valid_codes(set_id, year, within=CIN_CENSUS):
        return code
    return _USED_BEFORE.get(code, code)


def factor_for_year(code: str, year: int) -> str | None:
    """An assessment factor as the return of ``year`` could code it (None: no code existed)."""
    valid = valid_codes(ASSESSMENT_FACTORS, year, within=CIN_CENSUS)
    if code in valid:
        return code
    unsplit = code[:2] + "A"  # physical (18) and sexual (19) abuse before they were split by abuser
    return unsplit if code[:2] in ("18", "19") and unsplit in valid else None


def _text(parent, tag: str, value: str):
    from lxml import etree

    element = etree.SubElement(parent, tag)
    element.text = value
    return element
