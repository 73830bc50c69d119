"""Source records: how each system identifies a child, and the truth behind it.

Every system gives a child its own key, in its own scheme, and keeps its own copy of
the child's details (with that system's noise). ``SourceRegistry`` hands out those
keys and copies, and remembers the truth row (source, source_record_id, person_id,
household_id) for each, so that every record in every extract is in ``truth.csv``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from childhub.synth.model import Address, Authority, Child, Household
from childhub.synth.noise import Noise

# system -> (ID format, share of records holding the NHS number, share holding the UPN)
SYSTEMS = {
    "social_care": ("{n}", 0.72, 0.65),
    "education": ("PUP{n:07d}", 0.0, 1.0),
    "sen": ("SEN{n:06d}", 0.35, 0.92),
    "youth_justice": ("YJ{n:06d}", 0.25, 0.45),
    "police": ("NOM{n:07d}", 0.0, 0.0),
    "neet": ("YP{n:06d}", 0.05, 0.75),
}


@dataclass(slots=True)
class SourceRecord:
    """One system's record of one child."""

    system: str
    record_id: str
    child: Child
    forename: str
    surname: str
    middle_name: str | None
    dob: date
    sex: str
    nhs_number: str | None
    upn: str | None
    address: Address | None


class SourceRegistry:
    def __init__(self, authority: Authority, seed: int, noise_rate: float):
        """Record keys come from one random stream and noise from another, so the noise
        rate changes the details a system holds but never which records exist."""
        self.authority = authority
        self.rng = rng = random.Random(f"{seed}:record-keys")
        self.noise = Noise(random.Random(f"{seed}:noise"), noise_rate)
        self.households: dict[str, Household] = {h.household_id: h for h in authority.households}
        self._records: dict[tuple[str, str, int], SourceRecord] = {}
        self._counters: dict[str, int] = {name: 0 for name in SYSTEMS}
        self.truth: list[tuple[str, str, str, str]] = []
        # social-care person IDs look like a case-management system's: 6-7 digit numbers
        self._counters["social_care"] = 100_000 + rng.randint(0, 50_000)

    def record(self, system: str, child: Child, on: date, copy: int = 0) -> SourceRecord:
        """The record ``system`` holds for ``child`` (``copy`` > 0: a duplicate record)."""
        key = (system, child.person_id, copy)
        found = self._records.get(key)
        if found is not None:
            return found
        pattern, nhs_share, upn_share = SYSTEMS[system]
        self._counters[system] += self.rng.randint(1, 3) if system == "social_care" else 1
        record_id = pattern.format(n=self._counters[system])
        noise = self.noise
        household = self.households.get(child.household_id)
        statutory = system == "social_care"  # checked every year by DfE returns: dates and sex true
        record = SourceRecord(
            system=system,
            record_id=record_id,
            child=child,
            forename=noise.forename(child.forename),
            surname=noise.surname(child, household),
            middle_name=child.middle_name if noise.keep(0.7) else None,
            dob=child.dob if statutory else noise.dob(child.dob),
            sex=child.sex if statutory else noise.sex(child.sex),
            nhs_number=child.nhs_number if noise.keep(nhs_share) else None,
            upn=child.upn if child.upn and noise.keep(upn_share) else None,
            address=noise.address(household, on),
        )
        if copy:  # a duplicate typed afresh, made because nobody found the UPN: details differ more
            record.forename = noise.forename(record.forename)
            record.upn = None
            record.nhs_number = record.nhs_number if noise.keep(0.5) else None
        self._records[key] = record
        self.truth.append((system, record_id, child.person_id, child.household_id))
        return record

    def write_truth(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "source_record_id", "person_id", "household_id"])
            writer.writerows(sorted(self.truth))


def ddmmyyyy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def write_csv(path: Path, header: list[str], rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
