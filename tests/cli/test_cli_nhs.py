"""``childhub nhs-readiness`` and ``childhub nhs-trace`` on a hand-built store: the figures as numbers and words,
the trace request written through childhub.exports and audited, and its response loaded back with ingest."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from childhub.audit import events
from helpers import run

A, B = "9434765919", "4010232137"  # valid check digits (childhub.identifiers); "=1+1" is a formula to neutralise


@pytest.fixture
def store(history):
    history.child("S1", dob=date(2015, 6, 1), child_id=1, pers_nhs_number=A, pers_surname="Cole", pers_forename="Amy")
    history.child("E1", dob=date(2015, 6, 1), child_id=1, source_system="education", pers_surname="=1+1")
    history.child("S2", dob=None, child_id=2, pers_expected_dob=date(2027, 1, 1))  # unborn: no date of birth
    return history.store()


def test_readiness_as_json_gives_numbers_and_words(store):
    result = run("nhs-readiness", "--format", "json", data_dir=store.data_dir, check=True)
    found = json.loads(result.stdout)
    rows = {(row["group"], row["name"]): row for row in found["rows"]}
    social_care = rows["Source system", "Children's social care"]
    assert (social_care["records"], social_care["records with a valid NHS number"], social_care["coverage %"]) == (
        2,
        1,
        50.0,
    )
    assert rows["Source system", "Education"]["children with none"] == 1
    assert found["overall"] == {
        "children known to two or more services": 0,
        "could be matched on NHS number alone": 0,
        "share %": None,
    }


def test_readiness_as_a_table_ends_with_the_overall_share(store):
    result = run("nhs-readiness", data_dir=store.data_dir, check=True)
    assert "Education" in result.stdout and "social_care" not in result.stdout and "education" not in result.stdout
    assert result.stdout.strip().splitlines()[-1] == (
        "0 of the 0 children known to two or more services could be matched on NHS number alone"
    )


@pytest.mark.slow
def test_the_trace_request_is_written_safely_audited_and_loads_back(store, tmp_path):
    request = tmp_path / "trace.csv"
    result = run("nhs-trace", "--out", str(request), data_dir=store.data_dir, check=True)
    assert result.stdout.splitlines() == [
        f"Wrote 1 records of 1 children to {request} (1 no valid NHS number)",
        "1 more records hold no date of birth, so were left out (the trace needs one)",
    ]
    text = request.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and b"\r\n" in text  # childhub.exports: a BOM on files, CRLF
    lines = text.decode("utf-8-sig").splitlines()
    assert lines == [
        "UNIQUE REFERENCE,NHS_NO,FAMILY_NAME,GIVEN_NAME,GENDER,DATE_OF_BIRTH,POSTCODE",
        "education-E1,,'=1+1,,2,20150601,",  # the formula neutralised
    ]
    event = events(store.data_dir, action="export_nhs_trace", limit=1)[0]
    assert event.channel == "cli" and event.children == ("C1",) and event.subject == "every system"
    # the NHS's response: the request's rows, the traced number and the outcome
    with request.open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.reader(handle))[1:]
    response = tmp_path / "response.csv"
    response.write_text(
        "UNIQUE REFERENCE,NHS_NO,FAMILY_NAME,GIVEN_NAME,GENDER,DATE_OF_BIRTH,POSTCODE,MATCHED_NHS_NO,TRACE_OUTCOME\n"
        + ",".join(row)
        + f",{A},matched\n"
    )
    run("ingest", str(response), data_dir=store.data_dir, check=True)
    found = json.loads(run("nhs-readiness", "--format", "json", data_dir=store.data_dir, check=True).stdout)
    education = next(row for row in found["rows"] if row["name"] == "Education")
    assert education["records with a valid NHS number"] == 1 and education["numbers found by a trace"] == 1
    again = tmp_path / "again.csv"
    run("nhs-trace", "--out", str(again), "--system", "education", data_dir=store.data_dir, check=True)
    assert again.read_text("utf-8-sig").splitlines() == [lines[0]]  # nothing left to trace there


@pytest.mark.slow
def test_a_response_for_a_record_not_held_is_one_line_and_loads_nothing(store, tmp_path):
    response = tmp_path / "response.csv"
    response.write_text(f"UNIQUE REFERENCE,MATCHED_NHS_NO,TRACE_OUTCOME\nsocial_care-S1,{B},matched\nsocial_care-Z,,\n")
    result = run("ingest", str(response), data_dir=store.data_dir)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "response.csv: row 3: reference 'social_care-Z' names no record childhub holds" in result.stdout + (
        result.stderr
    )
    found = json.loads(run("nhs-readiness", "--format", "json", data_dir=store.data_dir, check=True).stdout)
    assert all(row["numbers found by a trace"] == 0 for row in found["rows"])


def test_a_system_not_held_is_one_plain_line(store, tmp_path):
    result = run("nhs-trace", "--out", str(tmp_path / "x.csv"), "--system", "health", data_dir=store.data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "error: no source system 'health' holds records here; held: education, social_care"
    assert not (tmp_path / "x.csv").exists()
