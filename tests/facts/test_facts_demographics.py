"""fact_child's name, date of birth and sex: chosen by agreement between systems, then recency where the declaration
says it counts, then the declared ranking of systems (facts/precedence.yml). Each case is worked by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from childhub.facts import prepare
from childhub.facts.precedence import PrecedenceError, load_precedence


def chosen(history, child_id: int) -> tuple:
    with history.store().reader() as conn:
        prepare(conn, ["child"])
        return conn.execute(
            "SELECT forename, surname, date_of_birth, sex FROM fact_child WHERE child_key = ?", [f"C{child_id}"]
        ).fetchone()


def extracted(history, source_system: str, day: date) -> None:
    """Date every batch of ``source_system`` as an extract taken on ``day``."""
    with history.store().writer() as conn:
        conn.execute("UPDATE ingest_batch SET extract_date = ? WHERE source_system = ?", [day, source_system])


def test_two_systems_agreeing_beat_the_one_that_differs(history):
    # Social care (first for dates of birth and sex, second for names) holds a typo, a swapped date and the other
    # sex; education and SEN agree with each other on all three. Two of three win every field.
    history.child("127", dob=date(2015, 2, 3), sex="F", child_id=7, pers_forename="Austin", pers_surname="Warf")
    for system in ("education", "sen"):
        history.child(
            f"{system}-7",
            dob=date(2015, 3, 2),
            sex="M",
            child_id=7,
            source_system=system,
            pers_forename="Austin",
            pers_surname="Ward",
        )
    assert chosen(history, 7) == ("Austin", "Ward", date(2015, 3, 2), "M")


def test_names_agree_whatever_their_case_and_the_most_reliable_spelling_is_shown(history):
    # "WARD " (SEN) and "Ward" (education) are one value held by two systems, shown as education (first for
    # names) writes it; social care's "Warf" is alone.
    history.child("127", dob=date(2015, 3, 2), child_id=7, pers_forename="Austin", pers_surname="Warf")
    history.child(
        "P7", dob=date(2015, 3, 2), child_id=7, source_system="education", pers_forename="AUSTIN", pers_surname="Ward"
    )
    history.child(
        "S7", dob=date(2015, 3, 2), child_id=7, source_system="sen", pers_forename="austin", pers_surname="WARD "
    )
    assert chosen(history, 7)[:2] == ("AUSTIN", "Ward")


def test_a_tie_goes_to_the_declared_ranking(history):
    # One against one, extracted the same day: names go to education (first for names), the date of birth to
    # social care (first for dates of birth).
    history.child("127", dob=date(2015, 2, 3), sex="F", child_id=7, pers_forename="Katiie", pers_surname="Lynch")
    history.child(
        "P7",
        dob=date(2015, 3, 2),
        sex="F",
        child_id=7,
        source_system="education",
        pers_forename="Katie",
        pers_surname="Lynch",
    )
    assert chosen(history, 7) == ("Katie", "Lynch", date(2015, 2, 3), "F")


def test_an_unknown_sex_never_beats_a_known_one(history):
    # Police and youth justice say U (not stated): two systems, but a known value from one system wins.
    history.child("127", dob=date(2012, 1, 9), sex="M", child_id=7, pers_forename="Muhammad", pers_surname="Ward")
    for system in ("police", "youth_justice"):
        history.child(f"{system}-7", dob=date(2012, 1, 9), sex="U", child_id=7, source_system=system)
    assert chosen(history, 7)[3] == "M"
    # With nothing known, the child is shown as not stated.
    history.child("128", dob=date(2012, 1, 9), sex="U", child_id=8)
    assert chosen(history, 8)[3] == "U"


def test_a_newer_record_beats_an_older_one_where_recency_counts(history):
    # One against one. Names count recency: social care's record (extracted 2026-11-30) is newer than education's
    # (2025-10-01), so its surname wins although education ranks first for names. Dates of birth do not: social
    # care ranks first for them, so its date stands when its record is the older one.
    history.child("127", dob=date(2015, 2, 3), child_id=7, pers_forename="Kwame", pers_surname="Mensah")
    history.child(
        "P7", dob=date(2015, 3, 2), child_id=7, source_system="education", pers_forename="Kwame", pers_surname="Johnson"
    )
    history.child("138", dob=date(2016, 2, 3), child_id=8, pers_forename="Rayyan", pers_surname="Cartwright")
    history.child(
        "P8",
        dob=date(2016, 3, 2),
        child_id=8,
        source_system="education",
        pers_forename="Rayyan",
        pers_surname="Cartwrght",
    )
    history.store()
    extracted(history, "social_care", date(2026, 11, 30))
    extracted(history, "education", date(2025, 10, 1))
    assert chosen(history, 7)[1:3] == ("Mensah", date(2015, 2, 3))
    extracted(history, "social_care", date(2024, 11, 30))
    assert chosen(history, 7)[1:3] == ("Johnson", date(2015, 2, 3))
    assert chosen(history, 8)[1:3] == ("Cartwrght", date(2016, 2, 3))


def test_two_records_of_one_system_count_as_one_system(history):
    # Social care holds the child twice as "Mhamed"; education alone says "Muhammad". One system against one:
    # the tie goes to education, first for names.
    history.child("127815", dob=date(2012, 1, 9), child_id=7, pers_forename="Mhamed", pers_surname="Ward")
    history.child("127816", dob=date(2012, 1, 9), child_id=7, pers_forename="Mhamed", pers_surname="Ward")
    history.child(
        "P7", dob=date(2012, 1, 9), child_id=7, source_system="education", pers_forename="Muhammad", pers_surname="Ward"
    )
    assert chosen(history, 7)[:2] == ("Muhammad", "Ward")


def test_the_declaration_is_checked_when_it_loads(tmp_path: Path):
    broken = tmp_path / "precedence.yml"
    broken.write_text("fields:\n  name: {systems: [education, education]}\n  sex: {systems: [Social Care]}\n", "utf-8")
    with pytest.raises(PrecedenceError) as error:
        load_precedence(broken)
    message = str(error.value)
    assert "fields.name: a system is listed twice" in message and "fields.sex: not a system name" in message
    broken.write_text("fields:\n  name: {systems: [education]}\n", "utf-8")
    with pytest.raises(PrecedenceError, match="missing date_of_birth, sex"):
        load_precedence(broken)
    assert set(load_precedence().fields) == {"name", "date_of_birth", "sex"}
