"""fact_child's name, date of birth and sex: chosen by agreement between systems, then recency where the declaration
says it counts, then the declared ranking of systems (facts/precedence.yml). Each case is worked by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from childhub.facts import prepare
from childhub.facts.precedence import PrecedenceError, load_precedence
from helpers import held


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
    held(history, 7, "social_care", "127", "Austin Warf", date(2015, 2, 3), "F")
    held(history, 7, "education", "P7", "Austin Ward", date(2015, 3, 2), "M")
    held(history, 7, "sen", "S7", "Austin Ward", date(2015, 3, 2), "M")
    assert chosen(history, 7) == ("Austin", "Ward", date(2015, 3, 2), "M")


def test_names_agree_whatever_their_case_and_the_most_reliable_spelling_is_shown(history):
    # "WARD " (SEN) and "Ward" (education) are one value held by two systems, shown as education (first for
    # names) writes it; social care's "Warf" is alone.
    held(history, 7, "social_care", "127", "Austin Warf", date(2015, 3, 2))
    held(history, 7, "education", "P7", "AUSTIN Ward", date(2015, 3, 2))
    held(history, 7, "sen", "S7", "austin WARD ", date(2015, 3, 2))
    assert chosen(history, 7)[:2] == ("AUSTIN", "Ward")


def test_a_tie_goes_to_the_declared_ranking(history):
    # One against one, extracted the same day: names go to education (first for names), the date of birth to
    # social care (first for dates of birth).
    held(history, 7, "social_care", "127", "Katiie Lynch", date(2015, 2, 3))
    held(history, 7, "education", "P7", "Katie Lynch", date(2015, 3, 2))
    assert chosen(history, 7) == ("Katie", "Lynch", date(2015, 2, 3), "F")


def test_an_unknown_sex_never_beats_a_known_one(history):
    # Police and youth justice say U (not stated): two systems, but a known value from one system wins.
    held(history, 7, "social_care", "127", "Muhammad Ward", date(2012, 1, 9), "M")
    held(history, 7, "police", "NOM7", "Muhammad Ward", date(2012, 1, 9), "U")
    held(history, 7, "youth_justice", "YJ7", "Muhammad Ward", date(2012, 1, 9), "U")
    assert chosen(history, 7)[3] == "M"
    # With nothing known, the child is shown as not stated.
    held(history, 8, "social_care", "128", "Sam Ward", date(2012, 1, 9), "U")
    assert chosen(history, 8)[3] == "U"


def test_a_newer_record_beats_an_older_one_where_recency_counts(history):
    # One against one. Names count recency (365 days): social care's record (extracted 2026-11-30) is 425 days newer
    # than education's (2025-10-01), so its surname wins although education ranks first for names. Dates of birth
    # do not count recency: social care ranks first for them, so its date stands when its record is the older one.
    held(history, 7, "social_care", "127", "Kwame Mensah", date(2015, 2, 3))
    held(history, 7, "education", "P7", "Kwame Johnson", date(2015, 3, 2))
    held(history, 8, "social_care", "138", "Rayyan Cartwright", date(2016, 2, 3))
    held(history, 8, "education", "P8", "Rayyan Cartwrght", date(2016, 3, 2))
    with history.store().writer() as conn:  # loaded today: an extract is never newer than the day it was loaded
        conn.execute("UPDATE ingest_batch SET started_at = TIMESTAMP '2026-12-04 09:00:00'")
    extracted(history, "social_care", date(2026, 11, 30))
    extracted(history, "education", date(2025, 10, 1))
    assert chosen(history, 7)[1:3] == ("Mensah", date(2015, 2, 3))
    assert chosen(history, 8)[1:3] == ("Cartwright", date(2016, 2, 3))
    # Education's record 305 days newer: within a year, so no newer in the declaration's sense; the ranking decides.
    extracted(history, "social_care", date(2024, 11, 30))
    assert chosen(history, 7)[1:3] == ("Johnson", date(2015, 2, 3))
    # Extracts of one round, weeks apart (the school census in September, social care today): the ranking decides.
    extracted(history, "social_care", date(2026, 12, 4))
    extracted(history, "education", date(2026, 9, 1))
    assert chosen(history, 8)[1:3] == ("Cartwrght", date(2016, 2, 3))


def test_two_records_of_one_system_count_as_one_system(history):
    # Social care holds the child twice as "Mhamed"; education alone says "Muhammad". One system against one:
    # the tie goes to education, first for names.
    held(history, 7, "social_care", "127815", "Mhamed Ward", date(2012, 1, 9))
    held(history, 7, "social_care", "127816", "Mhamed Ward", date(2012, 1, 9))
    held(history, 7, "education", "P7", "Muhammad Ward", date(2012, 1, 9))
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


def test_a_return_dated_by_a_year_end_still_to_come_is_as_new_as_the_day_it_was_loaded(history):
    # A return in progress is dated by its collection year's end (31 March 2027) though loaded on 4 December 2026.
    # Against education's record of 1 February 2026 that date would make social care's typo 423 days newer and win;
    # as loaded, it is 306 days newer, within a year, so the ranking decides and education's spelling stands.
    held(history, 9, "social_care", "139", "Isla Wiliams", date(2014, 5, 6))
    held(history, 9, "education", "P9", "Isla Williams", date(2014, 5, 6))
    history.store()
    extracted(history, "social_care", date(2027, 3, 31))
    extracted(history, "education", date(2026, 2, 1))
    with history.store().writer() as conn:
        conn.execute("UPDATE ingest_batch SET started_at = TIMESTAMP '2026-12-04 09:00:00'")
    assert chosen(history, 9)[1] == "Williams"
