"""The case-management system's own CSV extracts: persons, carers, addresses over time,
contacts, early help, allocations, workers and teams.

Their layout is the synthetic authority's own (no national format): ``childhub.synth``'s
mappings (``synth/mappings/synthetic_*.yml``) tell ingest how to read them.
"""

from __future__ import annotations

import random
from pathlib import Path

from childhub.synth.extracts.registry import iso, write_csv
from childhub.synth.extracts.social_care_system import SocialCareSystem
from childhub.synth.noise import typo

CONTACT_OUTCOMES = ["No further action", "Information and advice", "Signposted to early help", "Passed to early help"]
COLUMNS: dict[str, tuple[str, ...]] = {
    "persons.csv": (
        "person_id", "forename", "middle_names", "surname", "date_of_birth", "sex", "ethnicity", "nhs_number",
        "upn", "address_line1", "locality", "postcode", "disabilities",
    ),
    "carers.csv": ("person_id", "carer_forename", "carer_surname", "carer_date_of_birth", "relationship"),
    "addresses.csv": ("person_id", "address_line1", "locality", "postcode", "start_date", "end_date"),
    "contacts.csv": ("contact_id", "person_id", "contact_date", "source_code", "outcome"),
    "early_help.csv": (
        "episode_id", "person_id", "start_date", "end_date", "reason", "end_reason", "organisation",
        "assessment_completed_date",
    ),
    "allocations.csv": ("allocation_id", "person_id", "worker_id", "team_id", "start_date", "end_date", "role"),
    "workers.csv": ("worker_id", "name", "team_id", "role", "fte", "agency"),
    "teams.csv": ("team_id", "team_name", "service"),
}  # fmt: skip


def write_case_management(system: SocialCareSystem, folder: Path) -> dict[str, int]:
    """Write every case-management table into ``folder``; the rows written, by file name."""
    tables = {
        "persons.csv": _person_rows(system),
        "carers.csv": _carer_rows(system),
        "addresses.csv": _address_rows(system),
        "contacts.csv": _contact_rows(system),
        "early_help.csv": _early_help_rows(system),
        "allocations.csv": _allocation_rows(system),
        "workers.csv": (
            [w.worker_id, w.name, w.team_id, w.role, w.fte, "Y" if w.agency else "N"] for w in system.authority.workers
        ),
        "teams.csv": ([t.team_id, t.name, t.service] for t in system.authority.teams),
    }
    return {name: write_csv(folder / name, COLUMNS[name], rows) for name, rows in tables.items()}


def _person_rows(system: SocialCareSystem):
    """Every person record, the second record of a child registered twice included."""
    records = {}
    for child in system.children:
        for referral in child.referrals:
            pid = system.referral_person_id(referral)
            records[pid] = system.registry.record(
                "social_care", child, referral.date, copy=0 if pid == system.person_id(child) else 1
            )
        records[system.person_id(child)] = system.registry.record("social_care", child, system.authority.as_at)
    for r in sorted(records.values(), key=lambda r: int(r.record_id)):
        yield [
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


def _carer_rows(system: SocialCareSystem):
    """Each child's parents and step-parents as the case record holds them (a few typos)."""
    relationship = {"mother": "Mother", "father": "Father", "stepfather": "Stepfather"}
    for child in system.children:
        household = system.registry.households.get(child.household_id)
        if household is None:
            continue
        for adult in household.adults:
            rng = random.Random(f"carer:{child.person_id}:{adult.person_id}")
            forename = adult.forename if rng.random() > 0.03 else typo(rng, adult.forename)
            yield [
                system.person_id(child),
                forename,
                adult.surname,
                iso(adult.dob),
                relationship.get(adult.role, "Carer"),
            ]


def _address_rows(system: SocialCareSystem):
    """Each child's homes over time, as the case record holds them."""
    for child in system.children:
        household = system.registry.households.get(child.household_id)
        if household is None:
            continue
        residences = household.residences
        for index, residence in enumerate(residences):
            end = residences[index + 1].start if index + 1 < len(residences) else None
            if end is not None and end <= child.dob:  # moved out before the child was born
                continue
            start = max(residence.start, child.dob)
            address = residence.address
            yield [system.person_id(child), address.line1, address.locality, address.postcode, iso(start), iso(end)]


def _contact_rows(system: SocialCareSystem):
    number = 0
    for child in system.children:
        pid = system.person_id(child)
        for contact in sorted(child.contacts, key=lambda c: c.date):
            number += 1
            outcome = (
                "Referral to children's social care" if contact.became_referral else system.rng.choice(CONTACT_OUTCOMES)
            )
            yield [f"C{number:07d}", pid, iso(contact.date), contact.source, outcome]


def _early_help_rows(system: SocialCareSystem):
    number = 0
    for child in system.children:
        pid = system.person_id(child)
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


def _allocation_rows(system: SocialCareSystem):
    """Case responsibility for each referral, each period in care's social workers, the early help team's
    workers, and care leavers' personal advisers."""
    number = 0
    for child in system.children:
        held = [
            (system.referral_person_id(r), a, "Case responsibility") for r in child.referrals for a in r.allocations
        ]
        held += [
            (system.person_id(child), a, "Child in care social worker")
            for period in child.care_periods
            for a in period.social_workers
        ]
        held += [(system.person_id(child), a, "Early help worker") for e in child.early_help for a in e.allocations]
        if child.leaving_care:
            held += [(system.person_id(child), a, "Personal adviser") for a in child.leaving_care.advisers]
        for pid, allocation, role in held:
            number += 1
            yield [
                f"A{number:07d}",
                pid,
                allocation.worker_id or "",
                allocation.team_id,
                iso(allocation.start),
                iso(allocation.end),
                role,
            ]
