"""The child page's record: marked only where a value differs from the one the child is shown with, and a data
quality box that says what is wrong (systems disagreeing and which, a sex not stated, two records in one system,
a plan or care open past 18), worked by hand on small histories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

import childhub.web
from childhub.facts import prepare
from childhub.web.pages import child as records
from childhub.web.words import register as register_words
from helpers import held

TODAY = date(2026, 12, 4)


def record_of(history, child_key: str):
    with history.store().reader() as conn:
        prepare(conn)
        return records.child_record(conn, child_key, TODAY)


def muhammad_ward(history) -> None:
    """Social care holds the child twice (127815, 127816), education once: all "Muhammad Ward", male. The police
    record says "Muhammad Wrd", sex not stated."""
    held(history, 7, "social_care", "127815", "Muhammad Ward", date(2012, 1, 9), "M")
    held(history, 7, "social_care", "127816", "Muhammad Ward", date(2012, 1, 9), "M")
    held(history, 7, "education", "PUP7", "Muhammad Ward", date(2012, 1, 9), "M")
    held(history, 7, "police", "NOM7", "Muhammad Wrd", date(2012, 1, 9), "U")


def test_only_the_cells_that_differ_from_the_shown_value_are_marked(history):
    muhammad_ward(history)
    record = record_of(history, "C7")
    assert record["child"]["name"] == "Muhammad Ward" and record["child"]["sex"] == "M"
    marked = {(s["source_system"], s["source_record_id"]): (s["differs"], s["not_stated"]) for s in record["sources"]}
    assert marked == {
        ("social_care", "127815"): ([], False),
        ("social_care", "127816"): ([], False),
        ("education", "PUP7"): ([], False),
        ("police", "NOM7"): (["name"], True),
    }
    templates = Environment(loader=FileSystemLoader(Path(childhub.web.__file__).parent / "templates"), autoescape=True)
    register_words(templates)
    table = templates.get_template("_child_sources.html").render(record=record)
    rows = table.split("<tr>")[2:]  # after the header
    assert [row.count("differs") for row in rows] == [0, 0, 0, 1]
    assert "Muhammad Wrd <span" in rows[3] and 'Not stated <span class="tag tag--grey">not stated' in rows[3]


def test_the_data_quality_box_says_what_is_wrong(history):
    muhammad_ward(history)
    flags = record_of(history, "C7")["flags"]
    assert flags[:3] == [
        "The systems disagree on the name: Children's social care and Education say Muhammad Ward; "
        "Police says Muhammad Wrd (shown as Muhammad Ward)",
        "Police records the sex as not stated (U) where the other systems say Male",
        "Children's social care holds two records for this child: 127815 and 127816; "
        "ask the system owner to merge them",
    ]


def test_a_date_of_birth_disagreement_names_the_systems_holding_each(history):
    # Social care and education say 9 January; SEN alone says 1 September (a day/month swap).
    held(history, 7, "social_care", "127", "Amy Cole", date(2012, 1, 9))
    held(history, 7, "education", "PUP7", "Amy Cole", date(2012, 1, 9))
    held(history, 7, "sen", "SEN7", "Amy Cole", date(2012, 9, 1))
    record = record_of(history, "C7")
    assert (
        "The systems disagree on the date of birth: Children's social care and Education say 2012-01-09; "
        "Special educational needs says 2012-09-01" in record["flags"]
    )
    assert [s["differs"] for s in record["sources"]] == [[], [], ["date_of_birth"]]


def test_a_child_protection_plan_and_care_open_past_18_are_flagged(history):
    # Born 14 July 2008: 18 on 14 July 2026. The plan began 23 July 2024 and is open on 4 December 2026.
    held(history, 7, "social_care", "141202", "Jo Hart", date(2008, 7, 14))
    history.add("cp_plans", cppl_cp_plan_id="CP1", cppl_person_id="141202", cppl_cp_plan_start_date=date(2024, 7, 23))
    held(history, 8, "social_care", "141203", "Al Hart", date(2008, 4, 7))
    history.episode("141203", date(2020, 5, 1), "S", "C2")
    assert (
        "On a child protection plan (since 23 July 2024) at 18: a plan ends by the 18th birthday (14 July 2026); "
        "ask social care to record when it ended" in record_of(history, "C7")["flags"]
    )
    assert (
        "Looked after (since 1 May 2020) at 18: care ends by the 18th birthday (7 April 2026); "
        "ask social care to record when it ended" in record_of(history, "C8")["flags"]
    )


def test_no_problems_only_when_none_is_found(history):
    # Two systems agreeing on everything, a child of 2 (no UPN expected yet), nothing warned of on load.
    held(history, 7, "social_care", "127", "Amy Cole", date(2024, 6, 1))
    held(history, 7, "education", "PUP7", "Amy Cole", date(2024, 6, 1))
    record = record_of(history, "C7")
    assert record["flags"] == [] and [s["differs"] for s in record["sources"]] == [[], []]
