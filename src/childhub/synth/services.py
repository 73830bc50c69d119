"""Schools, SEN, youth justice, police notifications and NEET, tied to family risk.

Published shapes (``reference/population.md``): persistent absence about 20% of
pupils and about 44% of children in need; suspensions about 11 per 100 pupils a
year and permanent exclusions about 0.13 per 100; EHC plans 5.3% and SEN support
14.2% of pupils; first-time entrants to youth justice a little over 1 in 1,000
children aged 10-17 a year; NEET about 3.5% of 16-17 year olds with 2.2% not known.
Each rises with the family's risk, so children known to one service are more often
known to others, as in real authorities.
"""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta

from childhub.calendar import add_years, age_on
from childhub.identifiers import make_upn
from childhub.synth.events import event_dates
from childhub.synth.model import (
    Child,
    Enrolment,
    Exclusion,
    Household,
    NeetRecord,
    PoliceNotification,
    SenProvision,
    TermAttendance,
    YouthJusticeOutcome,
)
from childhub.synth.names import WeightedChoice

TERMS = (("AUT", 9, 1, 140), ("SPR", 1, 5, 120), ("SUM", 4, 20, 126))  # name, month, day, sessions
SEN_NEEDS = WeightedChoice(
    ["SLCN", "SEMH", "ASD", "MLD", "SPLD", "OTH", "SLD", "PD", "HI", "VI", "MSI", "PMLD", "NSA"],
    [24, 20, 14, 12, 9, 4, 3, 3, 2, 1, 0.3, 0.8, 2],
)
SUSPENSION_REASONS = WeightedChoice(
    ["PP", "VP", "PA", "AT", "DM", "DA", "BU", "RA", "SM", "TH", "OT"],
    [45, 15, 14, 4, 7, 3, 3, 2, 1, 2, 4],
)
YJ_OUTCOMES = WeightedChoice(
    [
        "Youth caution",
        "Youth conditional caution",
        "Outcome 22",
        "Referral order",
        "Youth rehabilitation order",
        "Detention and training order",
    ],
    [30, 12, 18, 25, 11, 4],
)


def academic_year(on: date) -> int:
    """The calendar year in which the academic year containing ``on`` started."""
    return on.year if on.month >= 9 else on.year - 1


def school_start_year(dob: date) -> int:
    """Reception starts in the September after the fourth birthday (1 Sep - 31 Aug cohorts)."""
    return dob.year + 4 if dob.month < 9 else dob.year + 5


class Schools:
    """Schools of the authority: primaries by locality, a few secondaries."""

    def __init__(self, rng: random.Random, la_number: int, children_0_17: int):
        self.la_number = la_number
        primaries = max(3, round(children_0_17 * 7 / 18 / 260))
        secondaries = max(1, round(children_0_17 * 5 / 18 / 1000))
        self.primary = [
            (f"{900000 + n:06d}", f"{la_number}{2000 + n:04d}", f"Primary School {n}", "Primary")
            for n in range(1, primaries + 1)
        ]
        self.secondary = [
            (f"{950000 + n:06d}", f"{la_number}{4000 + n:04d}", f"Academy {n}", "Secondary")
            for n in range(1, secondaries + 1)
        ]
        self.rng = rng
        self._serial: dict[tuple[str, int], int] = {}

    @property
    def all(self):
        return self.primary + self.secondary

    def upn(self, laestab: str, year: int) -> str:
        key = (laestab, year)
        self._serial[key] = self._serial.get(key, 0) + 1
        return make_upn(self.la_number, int(laestab[-4:]), year, self._serial[key])


