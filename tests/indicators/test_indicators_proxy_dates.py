"""Dates known only by their year: the SSDA903 return's checks (OC2) and care leavers' contact (OC3).

The return says only that a check was done, or a care leaver was in touch around their birthday, in a
collection year (1 April to 31 March); ingest dates such a row the year's 31 March and the facts mark it
``date_is_proxy``. Each history below is worked by hand at the year end 31 March 2026 (the DfE's own
measure, defined on the return) and on 4 December 2026 (the 12 months from 5 December 2025), with rows
of the return and rows with real dates (the case-management system's) side by side.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from childhub.hub import ingest
from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store
from helpers import from_the_ssda903_return

AUTHORITY = AuthoritySettings(population_0_17=1000)
YEAR_END = date(2026, 3, 31)  # the end of the collection year 2025-26
DECEMBER = date(2026, 12, 4)
# Data to Insight's fake SSDA903 tables for 2017-18, not written by childhub (fixtures/samples/NOTICE.md)
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "ssda903"
OC2_FIELD = {
    "health_assessment_timely": "HEALTH_ASSESSMENT",
    "dental_check_timely": "TEETH_CHECK",
    "development_assessment_under5": "HEALTH_CHECK",
    "immunisations_up_to_date": "IMMUNISATIONS",
}


def counted(calc, indicator_id: str, as_at: date) -> tuple[float, float | None, list[str]]:
    """Numerator, denominator and the children in the numerator, by their own ID."""
    (figure,) = calc.figures(as_at, ids=[indicator_id])
    children = sorted(row["la_child_id"] for row in calc.children(indicator_id, as_at))
    return figure.numerator, figure.denominator, children


@pytest.mark.parametrize(
    ("indicator_id", "kind"),
    [
        ("health_assessment_timely", "annual health assessment"),
        ("dental_check_timely", "dental check"),
        ("development_assessment_under5", "development assessment"),
    ],
)
def test_a_check_known_only_by_its_year_is_within_the_12_months_only_on_its_31_march(history, indicator_id, kind):
    # Four children born 2022-06-01 (3 on 31 Mar 2026, 4 on 4 Dec 2026), in care since 2024-01-01.
    # P1: the return for 2025-26 says done, nothing else.
    # P2: the return for 2025-26, and a real check on 10 Feb 2026.
    # P3: the return for 2025-26, and the real check it stands for on 20 Nov 2025.
    # P4: the return for 2024-25 only.
    # 31 Mar 2026 (12 months from 1 Apr 2025 = the collection year 2025-26): P1, P2, P3 = 3/4; P4's year is over.
    # 4 Dec 2026 (12 months from 5 Dec 2025): a check in 2025-26 may have been before 5 Dec 2025, so the return
    #   proves nothing: P2 (10 Feb 2026) = 1/4. P3's real date, 20 Nov 2025, is before the 12 months.
    h = history
    for person in ("P1", "P2", "P3", "P4"):
        h.child(person, dob=date(2022, 6, 1))
        h.episode(person, date(2024, 1, 1), "S", "C2")
    for person, year_end in (("P1", YEAR_END), ("P2", YEAR_END), ("P3", YEAR_END), ("P4", date(2025, 3, 31))):
        h.add(
            "cla_health",
            clah_person_id=person,
            clah_health_check_type=kind,
            clah_health_check_date=year_end,
            clah_health_check_status="1",
        )
    from_the_ssda903_return(h.store(), "cla_health")
    for person, day in (("P2", date(2026, 2, 10)), ("P3", date(2025, 11, 20))):
        h.add(
            "cla_health",
            clah_person_id=person,
            clah_health_check_type=kind,
            clah_health_check_date=day,
            clah_health_check_status="Completed",
        )
    with calculator(h.store(), AUTHORITY) as calc:
        assert counted(calc, indicator_id, YEAR_END) == (3, 4, ["P1", "P2", "P3"])
        assert counted(calc, indicator_id, DECEMBER) == (1, 4, ["P2"])


def test_an_immunisation_status_known_only_by_its_year_stands_only_on_its_31_march(history):
    # Three children born 2015, in care since 2024-01-01.
    # I1: the return for 2025-26 says up to date, nothing else.
    # I2: the return for 2025-26 says up to date; the health record says not up to date on 10 Mar 2026.
    # I3: the return for 2025-26 says not up to date; the health record says up to date on 1 Jul 2026.
    # 31 Mar 2026: I1 by the return; I2's real status wins over the year's (not up to date); I3 by the return
    #   (not up to date; 1 Jul 2026 is after the date) = 1/3.
    # 4 Dec 2026: the return proves no status in the 12 months; I2 not up to date (10 Mar 2026), I3 up to date
    #   (1 Jul 2026) = 1/3.
    h = history
    for person in ("I1", "I2", "I3"):
        h.child(person, dob=date(2015, 1, 1))
        h.episode(person, date(2024, 1, 1), "S", "C2")
    for person, status in (("I1", "1"), ("I2", "1"), ("I3", "0")):
        h.add(
            "cla_immunisations",
            clai_person_id=person,
            clai_immunisations_status=status,
            clai_immunisations_status_date=YEAR_END,
        )
    from_the_ssda903_return(h.store(), "cla_immunisations")
    for person, day, status in (("I2", date(2026, 3, 10), "N"), ("I3", date(2026, 7, 1), "Y")):
        h.add(
            "cla_immunisations",
            clai_person_id=person,
            clai_immunisations_status=status,
            clai_immunisations_status_date=day,
        )
    with calculator(h.store(), AUTHORITY) as calc:
        assert counted(calc, "immunisations_up_to_date", YEAR_END) == (1, 3, ["I1"])
        assert counted(calc, "immunisations_up_to_date", DECEMBER) == (1, 3, ["I3"])


def test_a_care_leavers_return_speaks_only_for_the_birthday_in_its_year(history):
    # The return for a collection year (OC3) says whether the authority was in touch around the birthday that
    # fell in that year; ingest dates it the year's 31 March.
    # L1 born 2007-01-10 (19 on 10 Jan 2026): the return for 2025-26 says YES.
    # L2 born 2007-06-01 (19 on 1 Jun 2026): the return for 2025-26 (about the 18th birthday) says YES.
    # L3 born 2005-07-01 (20 on 1 Jul 2025, 21 on 1 Jul 2026): the return for 2025-26 says NO, the (in-year)
    #    return for 2026-27 YES.
    # L4 born 2006-01-10 (20 on 10 Jan 2026): the return for 2025-26 says NO; the case-management record, a
    #    real contact on 10 Feb 2026, YES: a real date in the year wins over the year.
    # 31 Mar 2026 (birthdays from 1 Apr 2025): L1 YES, L3 NO (the 2026-27 year has not begun), L4 YES = 2/3;
    #    L2 is 18. L1's contact has no date of its own: none is shown.
    # 4 Dec 2026 (birthdays from 5 Dec 2025): L1 YES (2025-26 holds 10 Jan 2026), L2 not known around the 19th
    #    birthday (the only record is about the 18th), L3 YES (2026-27), L4 YES = 3/4.
    h = history
    for person, dob in (
        ("L1", date(2007, 1, 10)),
        ("L2", date(2007, 6, 1)),
        ("L3", date(2005, 7, 1)),
        ("L4", date(2006, 1, 10)),
    ):
        h.child(person, dob=dob)
    for person, year_end, in_touch in (
        ("L1", YEAR_END, "YES"),
        ("L2", YEAR_END, "YES"),
        ("L3", YEAR_END, "NO"),
        ("L3", date(2027, 3, 31), "YES"),
        ("L4", YEAR_END, "NO"),
    ):
        h.add(
            "care_leavers",
            clea_table_id=f"{person}|{year_end.year}",
            clea_person_id=person,
            clea_care_leaver_in_touch=in_touch,
            clea_care_leaver_latest_contact=year_end,
        )
    from_the_ssda903_return(h.store(), "care_leavers")
    h.add(
        "care_leavers",
        clea_table_id="SSD-L4",
        clea_person_id="L4",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2026, 2, 10),
    )
    with calculator(h.store(), AUTHORITY) as calc:
        assert counted(calc, "care_leavers_in_touch", YEAR_END) == (2, 3, ["L1", "L4"])
        listed = calc.children("care_leavers_in_touch", YEAR_END)
        assert [(row["la_child_id"], row["event_date"]) for row in listed] == [("L4", date(2026, 2, 10)), ("L1", None)]
        assert counted(calc, "care_leavers_in_touch", DECEMBER) == (3, 4, ["L1", "L3", "L4"])
        by_answer = {
            row["in_touch"]: (row["numerator"], row["denominator"])
            for row in calc.breakdown("care_leavers_in_touch", DECEMBER, "in_touch")
        }
        assert by_answer == {"YES": (3, 3), "unknown": (0, 1)}


@pytest.mark.slow
def test_on_the_samples_the_return_counts_on_its_31_march_as_it_says_and_proves_nothing_in_december(tmp_path):
    # On 31 March 2018 each figure's numerator is exactly the children of its cohort whose OC2 field for
    # 2017-18 says 1, counted here from the raw CSV. On 4 December 2018 (the 12 months from 5 December 2017)
    # the return cannot say whether a check fell in those 12 months, and the samples date nothing else: 0.
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    for name in ("header.csv", "episodes.csv", "oc2.csv"):
        shutil.copy(SAMPLES / name, extracts / name)
    store = Store(tmp_path / "store")
    ingest(store, [extracts], extract_date=date(2018, 3, 31))
    with (SAMPLES / "oc2.csv").open(newline="") as file:
        oc2 = {row["CHILD"]: row for row in csv.DictReader(file)}
    with calculator(store, AUTHORITY) as calc:
        for indicator_id, field in OC2_FIELD.items():
            cohort = [row["la_child_id"] for row in calc.children(indicator_id, date(2018, 3, 31), part="denominator")]
            by_the_return = sorted(child for child in cohort if oc2.get(child, {}).get(field) == "1")
            assert len(cohort) > 50 and 0 < len(by_the_return) < len(cohort), indicator_id
            assert counted(calc, indicator_id, date(2018, 3, 31)) == (len(by_the_return), len(cohort), by_the_return)
            numerator, denominator, _ = counted(calc, indicator_id, date(2018, 12, 4))
            assert (numerator, denominator > 0) == (0, True), indicator_id
