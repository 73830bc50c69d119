"""Comparators on the web: the indicator page's table, chart and position in words, the same in its API, the
/comparators page and its API, for an analyst and for scrutiny. The figures are hand-made files loaded into the test
hub's database (removed again after each test)."""

from __future__ import annotations

import json
import re

import pytest

from childhub.leaders import load_file, load_measures
from childhub.store import HubDatabase

PLACE = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
    "la_name,new_la_code"
)
MEASURE = """measures:
  re_referrals_12m:
    publication: Characteristics of children in need
    column: re_referral_percent
    unit: percent
"""


def _la(old, name, code):
    return f"202425,Financial year,Local authority,E92000001,England,E12000009,South West,{old},{name},{code}"


@pytest.fixture
def loaded(web_hub, tmp_path):
    """Re-referrals (lower is better) for 2024-25: England 21.4, South West 20, Testshire ``22.5``, its neighbours
    Alpha 18, Bravo 20, Charlie x (none), Delta 22.5; and an authority file naming Testshire by its ONS code."""
    (tmp_path / "mine.yml").write_text(MEASURE, "utf-8")
    measures = load_measures([tmp_path / "mine.yml"])
    hub = HubDatabase(web_hub.data_dir)

    def load(testshire: str = "22.5") -> None:
        figures = tmp_path / "rereferrals.csv"
        figures.write_text(
            "\n".join(
                [
                    f"{PLACE},re_referral_percent",
                    "202425,Financial year,National,E92000001,England,,,,,,21.4",
                    "202425,Financial year,Regional,E92000001,England,E12000009,South West,,,,20.0",
                    f"{_la('801', 'Testshire', 'E06000101')},{testshire}",
                    f"{_la('802', 'Alpha', 'E06000102')},18.0",
                    f"{_la('803', 'Bravo', 'E06000103')},20.0",
                    f"{_la('804', 'Charlie', 'E06000104')},x",
                    f"{_la('805', 'Delta', 'E06000105')},22.5",
                ]
            )
            + "\n",
            "utf-8",
        )
        neighbours = tmp_path / "neighbours.csv"
        neighbours.write_text("LA code,LA name,SN1,SN2,SN3,SN4\nE06000101,Testshire,Alpha,Bravo,Charlie,Delta\n")
        for path in (figures, neighbours):
            load_file(hub, path, measures=measures, loaded_by="analyst")

    authority = tmp_path / "authority.yml"
    authority.write_text("name: Testshire\nons_code: E06000101\npopulation_0_17: 2000\n", "utf-8")
    load.authority_file = authority
    yield load
    with hub.connect() as conn:
        conn.execute("DELETE FROM comparator_load")