class ServicesSimulator:
    def __init__(self, rng: random.Random, as_at: date, history_start: date, schools: Schools):
        self.rng = rng
        self.as_at = as_at
        self.history_start = history_start
        self.schools = schools

    def simulate(self, household: Household) -> None:
        rng = self.rng
        locality = household.residences[0].address.locality
        primary = self.schools.primary[zlib.crc32(locality.encode()) % len(self.schools.primary)]
        secondary = rng.choice(self.schools.secondary)
        for child in household.children:
            self._school(child, household, primary, secondary)
            self._youth_justice(child)
            self._neet(child)
        self._police(household)

    # schools ---------------------------------------------------------------------------
    def _school(self, child: Child, household: Household, primary, secondary) -> None:
        rng = self.rng
        start_year = school_start_year(child.dob)
        reception = date(start_year, 9, 1)
        leave_year11 = date(start_year + 12, 7, 20)
        if reception > self.as_at or leave_year11 < add_years(self.history_start, -1):
            return
        if rng.random() < 0.06:  # independent school or elective home education: not in the census
            return
        risk = child.risk
        child.upn = self.schools.upn(primary[1], start_year)
        if rng.random() < 0.015:
            child.former_upn = self.schools.upn(primary[1], start_year - 1)
        child.fsm = rng.random() < min(0.85, 0.17 + 0.12 * risk)
        move_to_secondary = date(start_year + 7, 9, 1)
        child.enrolments.append(
            Enrolment(
                primary[0],
                primary[1],
                "Primary",
                reception,
                move_to_secondary - timedelta(days=40) if move_to_secondary <= self.as_at else None,
            )
        )
        if move_to_secondary <= self.as_at:
            child.enrolments.append(
                Enrolment(
                    secondary[0],
                    secondary[1],
                    "Secondary",
                    move_to_secondary,
                    leave_year11 if leave_year11 <= self.as_at else None,
                )
            )
        # each child has an underlying absence propensity, higher with family risk
        base = rng.betavariate(2, 34) + 0.007 * min(risk, 12) + (0.015 if child.fsm else 0)
        if rng.random() < 0.012 + 0.006 * min(risk, 10):
            base += rng.uniform(0.3, 0.6)  # severe absence
        base = min(base, 0.95)
        # in care, school attendance is watched over by the virtual school: looked-after children miss far less
        # than their family's risk suggests (persistent absence about 19% of those looked after 12 months)
        in_care = [(p.start, p.end) for p in child.care_periods]
        in_care_base = min(base, rng.betavariate(2, 30) + 0.016) if in_care else base
        first_year = max(start_year, academic_year(self.history_start))
        for year in range(first_year, academic_year(self.as_at) + 1):
            for term, month, day, sessions in TERMS:
                term_start = date(year + (1 if month < 9 else 0), month, day)
                if term_start + timedelta(days=60) > self.as_at or term_start > leave_year11:
                    continue
                enrolment = child.enrolments[-1] if term_start >= move_to_secondary else child.enrolments[0]
                looked_after = any(start <= term_start and (end is None or end > term_start) for start, end in in_care)
                rate = min(0.98, max(0.0, rng.gauss(in_care_base if looked_after else base, 0.025)))
                missed = round(sessions * rate)
                authorised = round(missed * rng.uniform(0.45, 0.8))
                child.attendance.append(
                    TermAttendance(
                        f"{year}/{(year + 1) % 100:02d}",
                        term,
                        sessions,
                        authorised,
                        missed - authorised,
                        enrolment.school_urn,
                    )
                )
        # suspensions and exclusions, concentrated in secondary school and risky families
        for enrolment in child.enrolments:
            span_start = max(enrolment.entry, self.history_start)
            span_end = min(enrolment.leaving or self.as_at, self.as_at)
            if span_end <= span_start:
                continue
            rate = (0.06 if enrolment.phase == "Secondary" else 0.012) * (0.4 + 1.6 * min(risk, 8))
            rate *= 1.5 if child.sex == "M" else 0.7
            for moment in event_dates(rng, rate, span_start, span_end - timedelta(days=1)):
                if moment.weekday() >= 5 or moment.month == 8:
                    continue
                permanent = rng.random() < 0.011
                child.exclusions.append(
                    Exclusion(
                        moment,
                        "PERM" if permanent else "SUSP",
                        SUSPENSION_REASONS.draw(rng),
                        0 if permanent else rng.choice([1, 2, 2, 4, 6, 10]),
                        enrolment.school_urn,
                    )
                )
                if permanent:
                    enrolment.leaving = moment
                    break
        # SEN: support or an EHC plan, more likely with disability and family risk
        roll = rng.random()
        ehc = 0.045 + (0.35 if child.disabilities else 0) + 0.006 * min(risk, 10)
        support = 0.26 + 0.01 * min(risk, 10)
        if roll < ehc:
            identified = reception + timedelta(days=rng.randint(0, 365 * 6))
            if identified <= self.as_at:
                child.sen.append(
                    SenProvision(
                        "E",
                        identified,
                        None,
                        SEN_NEEDS.draw(rng),
                        ehc_request=identified - timedelta(days=rng.randint(90, 200)),
                    )
                )
        elif roll < ehc + support:
            identified = reception + timedelta(days=rng.randint(0, 365 * 5))
            if identified <= self.as_at:
                end = identified + timedelta(days=rng.randint(700, 4000))
                child.sen.append(SenProvision("K", identified, end if end <= self.as_at else None, SEN_NEEDS.draw(rng)))

    # youth justice, police, NEET ------------------------------------------------------------
    def _youth_justice(self, child: Child) -> None:
        rng = self.rng
        ten = add_years(child.dob, 10)
        eighteen = add_years(child.dob, 18)
        start = max(ten, self.history_start)
        end = min(eighteen, self.as_at)
        if end <= start:
            return
        rate = 0.0012 * (0.3 + 1.4 * min(child.risk, 12)) * (1.8 if child.sex == "M" else 0.4)
        if child.care_periods:
            rate *= 3
        moment = start
        first = True
        while True:
            upcoming = event_dates(rng, rate, moment, end - timedelta(days=1))
            if not upcoming:
                return
            moment = upcoming[0]
            outcome_date = moment + timedelta(days=rng.randint(14, 120))
            if outcome_date > self.as_at:
                return
            child.youth_justice.append(
                YouthJusticeOutcome(
                    moment,
                    outcome_date,
                    YJ_OUTCOMES.draw(rng),
                    rng.choice(["Pre-court", "First-tier", "Community"]),
                    first,
                )
            )
            first = False
            rate *= 2.5  # reoffending is far likelier than a first offence

    def _police(self, household: Household) -> None:
        rng = self.rng
        rate = 0.012 * (0.1 + min(household.risk, 14))
        for moment in event_dates(rng, rate, self.history_start, self.as_at):
            reference = f"DA{moment:%y}{rng.randint(100000, 999999)}"
            notified = moment + timedelta(days=rng.choice([0, 1, 1, 1, 2, 3]))
            for child in household.children:
                if child.enrolments and any(
                    e.entry <= moment and (e.leaving is None or e.leaving >= moment) for e in child.enrolments
                ):
                    child.police.append(PoliceNotification(moment, notified, reference))

    def _neet(self, child: Child) -> None:
        rng = self.rng
        month_end = date(self.as_at.year, self.as_at.month, 1) - timedelta(days=1)
        ends = []
        for _ in range(12):
            ends.append(month_end)
            month_end = date(month_end.year, month_end.month, 1) - timedelta(days=1)
        p_neet = min(0.6, 0.02 + 0.012 * min(child.risk, 12) + (0.2 if child.care_periods else 0))
        status = None
        for end in reversed(ends):
            if not 16 <= age_on(child.dob, end) <= 17:
                continue
            if status is None or rng.random() < 0.12:
                roll = rng.random()
                status = "NEET" if roll < p_neet else "UNKNOWN" if roll < p_neet + 0.022 else "EET"
            code = {
                "NEET": rng.choice(["540", "550", "610", "620"]),
                "UNKNOWN": "810",
                "EET": rng.choice(["210", "220", "230", "240", "310", "320"]),
            }[status]
            child.neet.append(NeetRecord(end, status, code))
