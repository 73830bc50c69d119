"""The SSDA903 return (children looked after) as DfE's CSV tables, one folder per collection
year: header, episodes, reviews, UASC, OC2, OC3, AD1, placed for adoption, previous
permanence, missing, social worker episodes (from 2024) and DoLO (from 2027).

Each year's return holds what a return made on 31 March of that year (or on the as-at date,
for the year in progress) could know: later dates are left out, as are periods, episodes and
events that do not touch the year.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from childhub.calendar import add_years, age_on
from childhub.synth.extracts.registry import ddmmyyyy, write_csv
from childhub.synth.extracts.social_care_system import SocialCareSystem, as_of, overlaps, sex_code, year_bounds
from childhub.synth.model import CareLeaverStatus, Child, LookedAfterPeriod

SDQ_REASONS = ["SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"]
SW_EPISODES_FROM, DOLO_FROM = 2024, 2027
COLUMNS: dict[str, tuple[str, ...]] = {
    "header.csv": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes.csv": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
        "HOME_POST", "PL_POST", "URN",
    ),
    "reviews.csv": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc.csv": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2.csv": (
        "CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
        "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED",
    ),
    "oc3.csv": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1.csv": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption.csv": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "previous_permanence.csv": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "missing.csv": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "sw_episodes.csv": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo.csv": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}  # fmt: skip


@dataclass
class _Return:
    """One collection year's return: its bounds, and the children it covers."""

    system: SocialCareSystem
    year: int
    first: date  # 1 April
    last: date  # 31 March
    cutoff: date  # the day the return is made: 31 March, or the as-at date in the year in progress
    in_care: list[tuple[Child, list[LookedAfterPeriod]]]  # each child's periods in care touching the year
    leavers: list[tuple[Child, CareLeaverStatus]]

    @classmethod
    def of(cls, system: SocialCareSystem, year: int) -> _Return:
        first, last = year_bounds(year)
        cutoff = min(last, system.authority.as_at)
        in_care = []
        for child in system.children:
            periods = [p for p in child.care_periods if overlaps(p.start, as_of(p.end, cutoff), first, cutoff)]
            if periods:
                in_care.append((child, periods))
        leavers = [
            (child, status) for child in system.children for status in child.care_leaver if first <= status.on <= cutoff
        ]
        return cls(system, year, first, last, cutoff, in_care, leavers)

    def periods(self) -> Iterator[tuple[Child, LookedAfterPeriod]]:
        """Every period in care touching the year, child by child."""
        for child, periods in self.in_care:
            for period in periods:
                yield child, period

    def person_id(self, child: Child) -> str:
        return self.system.person_id(child)


def write_ssda903(system: SocialCareSystem, folder: Path, year: int) -> dict[str, int]:
    """Write collection ``year``'s tables into ``folder``; the rows written, by file name."""
    r = _Return.of(system, year)
    tables = {
        "header.csv": _header_rows(r),
        "episodes.csv": _episode_rows(r),
        "reviews.csv": _review_rows(r),
        "uasc.csv": _uasc_rows(r),
        "oc2.csv": _oc2_rows(r),
        "oc3.csv": _oc3_rows(r),
        "ad1.csv": _adoption_rows(r),
        "placed_for_adoption.csv": _placed_rows(r),
        "previous_permanence.csv": _previous_permanence_rows(r),
        "missing.csv": _missing_rows(r),
    }
    if year >= SW_EPISODES_FROM:
        tables["sw_episodes.csv"] = _sw_episode_rows(r)
    if year >= DOLO_FROM:
        tables["dolo.csv"] = []
    return {name: write_csv(folder / name, COLUMNS[name], rows) for name, rows in tables.items()}


def _header_rows(r: _Return):
    header_children = {c.person_id: c for c, _ in r.in_care} | {c.person_id: c for c, _ in r.leavers}
    looked_after_ids = {c.person_id for c, _ in r.in_care}
    for child in sorted(header_children.values(), key=r.person_id):
        looked_after = child.person_id in looked_after_ids
        mother = "0" if child.sex == "F" and looked_after else ""
        yield [
            r.person_id(child),
            sex_code(child.sex, r.year),
            ddmmyyyy(child.dob),
            child.ethnicity,
            _upn_or_reason(r, child),
            mother,
            "",
        ]


def _upn_or_reason(r: _Return, child: Child) -> str:
    record = r.system.registry.record("social_care", child, r.cutoff)
    if record.upn:
        return record.upn
    return "UN1" if age_on(child.dob, r.cutoff) < 5 else "UN5"


