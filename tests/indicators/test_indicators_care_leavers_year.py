"""Care leavers' activity and accommodation answer for the birthday in the year, as the SSDA903 return (OC3) does.

The return for a collection year (1 April to 31 March) gives, for each young person whose birthday fell in that
year, whether the authority was in touch and their activity and accommodation around that birthday; ingest dates
such a row the year's 31 March and the facts mark it ``date_is_proxy``. The cohort on a date: young people whose
19th, 20th or 21st birthday fell in the 12 months up to it. A return speaks only for the birthday in its own year
(the one about the 18th birthday never answers for the 19th), counts once its year has begun, and a real contact
date in the year or later wins over it; a young person whose only record is about another birthday stays in the
denominator as unknown. Each history is worked by hand at the year end 31 March 2026 and on 4 December 2026 (the
12 months from 5 December 2025).
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from childhub.calendar import age_on
from childhub.codes import code_set
from childhub.hub import ingest
from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store
from helpers import as_the_ssda903_return

AUTHORITY = AuthoritySettings(population_0_17=1000)
YEAR_END = date(2026, 3, 31)  # the end of the collection year 2025-26
DECEMBER = date(2026, 12, 4)
# Data to Insight's fake SSDA903 tables for 2017-18, not written by childhub (fixtures/samples/NOTICE.md)
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "ssda903"
SAMPLES_YEAR_END = date(2018, 3, 31)
# Each indicator and what makes a young person's OC3 row count in its numerator.
BY_THE_RETURN = {
    "care_leavers_in_touch": lambda row: row["IN_TOUCH"] == "YES",
    "care_leavers_eet": lambda row: re.fullmatch("[FP][1-5]", row["ACTIV"]) is not None,  # full or part time
    "care_leavers_neet": lambda row: row["ACTIV"] in ("G4", "G5", "G6"),
    "care_leavers_suitable_accommodation": lambda row: re.fullmatch("[A-Z]1", row["ACCOM"]) is not None,
}


def counted(calc, indicator_id: str, as_at: date) -> tuple[float, float | None, list[str]]:
    """Numerator, denominator and the young people in the numerator, by their own ID."""
    (figure,) = calc.figures(as_at, ids=[indicator_id])
    children = sorted(row["la_child_id"] for row in calc.children(indicator_id, as_at))
    return figure.numerator, figure.denominator, children


def _returns_and_a_contact(history):
    """Five young people, their SSDA903 returns (OC3) and one real contact.

    A1 born 2007-01-10 (19 on 10 Jan 2026): return 2024-25 (about the 18th birthday) G5 C2; return 2025-26 F2 B1.
    A2 born 2007-06-01 (19 on 1 Jun 2026): return 2025-26 (about the 18th birthday) F1 D1, nothing else.
    A3 born 2005-07-01 (20 on 1 Jul 2025, 21 on 1 Jul 2026): return 2025-26 G6 Z2; the in-year return 2026-27
       (dated 31 Mar 2027) P5 C1.
    A4 born 2006-01-10 (20 on 10 Jan 2026): return 2025-26 G5 B2; the case-management record, a real contact on
       10 Feb 2026, F4 U1.
    A5 born 2005-02-01 (21 on 1 Feb 2026): return 2024-25 (about the 20th birthday) F5 B1, nothing else.
    """
    h = history
    for person, dob in (
        ("A1", date(2007, 1, 10)),
        ("A2", date(2007, 6, 1)),
        ("A3", date(2005, 7, 1)),
        ("A4", date(2006, 1, 10)),
        ("A5", date(2005, 2, 1)),
    ):
        h.child(person, dob=dob)
    for person, year_end, activity, accommodation in (
        ("A1", date(2025, 3, 31), "G5", "C2"),
        ("A1", YEAR_END, "F2", "B1"),
        ("A2", YEAR_END, "F1", "D1"),
        ("A3", YEAR_END, "G6", "Z2"),
        ("A3", date(2027, 3, 31), "P5", "C1"),
        ("A4", YEAR_END, "G5", "B2"),
        ("A5", date(2025, 3, 31), "F5", "B1"),
    ):
        h.add(
            "care_leavers",
            clea_table_id=f"{person}|{year_end.year}",
            clea_person_id=person,
            clea_care_leaver_in_touch="YES",
            clea_care_leaver_latest_contact=year_end,
            clea_care_leaver_activity=activity,
            clea_care_leaver_accommodation=accommodation,
        )
    as_the_ssda903_return(h, "care_leavers")
    h.add(
        "care_leavers",
        clea_table_id="SSD-A4",
        clea_person_id="A4",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2026, 2, 10),
        clea_care_leaver_activity="F4",
        clea_care_leaver_accommodation="U1",
    )
    return h.store()


def test_activity_and_accommodation_answer_for_the_birthday_in_the_year(history):
    store = _returns_and_a_contact(history)
    with calculator(store, AUTHORITY) as calc:
        # 31 Mar 2026 (birthdays from 1 Apr 2025): A1 19, A3 20, A4 20, A5 21; A2 is 18.
        #   A1 by the 2025-26 return (F2 B1); A3 by the 2025-26 return (G6 Z2; 2026-27 has not begun); A4 by the
        #   real contact of 10 Feb 2026 (F4 U1), which is in the year; A5's only return is about the 20th birthday:
        #   unknown. (The latest record up to the date would give A4 the return's G5 B2, A5 the old F5 B1.)
        assert counted(calc, "care_leavers_eet", YEAR_END) == (2, 4, ["A1", "A4"])
        assert counted(calc, "care_leavers_neet", YEAR_END) == (1, 4, ["A3"])
        assert counted(calc, "care_leavers_suitable_accommodation", YEAR_END) == (2, 4, ["A1", "A4"])
        by_activity = {
            row["activity"]: (row["numerator"], row["denominator"])
            for row in calc.breakdown("care_leavers_eet", YEAR_END, "activity")
        }
        assert by_activity == {"F2": (1, 1), "F4": (1, 1), "G6": (0, 1), "unknown": (0, 1)}
        # A return has no contact date of its own: only A4's real contact is shown.
        listed = calc.children("care_leavers_eet", YEAR_END)
        assert [(row["la_child_id"], row["event_date"]) for row in listed] == [("A4", date(2026, 2, 10)), ("A1", None)]

        # 4 Dec 2026 (birthdays from 5 Dec 2025): all five. A1 by 2025-26 (10 Jan 2026 is in it: F2 B1); A2's
        #   only return is about the 18th birthday: unknown; A3 by the in-year 2026-27 return (P5 C1: it began on
        #   1 Apr 2026); A4 by the real contact (F4 U1); A5 unknown. (The latest record up to the date would give
        #   A2 F1 D1, A3 the 2025-26 G6 Z2, A4 G5 B2, A5 F5 B1.)
        assert counted(calc, "care_leavers_eet", DECEMBER) == (3, 5, ["A1", "A3", "A4"])
        assert counted(calc, "care_leavers_neet", DECEMBER) == (0, 5, [])
        assert counted(calc, "care_leavers_suitable_accommodation", DECEMBER) == (3, 5, ["A1", "A3", "A4"])
        by_accommodation = {
            row["accommodation"]: (row["numerator"], row["denominator"])
            for row in calc.breakdown("care_leavers_suitable_accommodation", DECEMBER, "accommodation")
        }
        assert by_accommodation == {"B1": (1, 1), "C1": (1, 1), "U1": (1, 1), "unknown": (0, 2)}


def _by_the_return(oc3: list[dict[str, str]], year_end: date, as_at: date) -> dict[str, set[str]]:
    """Each indicator's cohort on a 31 March and its numerator, counted from the return's rows as the DfE defines
    them: young people aged 19 to 21 whose birthday fell in the year to ``as_at``; a row of the return for the year
    ending ``year_end`` answers only for the birthday in that year."""
    counted_from = {"cohort": set()} | {indicator_id: set() for indicator_id in BY_THE_RETURN}
    for row in oc3:
        day, month, year = (int(part) for part in row["DOB"].split("/"))
        born = date(year, month, day)
        age = age_on(born, as_at)
        if not 19 <= age <= 21 or age_on(born, as_at.replace(year=as_at.year - 1)) == age:
            continue
        counted_from["cohort"].add(row["CHILD"])
        about_this_birthday = (
            age_on(born, year_end) == age and age_on(born, year_end.replace(year=year_end.year - 1)) < age
        )
        for indicator_id, says_so in BY_THE_RETURN.items():
            if about_this_birthday and says_so(row):
                counted_from[indicator_id].add(row["CHILD"])
    return counted_from


def _valid_rows(oc3: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of the return whose activity and accommodation are codes of today's lists (the samples were made
    to exercise validators: 14 rows carry withdrawn codes such as F3, P3 and S1, a question for loading)."""
    activities, accommodations = code_set("ssda903_activity").labels, code_set("ssda903_accommodation").labels
    return [row for row in oc3 if row["ACTIV"] in activities and row["ACCOM"] in accommodations]


