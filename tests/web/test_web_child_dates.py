"""The child page never shows a collection year's end as the day a care leaver was in touch.

The SSDA903 return (OC3) says only whether the authority was in touch with a care leaver around the birthday in
a collection year (1 April to 31 March); ingest dates such a row the year's 31 March and the facts mark it
``date_is_proxy``. The page names the year ("around their birthday in 2025-26"); a real contact keeps its date.
Worked by hand on 4 December 2026.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

import childhub.web
from childhub.facts import prepare
from childhub.web.pages import child as records
from childhub.web.pages.shared import service_name
from childhub.web.words import register as register_words
from helpers import as_the_ssda903_return

# how a care leaver's return with no accommodation recorded reads, up to its activity
NONE_RECORDED = "; accommodation: not recorded (suitable: not recorded); activity: "
TODAY = date(2026, 12, 4)


def _care_leaver_with_returns(history):
    """L1, born 2006-01-10: the returns for 2024-25 (NO, G5) and 2025-26 (YES, F2), the in-year return for 2026-27
    (YES, F4, dated 31 Mar 2027), and a real contact on 10 Feb 2026 (YES, F1) in the case-management record."""
    history.child("L1", dob=date(2006, 1, 10), child_id=7)
    for year_end, in_touch, activity in (
        (date(2025, 3, 31), "NO", "G5"),
        (date(2026, 3, 31), "YES", "F2"),
        (date(2027, 3, 31), "YES", "F4"),
    ):
        history.add(
            "care_leavers",
            clea_table_id=f"L1|{year_end.year}",
            clea_person_id="L1",
            clea_care_leaver_latest_contact=year_end,
            clea_care_leaver_in_touch=in_touch,
            clea_care_leaver_activity=activity,
        )
    as_the_ssda903_return(history, "care_leavers")
    history.add(
        "care_leavers",
        clea_table_id="SSD-L1",
        clea_person_id="L1",
        clea_care_leaver_latest_contact=date(2026, 2, 10),
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_activity="F1",
    )
    with history.store().reader() as conn:
        prepare(conn)
        return records.child_record(conn, "C7", TODAY)


def test_a_return_on_the_timeline_names_its_year_and_a_real_contact_keeps_its_date(history):
    record = _care_leaver_with_returns(history)
    shown = [(event["year"], event["date"], event["summary"]) for event in record["timeline"]]
    assert shown == [
        (
            "2026-27",
            date(2027, 3, 31),
            "In touch around their birthday in 2026-27: Yes" + NONE_RECORDED + "Full time in an apprenticeship",
        ),
        (
            "2025-26",
            date(2026, 3, 31),
            "In touch around their birthday in 2025-26: Yes"
            + NONE_RECORDED
            + "Full time in education other than higher",
        ),
        (
            None,
            date(2026, 2, 10),
            "In touch: Yes" + NONE_RECORDED + "Full time in higher education",
        ),
        (
            "2024-25",
            date(2025, 3, 31),
            "In touch around their birthday in 2024-25: No"
            + NONE_RECORDED
            + "Not in education, employment or training: other",
        ),
    ]
    templates = Environment(loader=FileSystemLoader(Path(childhub.web.__file__).parent / "templates"), autoescape=True)
    register_words(templates)
    page = templates.get_template("_child_timeline.html").render(record=record, service_name=service_name)
    assert "In 2025-26 Care leaver" in page and "around their birthday in 2025-26" in page
    assert '<time datetime="2026-02-10">2026-02-10</time> Care leaver' in page
    for year_end in ("2025-03-31", "2026-03-31", "2027-03-31", "31/03"):
        assert year_end not in page


def test_the_status_names_the_year_of_the_latest_return_known_today(history):
    # On 4 December 2026 the in-year return for 2026-27 (known from 1 April 2026) is the latest record, ahead of
    # the real contact of 10 February 2026: its 31 March 2027 is neither a contact's date nor yet come.
    status = {row["service"]: row["detail"] for row in _care_leaver_with_returns(history)["status"]}
    assert (
        status["Care leaver"]
        == "In touch around their birthday in 2026-27: Yes; activity: Full time in an apprenticeship"
    )


def test_a_real_contact_on_the_status_keeps_its_date(history):
    history.child("L2", dob=date(2006, 1, 10), child_id=8)
    history.add(
        "care_leavers",
        clea_person_id="L2",
        clea_care_leaver_latest_contact=date(2026, 11, 2),
        clea_care_leaver_in_touch="NO",
        clea_care_leaver_activity="G4",
    )
    with history.store().reader() as conn:
        prepare(conn)
        status = {row["service"]: row["detail"] for row in records.current_status(conn, "C8", TODAY)}
    assert status["Care leaver"] == (
        "In touch: No; activity: Not in education, employment or training: illness or disability "
        "(latest contact 2 November 2026)"
    )


def test_the_page_of_a_care_leaver_known_from_the_return_shows_no_year_end(web_hub):
    # A young person of the test authority with a return (OC3): the page names each return's year and shows none of
    # their returns' 31 March dates against "Care leaver".
    client = web_hub.client("analyst")
    cursor = client.app.state.childhub.served.current().cursor()
    found = cursor.execute(
        "SELECT child_key, list(DISTINCT latest_contact) FROM fact_care_leaver WHERE date_is_proxy "
        "GROUP BY child_key ORDER BY child_key LIMIT 1"
    ).fetchall()
    assert found, "the test authority has no care leaver known from the SSDA903 return"
    key, year_ends = found[0]
    page = client.get(f"/children/{key}")
    assert page.status_code == 200
    for year_end in year_ends:
        year = f"{year_end.year - 1}-{year_end.year % 100:02d}"  # a return is dated its year's 31 March
        assert f"In touch around their birthday in {year}" in page.text
        assert f"{year_end.isoformat()}</time> Care leaver" not in page.text
    assert "(as at" not in page.text
