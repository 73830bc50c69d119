"""The NHS number's readiness, and the batch trace round trip, on a hand-built store.

The store (worked by hand below): five children, NHS numbers A, B, C, D valid, X failing its check digit.

    child  social care   education   SEN      services known
    C1     S1: A         E1: -       N1: A    social care, early help
    C2     S2: B         E2: C       -        social care
    C3     S3: X         -           -        -
    C4     -             E4: A       -        -
    C5     S5: D         -           -        social care, early help
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml

from childhub import hub
from childhub.dq import findings, nhs_readiness, trace_request
from childhub.facts import prepare
from childhub.identifiers import is_valid_nhs_number
from childhub.ingest import NHS_TRACE
from helpers import counts

# Modulus 11 over the first nine digits, weights 10 down to 2: for C, 1*10 + 2*9 + 3*8 + 4*7 + 5*6 + 6*5 + 7*4 +
# 8*3 + 8*2 = 208, 208 mod 11 = 10, 11 - 10 = 1, the check digit.
A, B, C, D, E = "9434765919", "4010232137", "1234567881", "5550001128", "7000000023"
X = "9434765918"  # A with the wrong check digit
DOB = date(2015, 6, 1)


@pytest.fixture
def store(history):
    assert all(is_valid_nhs_number(n) for n in (A, B, C, D, E)) and not is_valid_nhs_number(X)
    person = {"dob": DOB, "pers_surname": "Cole", "pers_forename": "Amy"}
    history.child("S1", child_id=1, pers_nhs_number=A, **person)
    history.child("E1", child_id=1, source_system="education", **person)
    history.child("N1", child_id=1, source_system="sen", pers_nhs_number=A, **person)
    history.child("S2", child_id=2, pers_nhs_number=B, **person)
    history.child("E2", child_id=2, source_system="education", pers_nhs_number=C, **person)
    history.child("S3", child_id=3, pers_nhs_number=X, **person)
    history.child("E4", child_id=4, source_system="education", pers_nhs_number=A, **person)
    history.child("S5", child_id=5, pers_nhs_number=D, **person)
    for referral, child in (("R1", "S1"), ("R2", "S2"), ("R5", "S5")):
        history.add(
            "cin_episodes", cine_referral_id=referral, cine_person_id=child, cine_referral_date=date(2025, 1, 6)
        )
    for episode, child in (("H1", "S1"), ("H5", "S5")):
        history.add(
            "early_help_episodes",
            earl_episode_id=episode,
            earl_person_id=child,
            earl_episode_start_date=date(2024, 5, 1),
        )
    return history.store()


def _rows(store) -> dict[tuple[str, str], dict]:
    with store.reader() as conn:
        readiness = nhs_readiness(conn)
    rows = {(row["group"], row["name"]): row for row in readiness.rows}
    rows["overall"] = readiness.overall()
    return rows


def _figures(row: dict) -> tuple:
    return tuple(
        row[name]
        for name in (
            "records",
            "records with a valid NHS number",
            "coverage %",
            "children",
            "children with a valid number",
            "children with none",
            "children with conflicting numbers",
            "numbers held for two or more children",
        )
    )


def test_readiness_per_system_per_service_and_overall(store):
    rows = _rows(store)
    # records, valid, coverage, children, with a number, with none, conflicting, numbers held for 2+ children
    assert _figures(rows["Source system", "Children's social care"]) == (4, 3, 75.0, 4, 3, 1, 0, 0)
    assert _figures(rows["Source system", "Education"]) == (3, 2, 66.7, 3, 2, 1, 0, 0)
    assert _figures(rows["Source system", "Special educational needs"]) == (1, 1, 100.0, 1, 1, 0, 0, 0)
    # a service's children (C1, C2, C5 for social care) with all their records in every system
    assert _figures(rows["Service", "Children's social care"]) == (6, 5, 83.3, 3, 3, 0, 1, 0)
    assert _figures(rows["Service", "Early help"]) == (4, 3, 75.0, 2, 2, 0, 0, 0)
    # every system: C2 holds B and C; A is held for C1 and C4
    assert _figures(rows["Every system", "Every system"]) == (8, 6, 75.0, 5, 4, 1, 1, 1)
    # C1 and C5 are known to two services; C1's number is also C4's (and education holds none for C1): only C5
    assert rows["overall"] == {
        "children known to two or more services": 2,
        "could be matched on NHS number alone": 1,
        "share %": 50.0,
    }


def test_the_trace_asks_for_records_without_a_valid_number_or_in_conflict(store):
    with store.reader() as conn:
        records, left_out = trace_request(conn)
        only_education, _ = trace_request(conn, "education")
    why = {(r.source_system, r.person_id): r.reason for r in records}
    assert why == {
        ("education", "E1"): "no valid NHS number",
        ("social_care", "S3"): "no valid NHS number",  # X fails its check digit
        ("social_care", "S2"): "the child's records hold different NHS numbers",
        ("education", "E2"): "the child's records hold different NHS numbers",
        ("social_care", "S1"): "the NHS number is held for another child",
        ("sen", "N1"): "the NHS number is held for another child",
        ("education", "E4"): "the NHS number is held for another child",
    }
    assert left_out == 0
    assert {r.person_id for r in only_education} == {"E1", "E2", "E4"}
    rows = {r.person_id: dict(zip(NHS_TRACE.request_columns, r.row, strict=True)) for r in records}
    # the number is sent only when valid (for the trace to cross-check it); sex and date as PDS codes them
    assert rows["S2"] == {
        "UNIQUE REFERENCE": "social_care-S2",
        "NHS_NO": B,
        "FAMILY_NAME": "Cole",
        "GIVEN_NAME": "Amy",
        "GENDER": "2",
        "DATE_OF_BIRTH": "20150601",
        "POSTCODE": "",
    }
    assert rows["S3"]["NHS_NO"] == "" and rows["E1"]["UNIQUE REFERENCE"] == "education-E1"


def _response(request: Path, target: Path, numbers: dict[str, str]) -> Path:
    """The NHS's response as childhub reads it: the request's rows, the traced number and the outcome."""
    with request.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NHS_TRACE.response_columns)
        for row in rows:
            traced = numbers.get(row["UNIQUE REFERENCE"], "")
            writer.writerow([*row.values(), traced, "matched" if traced else "no match"])
    return target


@pytest.mark.slow
def test_a_trace_response_loads_back_and_readiness_rises(store, tmp_path):
    with store.reader() as conn:
        records, _ = trace_request(conn)
    request = tmp_path / "request.csv"
    request.write_text(",".join(NHS_TRACE.request_columns) + "\n" + "".join(",".join(r.row) + "\n" for r in records))
    # the trace finds E1 is A, S3 is E, S2 and E2 are both B, E4 is someone else's (no single match)
    traced = {"education-E1": A, "social_care-S3": E, "social_care-S2": B, "education-E2": B}
    response = _response(request, tmp_path / "response.csv", traced)
    [report] = hub.ingest(store, [response])
    assert report.status == "loaded" and report.kind == "nhs_trace_response" and report.rows_loaded == 4
    rows = _rows(store)
    assert _figures(rows["Source system", "Children's social care"]) == (4, 4, 100.0, 4, 4, 0, 0, 0)
    assert _figures(rows["Source system", "Education"]) == (3, 3, 100.0, 3, 3, 0, 0, 1)  # E1 and E4 hold A
    assert rows["Every system", "Every system"]["numbers found by a trace"] == 4
    # C2's conflict is gone; A is still held for C1 and C4 (E4 was not matched)
    assert _figures(rows["Every system", "Every system"]) == (8, 8, 100.0, 5, 5, 0, 0, 1)
    with store.reader() as conn:
        prepare(conn, ["allocation"])
        conflicts = findings(conn, rules=["HUB15"])
        numbers = dict(conn.execute("SELECT person_id, nhs_number FROM fact_person").fetchall())
    assert conflicts == []  # HUB15 read the traced numbers after the ingest
    assert numbers["E2"] == B and numbers["S3"] == E and numbers["E4"] == A
    # the history stays: the records' own numbers are untouched, the traced ones sit beside them
    with store.reader() as conn:
        own = conn.execute("SELECT pers_nhs_number FROM person WHERE pers_person_id = 'E2'").fetchall()
        kept = conn.execute("SELECT count(*) FROM linked_identifiers WHERE source_system = 'nhs_trace'").fetchone()
    assert own == [(C,)] and kept == (4,)


@pytest.mark.slow
def test_a_number_the_record_takes_after_the_trace_stands_over_the_traced_one(store, history, tmp_path):
    response = tmp_path / "response.csv"
    response.write_text(
        f"UNIQUE REFERENCE,MATCHED_NHS_NO,TRACE_OUTCOME\nsocial_care-S2,{C},matched\nsocial_care-S5,{A},matched\n"
    )
    assert hub.ingest(store, [response])[0].status == "loaded"
    with store.reader() as conn:
        prepare(conn, ["person"])
        numbers = dict(conn.execute("SELECT person_id, nhs_number FROM fact_person").fetchall())
    assert numbers["S2"] == C and numbers["S5"] == A
    history.add("person", pers_person_id="S2", pers_dob=DOB, pers_sex="F", pers_nhs_number=B)  # restated: still B
    history.add("person", pers_person_id="S5", pers_dob=DOB, pers_sex="F", pers_nhs_number=E)  # D corrected to E
    history.store()
    with store.writer() as conn:
        from childhub.facts import refresh

        refresh(conn)
    with store.reader() as conn:
        prepare(conn, ["person"])
        numbers = dict(conn.execute("SELECT person_id, nhs_number FROM fact_person").fetchall())
    assert numbers["S2"] == C  # B was the record's before the trace: the trace stands
    assert numbers["S5"] == E  # E came after the trace: the record's own number stands


def test_a_response_naming_a_record_not_held_loads_nothing(store, tmp_path):
    before = counts(store)
    response = tmp_path / "response.csv"
    response.write_text(
        "UNIQUE REFERENCE,MATCHED_NHS_NO,TRACE_OUTCOME\n"
        f"social_care-S3,{E},matched\n"
        f"social_care-S9,{D},matched\n"
        f"education-E9,{D},matched\n"
    )
    [report] = hub.ingest(store, [response])
    assert report.status == "failed"
    assert report.message == (
        "response.csv: row 3: reference 'social_care-S9' names no record childhub holds (and 1 more row(s) like "
        "it); nothing was loaded (is this the response to a request written from this store?)"
    )
    assert counts(store) == before


def test_the_response_mapping_reads_the_layout_written_once():
    mapping = yaml.safe_load(
        resources.files("childhub.ingest").joinpath("mappings", "nhs_trace_response.yml").read_text("utf-8")
    )
    assert mapping["kind"] == NHS_TRACE.response_kind
    assert mapping["key"] == [NHS_TRACE.request_columns[0]]
    assert mapping["detect"]["columns"] == [
        NHS_TRACE.request_columns[0],
        NHS_TRACE.matched_column,
        NHS_TRACE.outcome_column,
    ]
    columns = mapping["tables"]["linked_identifiers"]["columns"]
    assert columns["link_identifier_type"]["value"] == NHS_TRACE.traced_type
    assert columns["link_identifier_value"]["from"] == NHS_TRACE.matched_column
    person_sql = resources.files("childhub.facts").joinpath("sql", "person.sql").read_text("utf-8")
    assert f"link_identifier_type = '{NHS_TRACE.traced_type}'" in person_sql
    assert "f.source_system || '-' || f.person_id" in person_sql and NHS_TRACE.reference("a", "b") == "a-b"