@pytest.mark.slow
def test_on_the_samples_the_return_answers_only_for_the_birthday_in_its_year(tmp_path):
    # The samples' return for 2017-18 is about 17th birthdays (born January to April 2001). On 31 March 2018
    # no one is 19 to 21; on 31 March 2020 the 19th birthdays of those born by 31 March 2001 fell in the year, and
    # their only return is about the 17th: each is in the denominator, in no numerator. Both counted from oc3.csv.
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    for name in ("header.csv", "episodes.csv"):
        shutil.copy(SAMPLES / name, extracts / name)
    with (SAMPLES / "oc3.csv").open(newline="") as file:
        reader = csv.DictReader(file)
        oc3 = _valid_rows(list(reader))
        fields = reader.fieldnames
    with (extracts / "oc3.csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(oc3)
    store = Store(tmp_path / "store")
    ingest(store, [extracts], extract_date=SAMPLES_YEAR_END)
    with calculator(store, AUTHORITY) as calc:
        for as_at in (SAMPLES_YEAR_END, date(2020, 3, 31)):
            expected = _by_the_return(oc3, SAMPLES_YEAR_END, as_at)
            for indicator_id in BY_THE_RETURN:
                cohort = {row["la_child_id"] for row in calc.children(indicator_id, as_at, part="denominator")}
                assert cohort == expected["cohort"], (indicator_id, as_at)
                numerator, _, children = counted(calc, indicator_id, as_at)
                assert (numerator, children) == (len(expected[indicator_id]), sorted(expected[indicator_id]))
        # Not vacuous: 2020's cohort is most of the return, and their 2017-18 rows would give each figure a numerator.
        cohort_2020 = _by_the_return(oc3, SAMPLES_YEAR_END, date(2020, 3, 31))["cohort"]
        assert len(oc3) == 39 and len(cohort_2020) > 30
        for indicator_id, says_so in BY_THE_RETURN.items():
            assert any(says_so(row) for row in oc3 if row["CHILD"] in cohort_2020), indicator_id
