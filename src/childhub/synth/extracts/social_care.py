"""The social-care system's extracts: SSDA903 CSV tables, CIN census XML, case-management CSVs.

All three come from one case-management system, so they share its person IDs
(``social_care`` in ``truth.csv``). A small share of children were registered twice
in it, as happens in real systems: their later referrals sit under a second ID.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

from childhub.calendar import add_years, age_on
from childhub.codes import valid_codes
from childhub.synth.extracts.records import SourceRegistry, ddmmyyyy, iso, write_csv
from childhub.synth.model import Authority, Child, LookedAfterPeriod, Referral
from childhub.synth.noise import typo

DUPLICATE_RECORD_RATE = 0.03
SDQ_REASONS = ["SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"]


def collection_years(history_start: date, as_at: date) -> list[int]:
    """Collection years (ending 31 March) with any day between ``history_start`` and ``as_at``."""
    first = history_start.year + 1 if history_start.month > 3 else history_start.year
    last = as_at.year + 1 if as_at.month > 3 else as_at.year
    if as_at == date(as_at.year, 3, 31):
        last = as_at.year
    return list(range(first, last + 1))


def year_bounds(year: int) -> tuple[date, date]:
    return date(year - 1, 4, 1), date(year, 3, 31)


def _overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def _as_of(day: date | None, cutoff: date) -> date | None:
    """A date as a return made on ``cutoff`` would know it (later dates are not yet known)."""
    return day if day is not None and day <= cutoff else None


class SocialCareExtracts:
    def __init__(self, authority: Authority, registry: SourceRegistry, rng: random.Random):
        self.authority = authority
        self.registry = registry
        self.rng = rng
        self.children = [c for c in authority.children() if c.referrals or c.care_periods or c.contacts or c.early_help]
        self._referral_ids: dict[int, str] = {}
        for child in self.children:
            events = [r.date for r in child.referrals] + [c.date for c in child.contacts]
            events += [e.start for e in child.early_help] + [p.start for p in child.care_periods]
            first_seen = min(events)
            main = registry.record("social_care", child, first_seen)
            duplicate = len(child.referrals) > 1 and not child.care_periods and rng.random() < DUPLICATE_RECORD_RATE
            for index, referral in enumerate(child.referrals):
                if duplicate and index > 0:
                    record = registry.record("social_care", child, referral.date, copy=1)
                    self._referral_ids[id(referral)] = record.record_id
                else:
                    self._referral_ids[id(referral)] = main.record_id

    def person_id(self, child: Child) -> str:
        return self.registry.record("social_care", child, self.authority.as_at).record_id

    def referral_person_id(self, referral: Referral) -> str:
        return self._referral_ids[id(referral)]

    # ---------------------------------------------------------------- case management
    def write_case_management(self, folder: Path) -> dict[str, int]:
        counts = {}
        records = {}
        for child in self.children:
            for referral in child.referrals:
                pid = self.referral_person_id(referral)
                records[pid] = self.registry.record(
                    "social_care",
                    child,
                    referral.date,
                    copy=0 if pid == self.person_id(child) else 1,
                )
            records[self.person_id(child)] = self.registry.record("social_care", child, self.authority.as_at)
        counts["persons.csv"] = write_csv(
            folder / "persons.csv",
            [
                "person_id",
                "forename",
                "middle_names",
                "surname",
                "date_of_birth",
                "sex",
                "ethnicity",
                "nhs_number",
                "upn",
                "address_line1",
                "locality",
                "postcode",
                "disabilities",
            ],
            (
                [
                    r.record_id,
                    r.forename,
                    r.middle_name or "",
                    r.surname,
                    iso(r.dob),
                    r.sex,
                    r.child.ethnicity,
                    r.nhs_number or "",
                    r.upn or "",
                    r.address.line1 if r.address else "",
                    r.address.locality if r.address else "",
                    r.address.postcode if r.address else "",
                    ";".join(r.child.disabilities),
                ]
                for r in sorted(records.values(), key=lambda r: int(r.record_id))
            ),
        )

        counts["carers.csv"] = write_csv(
            folder / "carers.csv",
            ["person_id", "carer_forename", "carer_surname", "carer_date_of_birth", "relationship"],
            self._carer_rows(),
        )
        counts["addresses.csv"] = write_csv(
            folder / "addresses.csv",
            ["person_id", "address_line1", "locality", "postcode", "start_date", "end_date"],
            self._address_rows(),
        )

        def contacts():
            number = 0
            for child in self.children:
                pid = self.person_id(child)
                for contact in sorted(child.contacts, key=lambda c: c.date):
                    number += 1
                    outcome = (
                        "Referral to children's social care"
                        if contact.became_referral
                        else self.rng.choice(
                            [
                                "No further action",
                                "Information and advice",
                                "Signposted to early help",
                                "Passed to early help",
                            ]
                        )
                    )
                    yield [f"C{number:07d}", pid, iso(contact.date), contact.source, outcome]

        counts["contacts.csv"] = write_csv(
            folder / "contacts.csv",
            ["contact_id", "person_id", "contact_date", "source_code", "outcome"],
            contacts(),
        )

        def early_help():
            number = 0
            for child in self.children:
                pid = self.person_id(child)
                for episode in child.early_help:
                    number += 1
                    yield [
                        f"EH{number:07d}",
                        pid,
                        iso(episode.start),
                        iso(episode.end),
                        episode.reason,
                        episode.end_reason or "",
                        episode.organisation,
                        iso(episode.assessment_completed),
                    ]

        counts["early_help.csv"] = write_csv(
            folder / "early_help.csv",
            [
                "episode_id",
                "person_id",
                "start_date",
                "end_date",
                "reason",
                "end_reason",
                "organisation",
                "assessment_completed_date",
            ],
            early_help(),
        )

        def allocations():
            number = 0
            for child in self.children:
                for referral in child.referrals:
                    pid = self.referral_person_id(referral)
                    for allocation in referral.allocations:
                        number += 1
                        yield [
                            f"A{number:07d}",
                            pid,
                            allocation.worker_id or "",
                            allocation.team_id,
                            iso(allocation.start),
                            iso(allocation.end),
                            "Case responsibility",
                        ]
                for period in child.care_periods:
                    for allocation in period.social_workers:
                        number += 1
                        yield [
                            f"A{number:07d}",
                            self.person_id(child),
                            allocation.worker_id or "",
                            allocation.team_id,
                            iso(allocation.start),
                            iso(allocation.end),
                            "Child in care social worker",
                        ]

        counts["allocations.csv"] = write_csv(
            folder / "allocations.csv",
            [
                "allocation_id",
                "person_id",
                "worker_id",
                "team_id",
                "start_date",
                "end_date",
                "role",
            ],
            allocations(),
        )
        counts["workers.csv"] = write_csv(
            folder / "workers.csv",
            ["worker_id", "name", "team_id", "role", "fte", "agency"],
            ([w.worker_id, w.name, w.team_id, w.role, w.fte, "Y" if w.agency else "N"] for w in self.authority.workers),
        )
        counts["teams.csv"] = write_csv(
            folder / "teams.csv",
            ["team_id", "team_name", "service"],
            ([t.team_id, t.name, t.service] for t in self.authority.teams),
        )
        return counts

    # ---------------------------------------------------------------- SSDA903
    def write_ssda903(self, folder: Path, year: int) -> dict[str, int]:
        first, last = year_bounds(year)
        cutoff = min(last, self.authority.as_at)
        in_care: list[tuple[Child, list[LookedAfterPeriod]]] = []
        for child in self.children:
            periods = [p for p in child.care_periods if _overlaps(p.start, _as_of(p.end, cutoff), first, cutoff)]
            if periods:
                in_care.append((child, periods))
        leavers = [
            (child, status) for child in self.children for status in child.care_leaver if first <= status.on <= cutoff
        ]
        header_children = {c.person_id: c for c, _ in in_care} | {c.person_id: c for c, _ in leavers}
        counts = {}

        def upn_or_reason(child: Child) -> str:
            record = self.registry.record("social_care", child, cutoff)
            if record.upn:
                return record.upn
            return "UN1" if age_on(child.dob, cutoff) < 5 else "UN5"

        looked_after_ids = {c.person_id for c, _ in in_care}

        def header_rows():
            for child in sorted(header_children.values(), key=self.person_id):
                looked_after = child.person_id in looked_after_ids
                mother = "0" if child.sex == "F" and looked_after else ""
                yield [
                    self.person_id(child),
                    sex_code(child.sex, year),
                    ddmmyyyy(child.dob),
                    child.ethnicity,
                    upn_or_reason(child),
                    mother,
                    "",
                ]

        counts["header.csv"] = write_csv(
            folder / "header.csv",
            ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
            header_rows(),
        )

        def episode_rows():
            for child, periods in in_care:
                for period in periods:
                    for episode in period.episodes:
                        end = _as_of(episode.end, cutoff)
                        if not _overlaps(episode.start, end, first, cutoff):
                            continue
                        yield [
                            self.person_id(child),
                            ddmmyyyy(episode.start),
                            episode.reason_new,
                            episode.legal_status,
                            episode.category_of_need,
                            episode.placement,
                            episode.provider,
                            ddmmyyyy(end),
                            episode.reason_ceased if end else "",
                            episode.reason_place_change or "",
                            episode.home_postcode or "",
                            episode.placement_postcode or "",
                            episode.urn,
                        ]

        counts["episodes.csv"] = write_csv(
            folder / "episodes.csv",
            [
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ],
            episode_rows(),
        )

        def review_rows():
            for child, periods in in_care:
                for period in periods:
                    for day, code in period.reviews:
                        if first <= day <= cutoff:
                            yield [self.person_id(child), ddmmyyyy(child.dob), ddmmyyyy(day), code]

        counts["reviews.csv"] = write_csv(
            folder / "reviews.csv", ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"], review_rows()
        )
        counts["uasc.csv"] = write_csv(
            folder / "uasc.csv",
            ["CHILD", "SEX", "DOB", "DUC"],
            (
                [
                    self.person_id(c),
                    sex_code(c.sex, year),
                    ddmmyyyy(c.dob),
                    ddmmyyyy(add_years(c.dob, 18)),
                ]
                for c, _ in in_care
                if c.uasc
            ),
        )

        def oc2_rows():
            for child, periods in in_care:
                # continuously looked after for the 12 months to 31 March, as DfE counts it: in care
                # on 1 April and not leaving before 31 March
                period = periods[-1]
                if cutoff != last or period.start > first or (period.end is not None and period.end < last):
                    continue
                age = age_on(child.dob, last)
                checks = [d for d in period.health_checks if first <= d <= last]
                dental = [d for d in period.dental_checks if first <= d <= last]
                sdq_age = age_on(child.dob, first) + 1 >= 4 and age_on(child.dob, first) <= 16
                sdq = str(self.rng.randint(3, 30)) if sdq_age and self.rng.random() < 0.8 else ""
                sdq_reason = "" if sdq or not sdq_age else self.rng.choice(SDQ_REASONS[1:])
                misuse = age >= 10 and self.rng.random() < 0.04
                yield [
                    self.person_id(child),
                    ddmmyyyy(child.dob),
                    sdq,
                    sdq_reason,
                    ("1" if child.youth_justice and self.rng.random() < 0.5 else "0") if age >= 10 else "",
                    ("1" if checks else "0") if age < 5 else "",
                    "1" if self.rng.random() < 0.85 else "0",
                    "1" if dental else "0",
                    "1" if checks else "0",
                    "1" if misuse else "0",
                    *self._intervention(misuse),
                ]

        counts["oc2.csv"] = write_csv(
            folder / "oc2.csv",
            [
                "CHILD",
                "DOB",
                "SDQ_SCORE",
                "SDQ_REASON",
                "CONVICTED",
                "HEALTH_CHECK",
                "IMMUNISATIONS",
                "TEETH_CHECK",
                "HEALTH_ASSESSMENT",
                "SUBSTANCE_MISUSE",
                "INTERVENTION_RECEIVED",
                "INTERVENTION_OFFERED",
            ],
            oc2_rows(),
        )
        counts["oc3.csv"] = write_csv(
            folder / "oc3.csv",
            ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
            ([self.person_id(c), ddmmyyyy(c.dob), s.in_touch, s.activity, s.accommodation] for c, s in leavers),
        )

        def adoption_rows():
            for child, periods in in_care:
                for period in periods:
                    adoption = period.adoption
                    if (
                        adoption
                        and adoption.adopted
                        and first <= adoption.adopted <= cutoff
                        and period.end == adoption.adopted
                    ):
                        yield [
                            self.person_id(child),
                            ddmmyyyy(child.dob),
                            ddmmyyyy(adoption.decision),
                            ddmmyyyy(adoption.matched),
                            "1" if adoption.foster_carer else "0",
                            str(adoption.adopters),
                            adoption.adopter_sex,
                            adoption.adopter_legal_status,
                        ]

        counts["ad1.csv"] = write_csv(
            folder / "ad1.csv",
            [
                "CHILD",
                "DOB",
                "DATE_INT",
                "DATE_MATCH",
                "FOSTER_CARE",
                "NB_ADOPTR",
                "SEX_ADOPTR",
                "LS_ADOPTR",
            ],
            adoption_rows(),
        )

        def placed_rows():
            for child, periods in in_care:
                for period in periods:
                    adoption = period.adoption
                    reversed_before = adoption and adoption.reversed and adoption.reversed < first
                    if adoption and adoption.decision <= cutoff and not reversed_before:
                        reversed_on = _as_of(adoption.reversed, cutoff)
                        yield [
                            self.person_id(child),
                            ddmmyyyy(child.dob),
                            ddmmyyyy(adoption.decision),
                            ddmmyyyy(reversed_on),
                            adoption.reversed_reason if reversed_on else "",
                        ]

        counts["placed_for_adoption.csv"] = write_csv(
            folder / "placed_for_adoption.csv",
            ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
            placed_rows(),
        )
        counts["previous_permanence.csv"] = write_csv(
            folder / "previous_permanence.csv",
            ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
            (
                [self.person_id(c), ddmmyyyy(c.dob), p.previous_permanence, "", ""]
                for c, periods in in_care
                for p in periods
                if first <= p.start <= cutoff
            ),
        )

        def missing_rows():
            for child, periods in in_care:
                for period in periods:
                    for missing in period.missing:
                        if missing.start <= cutoff and _overlaps(missing.start, missing.end, first, cutoff):
                            yield [
                                self.person_id(child),
                                ddmmyyyy(child.dob),
                                missing.kind,
                                ddmmyyyy(missing.start),
                                ddmmyyyy(_as_of(missing.end, cutoff)),
                            ]

        counts["missing.csv"] = write_csv(
            folder / "missing.csv",
            ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            missing_rows(),
        )
        if year >= 2024:

            def sw_rows():
                for child, _periods in in_care:
                    allocations = [a for p in child.care_periods for a in p.social_workers if a.worker_id]
                    allocations = [a for a in allocations if a.start <= cutoff]
                    # each period's first social worker is a first contact (FCONTA), also on re-entry
                    opening = {id(p.social_workers[0]) for p in child.care_periods if p.social_workers}
                    for index, allocation in enumerate(allocations):
                        end = _as_of(allocation.end, cutoff)
                        if index == len(allocations) - 1:
                            end = None  # the last allocation outlasts the period in the case record
                        elif end is None or end > allocations[index + 1].start:
                            end = allocations[index + 1].start
                        if not _overlaps(allocation.start, end, first, cutoff):
                            continue
                        reason = "FCONTA" if id(allocation) in opening else self._sw_reason(child, index)
                        yield [
                            self.person_id(child),
                            ddmmyyyy(child.dob),
                            allocation.worker_id,
                            ddmmyyyy(allocation.start),
                            ddmmyyyy(end),
                            reason,
                        ]

            counts["sw_episodes.csv"] = write_csv(
                folder / "sw_episodes.csv",
                ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
                sw_rows(),
            )
        if year >= 2027:
            counts["dolo.csv"] = write_csv(folder / "dolo.csv", ["CHILD", "DOB", "DOLO_START", "DOLO_END"], [])
        return counts

    def _carer_rows(self):
        """Each child's parents and step-parents as the case record holds them (a few typos)."""
        relationship = {"mother": "Mother", "father": "Father", "stepfather": "Stepfather"}
        for child in self.children:
            household = self.registry.households.get(child.household_id)
            if household is None:
                continue
            for adult in household.adults:
                rng = random.Random(f"carer:{child.person_id}:{adult.person_id}")
                forename = adult.forename if rng.random() > 0.03 else typo(rng, adult.forename)
                yield [
                    self.person_id(child),
                    forename,
                    adult.surname,
                    iso(adult.dob),
                    relationship.get(adult.role, "Carer"),
                ]

    def _address_rows(self):
        """Each child's homes over time, as the case record holds them."""
        for child in self.children:
            household = self.registry.households.get(child.household_id)
            if household is None:
                continue
            residences = household.residences
            for index, residence in enumerate(residences):
                end = residences[index + 1].start if index + 1 < len(residences) else None
                if end is not None and end <= child.dob:  # moved out before the child was born
                    continue
                start = max(residence.start, child.dob)
                address = residence.address
                yield [self.person_id(child), address.line1, address.locality, address.postcode, iso(start), iso(end)]

    def _intervention(self, misuse: bool) -> tuple[str, str]:
        """INTERVENTION_RECEIVED, and INTERVENTION_OFFERED only where none was received."""
        if not misuse:
            return "", ""
        if self.rng.random() < 0.7:
            return "1", ""
        return "0", "1" if self.rng.random() < 0.6 else "0"

    def _sw_reason(self, child: Child, index: int) -> str:
        """A stable reason for the ``index``-th change of social worker (same in every year's file)."""
        from childhub.synth.looked_after import SW_REASONS

        return SW_REASONS.draw(random.Random(f"{child.person_id}:{index}"))

    # ---------------------------------------------------------------- CIN census
    def write_cin_census(self, path: Path, year: int) -> int:
        from lxml import etree

        first, last = year_bounds(year)
        cutoff = min(last, self.authority.as_at)
        message = etree.Element("Message")
        header = etree.SubElement(message, "Header")
        details = etree.SubElement(header, "CollectionDetails")
        _text(details, "Collection", "CIN")
        _text(details, "Year", str(year))
        _text(details, "ReferenceDate", last.isoformat())
        source = etree.SubElement(header, "Source")
        _text(source, "SourceLevel", "L")
        _text(source, "LEA", f"{self.authority.la_number:03d}")
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
        for child in self.children:
            for referral in child.referrals:
                closure = _as_of(referral.closure, cutoff)
                if referral.date <= cutoff and _overlaps(referral.date, closure, first, cutoff):
                    pid = self.referral_person_id(referral)
                    by_record.setdefault(pid, []).append(referral)
                    owners[pid] = child
        sex_element = "Sex" if year >= 2025 else "GenderCurrent"
        count = 0
        for pid in sorted(by_record, key=int):
            child = owners[pid]
            record = self.registry.record("social_care", child, cutoff, copy=0 if pid == self.person_id(child) else 1)
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
                self._cin_details(element, child, referral, year, first, cutoff)
            count += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        etree.ElementTree(message).write(str(path), xml_declaration=True, encoding="utf-8", pretty_print=True)
        return count

    def _cin_details(self, parent, child: Child, referral: Referral, year: int, first: date, cutoff: date) -> None:
        """One CINdetails group, children in the order the schema requires."""
        from lxml import etree

        element = etree.SubElement(parent, "CINdetails")
        _text(element, "CINreferralDate", referral.date.isoformat())
        _text(element, "ReferralSource", cin_code_for_year(referral.source, year, REFERRAL_SOURCE))
        _text(element, "PrimaryNeedCode", referral.primary_need)
        closure = _as_of(referral.closure, cutoff)
        if closure:
            _text(element, "CINclosureDate", closure.isoformat())
            _text(element, "ReasonForClosure", cin_code_for_year(referral.closure_reason, year, REASON_FOR_CLOSURE))
        for assessment in referral.assessments:
            authorised = _as_of(assessment.authorised, cutoff)
            if assessment.start > cutoff or not _overlaps(assessment.start, authorised, first, cutoff):
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
                end = _as_of(plan.end, cutoff)
                if plan.start > cutoff or not _overlaps(plan.start, end, first, cutoff):
                    continue
                module = etree.SubElement(element, "CINPlanDates")
                _text(module, "CINPlanStartDate", plan.start.isoformat())
                if end:
                    _text(module, "CINPlanEndDate", end.isoformat())
        for s47 in referral.section47s:
            end = _as_of(s47.icpc_date or s47.end, cutoff)
            if s47.start > cutoff or not _overlaps(s47.start, end, first, cutoff):
                continue
            module = etree.SubElement(element, "Section47")
            _text(module, "S47ActualStartDate", s47.start.isoformat())
            _text(module, "InitialCPCtarget", s47.icpc_target.isoformat())
            icpc = _as_of(s47.icpc_date, cutoff)
            if icpc:
                _text(module, "DateOfInitialCPC", icpc.isoformat())
            not_required = s47.icpc_not_required and _as_of(s47.end, cutoff)
            _text(module, "ICPCnotRequired", "true" if not_required else "false")
        _text(element, "ReferralNFA", "true" if referral.nfa else "false")
        all_plans = sorted(p.start for r in child.referrals for p in r.cp_plans)
        for plan in referral.cp_plans:
            end = _as_of(plan.end, cutoff)
            if plan.start > cutoff or not _overlaps(plan.start, end, first, cutoff):
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
CIN_CENSUS, CIN_SEX, ASSESSMENT_FACTORS = "cin_census", "cin_sex", "cin_assessment_factors"
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


def sex_code(sex: str, year: int) -> str:
    """Sex as the return of ``year`` codes it: 1/2 until 2023/24, M/F from 2024/25."""
    if sex in valid_codes(CIN_SEX, year, within=CIN_CENSUS):
        return sex
    return "1" if sex == "M" else "2"


def _text(parent, tag: str, value: str):
    from lxml import etree

    element = etree.SubElement(parent, tag)
    element.text = value
    return element