def _chart(page: str, chart_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', page, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


def test_the_indicator_page_places_the_authority_among_its_neighbours(web_hub, loaded):
    loaded()
    client = web_hub.client("analyst", authority_file=loaded.authority_file)
    page = client.get("/indicators/re_referrals_12m")
    assert page.status_code == 200
    text = page.text
    # Lower is better: Alpha 18 and Bravo 20 are below Testshire's published 22.5; Delta's 22.5 shares 3rd;
    # Charlie published none, so four are ranked.
    assert "Testshire ranks 3rd of 4 among its statistical neighbours" in text
    assert "Synthetic comparators (demo)" not in text
    for area, shown in (
        ("Testshire, published", "22.5%"),
        ("England", "21.4%"),
        ("South West", "20.0%"),
        ("Statistical neighbours&#39; average", "20.2%"),  # (18 + 20 + 22.5) / 3 = 20.17
        ("Alpha", "18.0%"),
        ("Charlie", "not available"),
    ):
        assert re.search(rf'<th scope="row">{re.escape(area)}</th><td class="number">{re.escape(shown)}</td>', text)
    chart = _chart(text, "comparators-chart")
    bars = chart["data"][0]
    assert bars["type"] == "bar"
    assert bars["x"] == ["Testshire, published", "England", "South West", "Statistical neighbours' average",
                         "Alpha", "Bravo", "Delta"]  # fmt: skip
    assert bars["y"][:3] == [22.5, 21.4, 20.0]
    report = client.get("/api/v1/indicators/re_referrals_12m").json()["comparison"]
    assert (report["position"], report["of"], report["ranked_on"], report["year"]) == (3, 4, "published", "2024-25")
    assert report["synthetic"] is False and report["label"] is None
    assert [n["name"] for n in report["neighbours"]] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert report["neighbours"][2] == {"name": "Charlie", "value": None, "marker": "x"}


def test_a_figure_suppressed_for_scrutiny_is_not_ranked_for_them(web_hub, loaded):
    loaded(testshire="c")  # no published figure: the figure now is ranked, where the viewer may see it
    analyst = web_hub.client("analyst", authority_file=loaded.authority_file)
    shown = analyst.get("/api/v1/indicators/re_referrals_12m").json()
    value = shown["figure"]["value"]
    assert value is not None
    ahead = sum(1 for figure in (18.0, 20.0, 22.5) if figure < value)  # lower is better; a tie shares
    assert (shown["comparison"]["position"], shown["comparison"]["ranked_on"]) == (1 + ahead, "current")
    # Every count is small under a threshold of a million: scrutiny sees [c], and no position that would betray it.
    scrutiny = web_hub.client("scrutiny", authority_file=loaded.authority_file, small_number_threshold=1_000_000)
    hidden = scrutiny.get("/api/v1/indicators/re_referrals_12m").json()
    assert hidden["figure"]["suppressed"] is True
    assert (hidden["comparison"]["position"], hidden["comparison"]["of"]) == (None, None)
    assert hidden["comparison"]["note"] == "The authority has no figure to rank."
    page = scrutiny.get("/indicators/re_referrals_12m").text
    assert "The authority has no figure to rank." in page and "Testshire, published" in page


def test_without_comparators_loaded_the_england_figure_shows_as_before(web_hub):
    client = web_hub.client("analyst")
    text = client.get("/indicators/re_referrals_12m").text
    assert "England 2024-25" in text and 'id="comparators"' not in text
    assert client.get("/api/v1/indicators/re_referrals_12m").json()["comparison"] is None


def test_the_comparators_page_lists_what_is_loaded_for_scrutiny_and_an_analyst(web_hub, loaded):
    loaded()
    for role in ("scrutiny", "analyst"):
        page = web_hub.client(role).get("/comparators")
        assert page.status_code == 200
        assert "rereferrals.csv" in page.text and "neighbours.csv" in page.text
        assert "Characteristics of children in need" in page.text and "2024-25" in page.text
        assert '<a href="/indicators/re_referrals_12m#comparators">' in page.text
        assert "Synthetic comparators (demo)" not in page.text and 'tag--warning">synthetic' not in page.text
    listing = web_hub.client("scrutiny").get("/api/v1/comparators").json()
    assert [(load["kind"], load["file_name"], load["loaded_by"]) for load in listing["loads"]] == [
        ("neighbours", "neighbours.csv", "analyst"),
        ("open_data", "rereferrals.csv", "analyst"),
    ]
    assert listing["indicators"] == [{"indicator_id": "re_referrals_12m", "year": "2024-25"}]


def test_the_comparators_page_refuses_a_practitioner(web_hub):
    client = web_hub.client("practitioner")
    assert client.get("/comparators").status_code == 403
    assert client.get("/api/v1/comparators").status_code == 403


def test_synthetic_comparators_are_labelled_on_the_page_and_in_the_api(web_hub, loaded, tmp_path):
    from datetime import date

    from childhub.synth import SYNTHETIC_ONS_CODE, write_synthetic_comparators

    hub = HubDatabase(web_hub.data_dir)
    for path in write_synthetic_comparators(tmp_path / "synthetic", "Ashmere (synthetic)", date(2026, 12, 5)):
        load_file(hub, path, loaded_by="demo")
    authority = tmp_path / "ashmere.yml"
    authority.write_text(f"name: Ashmere (synthetic)\nons_code: {SYNTHETIC_ONS_CODE}\n", "utf-8")
    client = web_hub.client("scrutiny", authority_file=authority)
    text = client.get("/indicators/development_assessment_under5").text
    assert "Synthetic comparators (demo)" in text and "Dunmere (synthetic)" in text
    report = client.get("/api/v1/indicators/development_assessment_under5").json()["comparison"]
    assert report["synthetic"] is True and report["label"] == "Synthetic comparators (demo)"
    assert "Synthetic comparators (demo)" in client.get("/comparators").text
