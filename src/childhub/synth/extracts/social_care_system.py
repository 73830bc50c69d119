"""The social-care system the three social-care extracts come from.

Case management, SSDA903 and the CIN census are all written from one case-management
system, so they share its person IDs (``social_care`` in ``truth.csv``). A small share of
children were registered twice in it, as happens in real systems: their later referrals sit
under a second ID. Also here: the collection years a return covers, and what a return made
on a given day could know.
"""

from __future__ import annotations

import random
from datetime import date

from childhub.codes import valid_codes
from childhub.synth.extracts.registry import SourceRegistry
from childhub.synth.model import Authority, Child, Referral

DUPLICATE_RECORD_RATE = 0.03
CIN_CENSUS, CIN_SEX = "cin_census", "cin_sex"


class SocialCareSystem:
    """The children known to social care, and the person ID the system holds for each.

    ``rng`` is shared by every extract written from the system, in the order they are written.
    """

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


def collection_years(history_start: date, as_at: date) -> list[int]:
    """Collection years (ending 31 March) with any day between ``history_start`` and ``as_at``."""
    first = history_start.year + 1 if history_start.month > 3 else history_start.year
    last = as_at.year + 1 if as_at.month > 3 else as_at.year
    if as_at == date(as_at.year, 3, 31):
        last = as_at.year
    return list(range(first, last + 1))


def year_bounds(year: int) -> tuple[date, date]:
    return date(year - 1, 4, 1), date(year, 3, 31)


def overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def as_of(day: date | None, cutoff: date) -> date | None:
    """A date as a return made on ``cutoff`` would know it (later dates are not yet known)."""
    return day if day is not None and day <= cutoff else None


def sex_code(sex: str, year: int) -> str:
    """Sex as the return of ``year`` codes it: 1/2 until 2023/24, M/F from 2024/25."""
    if sex in valid_codes(CIN_SEX, year, within=CIN_CENSUS):
        return sex
    return "1" if sex == "M" else "2"
