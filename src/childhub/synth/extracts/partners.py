"""Extracts of the partner systems: schools, SEN, youth justice, police and NEET tracking.

Each system has its own IDs and its own copy of a child's details (with noise), and
holds the shared identifiers (UPN, NHS number) at its own rate.
"""

from __future__ import annotations

from pathlib import Path

from childhub.synth.extracts.registry import SourceRegistry, iso, write_csv
from childhub.synth.model import Authority


def _address_fields(record):
    if record.address is None:
        return ["", "", ""]
    return [record.address.line1, record.address.locality, record.address.postcode]


def write_education(authority: Authority, registry: SourceRegistry, folder: Path) -> dict[str, int]:
    pupils = [c for c in authority.children() if c.enrolments]
    schools = {urn: (laestab, name, phase) for urn, laestab, name, phase in authority.schools}
    counts = {}

    def pupil_rows():
        for child in pupils:
            record = registry.record("education", child, authority.as_at)
            for enrolment in child.enrolments:
                sen = next(
                    (s.provision for s in child.sen if s.start <= (enrolment.leaving or authority.as_at)),
                    "N",
                )
                yield [
                    record.record_id,
                    child.upn,
                    child.former_upn or "",
                    record.forename,
                    record.middle_name or "",
                    record.surname,
                    iso(record.dob),
                    record.sex,
                    child.ethnicity,
                    *_address_fields(record),
                    enrolment.school_urn,
                    schools[enrolment.school_urn][0],
                    enrolment.phase,
                    iso(enrolment.entry),
                    iso(enrolment.leaving),
                    "Y" if child.fsm else "N",
                    sen,
                ]

    counts["pupils.csv"] = write_csv(
        folder / "pupils.csv",
        [
            "pupil_id",
            "upn",
            "former_upn",
            "forename",
            "middle_names",
            "surname",
            "date_of_birth",
            "sex",
            "ethnicity",
            "address_line1",
            "locality",
            "postcode",
            "school_urn",
            "laestab",
            "phase",
            "entry_date",
            "leaving_date",
            "fsm_eligible",
            "sen_provision",
        ],
        pupil_rows(),
    )
    counts["attendance.csv"] = write_csv(
        folder / "attendance.csv",
        [
            "pupil_id",
            "upn",
            "school_urn",
            "academic_year",
            "term",
            "sessions_possible",
            "sessions_authorised_absence",
            "sessions_unauthorised_absence",
        ],
        (
            [
                registry.record("education", c, authority.as_at).record_id,
                c.upn,
                t.school_urn,
                t.academic_year,
                t.term,
                t.possible,
                t.authorised,
                t.unauthorised,
            ]
            for c in pupils
            for t in c.attendance
        ),
    )
    counts["exclusions.csv"] = write_csv(
        folder / "exclusions.csv",
        ["pupil_id", "upn", "school_urn", "start_date", "category", "reason", "sessions"],
        (
            [
                registry.record("education", c, authority.as_at).record_id,
                c.upn,
                e.school_urn,
                iso(e.start),
                e.category,
                e.reason,
                e.sessions,
            ]
            for c in pupils
            for e in c.exclusions
        ),
    )
    return counts


def write_sen(authority: Authority, registry: SourceRegistry, folder: Path) -> dict[str, int]:
    def rows():
        for child in authority.children():
            for provision in child.sen:
                record = registry.record("sen", child, provision.start)
                yield [
                    record.record_id,
                    record.upn or "",
                    record.nhs_number or "",
                    record.forename,
                    record.surname,
                    iso(record.dob),
                    record.sex,
                    *_address_fields(record)[2:],
                    provision.provision,
                    provision.primary_need,
                    iso(provision.ehc_request),
                    iso(provision.start),
                    iso(provision.end),
                ]

    return {
        "sen.csv": write_csv(
            folder / "sen.csv",
            [
                "sen_id",
                "upn",
                "nhs_number",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "postcode",
                "provision",
                "primary_need",
                "ehc_request_date",
                "start_date",
                "end_date",
            ],
            rows(),
        )
    }


def write_youth_justice(authority: Authority, registry: SourceRegistry, folder: Path) -> dict[str, int]:
    def rows():
        for child in authority.children():
            for outcome in child.youth_justice:
                record = registry.record("youth_justice", child, outcome.offence_date)
                yield [
                    record.record_id,
                    record.forename,
                    record.surname,
                    iso(record.dob),
                    record.sex,
                    record.upn or "",
                    record.nhs_number or "",
                    *_address_fields(record),
                    iso(outcome.offence_date),
                    iso(outcome.outcome_date),
                    outcome.outcome,
                    outcome.tier,
                    "Y" if outcome.first_time_entrant else "N",
                ]

    return {
        "youth_justice.csv": write_csv(
            folder / "youth_justice.csv",
            [
                "yj_id",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "upn",
                "nhs_number",
                "address_line1",
                "locality",
                "postcode",
                "offence_date",
                "outcome_date",
                "outcome",
                "tier",
                "first_time_entrant",
            ],
            rows(),
        )
    }


def write_police(authority: Authority, registry: SourceRegistry, folder: Path) -> dict[str, int]:
    schools = {urn: name for urn, _laestab, name, _phase in authority.schools}

    def rows():
        number = 0
        for child in authority.children():
            for notification in child.police:
                record = registry.record("police", child, notification.incident)
                school = next(
                    (
                        e.school_urn
                        for e in child.enrolments
                        if e.entry <= notification.incident
                        and (e.leaving is None or e.leaving >= notification.incident)
                    ),
                    "",
                )
                number += 1
                yield [
                    f"N{number:07d}",
                    notification.reference,
                    record.record_id,
                    record.forename,
                    record.surname,
                    iso(record.dob),
                    *_address_fields(record),
                    iso(notification.incident),
                    iso(notification.notified),
                    schools.get(school, ""),
                    school,
                ]

    return {
        "police_notifications.csv": write_csv(
            folder / "police_notifications.csv",
            [
                "notification_id",
                "incident_reference",
                "nominal_id",
                "forename",
                "surname",
                "date_of_birth",
                "address_line1",
                "locality",
                "postcode",
                "incident_date",
                "notification_date",
                "school_name",
                "school_urn",
            ],
            rows(),
        )
    }


def write_neet(authority: Authority, registry: SourceRegistry, folder: Path) -> dict[str, int]:
    def rows():
        for child in authority.children():
            for status in child.neet:
                record = registry.record("neet", child, status.month_end)
                yield [
                    record.record_id,
                    record.upn or "",
                    record.forename,
                    record.surname,
                    iso(record.dob),
                    record.sex,
                    record.address.postcode if record.address else "",
                    iso(status.month_end),
                    status.code,
                    status.activity,
                ]

    return {
        "neet.csv": write_csv(
            folder / "neet.csv",
            [
                "young_person_id",
                "upn",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "postcode",
                "month_end",
                "activity_code",
                "activity_group",
            ],
            rows(),
        )
    }
