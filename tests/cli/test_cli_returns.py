"""``childhub returns``: the SSDA903 tables and the CIN census of a collection year written from a hand-built store;
every problem one plain line; the children written recorded in the audit log."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.audit import events
from helpers import run


@pytest.fixture
def store(history):
    # A girl in care from 10/02/2024, and a boy referred on 01/03/2025 (closed 30/06/2025): 2026 holds both.
    history.child("A", dob=date(2012, 5, 1), sex="F", pers_upn_unknown="UN5")
    history.child("C", dob=date(2016, 7, 4), sex="M", pers_upn="B123456789012")
    history.episode("A", date(2024, 2, 10), "S", "C2", "U4", "PR1")
    history.add(
        "cin_episodes",
        cine_person_id="C",
        cine_referral_date=date(2025, 3, 1),
        cine_referral_source_code="2A",
        cine_cin_primary_need_code="N1",
        cine_close_date=date(2025, 6, 30),
        cine_close_reason="RC8",
        cine_referral_nfa="N",
    )
    return history.store()


@pytest.mark.slow
def test_returns_writes_the_ssda903_tables_and_a_valid_cin_census(store, tmp_path):
    out = tmp_path / "returns"
    result = run("returns", "--year", "2026", "--out", str(out), "--lea", "201", data_dir=store.data_dir, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("SSDA903 2026: 1 children, header.csv 1, episodes.csv 1,")
    assert (
        lines[1]
        == f"CIN census 2026: 1 children in {out / 'cin' / 'CIN_Census_2026.xml'} (valid against CIN_schema_2024.xsd)"
    )
    assert (out / "ssda903" / "episodes.csv").read_bytes() == (
        b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
        b"A,10/02/2024,S,C2,,U4,PR1,,,,,,\r\n"
    )
    xml = (out / "cin" / "CIN_Census_2026.xml").read_text("utf-8")
    assert "<LEA>201</LEA>" in xml and "<LAchildID>C</LAchildID>" in xml and "<Sex>M</Sex>" in xml
    assert "<CINclosureDate>2025-06-30</CINclosureDate>" in xml
    event = events(store.data_dir, action="export_returns", limit=1)[0]
    assert event.channel == "cli" and event.subject == "2026" and set(event.children) == {"A", "C"}


@pytest.mark.slow
def test_a_year_with_only_one_return_writes_that_one_and_says_so(store, tmp_path):
    out = tmp_path / "returns"
    result = run("returns", "--year", "2024", "--out", str(out), data_dir=store.data_dir, check=True)
    assert (
        result.stdout.splitlines()[1]
        == "CIN census 2024: the store holds no CIN census data for the year; nothing written"
    )
    assert (out / "ssda903" / "header.csv").exists() and not (out / "cin").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--year", "2030"],
            "error: the store holds nothing for the year ending 31 March 2030 (it holds 2024, 2025, 2026)",
        ),
        (["--year", "2026", "--lea", "20"], "error: --lea '20' should be the three-digit LA number (for example 201)"),
        (["--year", "26"], "error: --year 26 is not a collection year (for 2025-26 give 2026)"),
    ],
)
def test_each_problem_is_one_plain_line(store, tmp_path, args, message):
    result = run("returns", *args, "--out", str(tmp_path / "out"), data_dir=store.data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert not (tmp_path / "out").exists()


def test_a_store_with_nothing_yet_is_one_plain_line(history, tmp_path):
    store = history.store()
    result = run("returns", "--year", "2026", "--out", str(tmp_path / "out"), data_dir=store.data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the store holds nothing for the year ending 31 March 2026 (it holds no SSDA903 or CIN data yet)"
    )