def _episode_rows(r: _Return):
    for child, period in r.periods():
        for episode in period.episodes:
            end = as_of(episode.end, r.cutoff)
            if not overlaps(episode.start, end, r.first, r.cutoff):
                continue
            yield [
                r.person_id(child),
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


def _review_rows(r: _Return):
    for child, period in r.periods():
        for day, code in period.reviews:
            if r.first <= day <= r.cutoff:
                yield [r.person_id(child), ddmmyyyy(child.dob), ddmmyyyy(day), code]


def _uasc_rows(r: _Return):
    for child, _ in r.in_care:
        if child.uasc:
            yield [
                r.person_id(child),
                sex_code(child.sex, r.year),
                ddmmyyyy(child.dob),
                ddmmyyyy(add_years(child.dob, 18)),
            ]


def _oc2_rows(r: _Return):
    rng = r.system.rng
    first, last = r.first, r.last
    for child, periods in r.in_care:
        # continuously looked after for the 12 months to 31 March, as DfE counts it: in care
        # on 1 April and not leaving before 31 March
        period = periods[-1]
        if r.cutoff != last or period.start > first or (period.end is not None and period.end < last):
            continue
        age = age_on(child.dob, last)
        checks = [d for d in period.health_checks if first <= d <= last]
        dental = [d for d in period.dental_checks if first <= d <= last]
        # an SDQ (or the reason for none) from the year of the 4th birthday to that of the 17th, both in
        sdq_age = age_on(child.dob, last) >= 4 and age_on(child.dob, first - timedelta(days=1)) <= 16
        sdq = str(rng.randint(3, 30)) if sdq_age and rng.random() < 0.8 else ""
        sdq_reason = "" if sdq or not sdq_age else rng.choice(SDQ_REASONS[1:])
        misuse = age >= 10 and rng.random() < 0.04
        yield [
            r.person_id(child),
            ddmmyyyy(child.dob),
            sdq,
            sdq_reason,
            ("1" if child.youth_justice and rng.random() < 0.5 else "0") if age >= 10 else "",
            ("1" if checks else "0") if age < 5 else "",
            "1" if rng.random() < 0.85 else "0",
            "1" if dental else "0",
            "1" if checks else "0",
            "1" if misuse else "0",
            *_intervention(rng, misuse),
        ]


def _intervention(rng: random.Random, misuse: bool) -> tuple[str, str]:
    """INTERVENTION_RECEIVED, and INTERVENTION_OFFERED only where none was received."""
    if not misuse:
        return "", ""
    if rng.random() < 0.7:
        return "1", ""
    return "0", "1" if rng.random() < 0.6 else "0"


def _oc3_rows(r: _Return):
    for child, status in r.leavers:
        yield [r.person_id(child), ddmmyyyy(child.dob), status.in_touch, status.activity, status.accommodation]


def _adoption_rows(r: _Return):
    for child, period in r.periods():
        adoption = period.adoption
        if adoption and adoption.adopted and r.first <= adoption.adopted <= r.cutoff and period.end == adoption.adopted:
            yield [
                r.person_id(child),
                ddmmyyyy(child.dob),
                ddmmyyyy(adoption.decision),
                ddmmyyyy(adoption.matched),
                "1" if adoption.foster_carer else "0",
                str(adoption.adopters),
                adoption.adopter_sex,
                adoption.adopter_legal_status,
            ]


def _placed_rows(r: _Return):
    for child, period in r.periods():
        adoption = period.adoption
        reversed_before = adoption and adoption.reversed and adoption.reversed < r.first
        if adoption and adoption.decision <= r.cutoff and not reversed_before:
            reversed_on = as_of(adoption.reversed, r.cutoff)
            yield [
                r.person_id(child),
                ddmmyyyy(child.dob),
                ddmmyyyy(adoption.decision),
                ddmmyyyy(reversed_on),
                adoption.reversed_reason if reversed_on else "",
            ]


def _previous_permanence_rows(r: _Return):
    """One row per child who started a period of care in the year (the first, if care began again)."""
    for child, periods in r.in_care:
        started = [p for p in periods if r.first <= p.start <= r.cutoff]
        if started:
            yield [r.person_id(child), ddmmyyyy(child.dob), started[0].previous_permanence, "", ""]


def _missing_rows(r: _Return):
    for child, period in r.periods():
        for missing in period.missing:
            if missing.start <= r.cutoff and overlaps(missing.start, missing.end, r.first, r.cutoff):
                yield [
                    r.person_id(child),
                    ddmmyyyy(child.dob),
                    missing.kind,
                    ddmmyyyy(missing.start),
                    ddmmyyyy(as_of(missing.end, r.cutoff)),
                ]


def _sw_episode_rows(r: _Return):
    cutoff = r.cutoff
    for child, _periods in r.in_care:
        allocations = [a for p in child.care_periods for a in p.social_workers if a.worker_id]
        allocations = [a for a in allocations if a.start <= cutoff]
        # each period's first social worker is a first contact (FCONTA), also on re-entry
        opening = {id(p.social_workers[0]) for p in child.care_periods if p.social_workers}
        for index, allocation in enumerate(allocations):
            end = as_of(allocation.end, cutoff)
            if index == len(allocations) - 1:
                end = None  # the last allocation outlasts the period in the case record
            elif end is None or end > allocations[index + 1].start:
                end = allocations[index + 1].start
            if not overlaps(allocation.start, end, r.first, cutoff):
                continue
            reason = "FCONTA" if id(allocation) in opening else _sw_reason(child, index)
            yield [
                r.person_id(child),
                ddmmyyyy(child.dob),
                allocation.worker_id,
                ddmmyyyy(allocation.start),
                ddmmyyyy(end),
                reason,
            ]


def _sw_reason(child: Child, index: int) -> str:
    """A stable reason for the ``index``-th change of social worker (same in every year's file)."""
    from childhub.synth.looked_after import SW_REASONS

    return SW_REASONS.draw(random.Random(f"{child.person_id}:{index}"))
