"""Words, not codes, and numbers as numbers, on every page a person reads: the child and family pages, an
indicator's breakdowns and the children behind it, cohorts, Annex A charts and caseloads, for the analyst, the
manager and the practitioner; the API keeps each code and adds its words beside it."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from childhub.codes import words_for

pytestmark = pytest.mark.slow  # every page read for codes and float noise, as three roles: CI runs it with -m slow

# Codes the synthetic authority's records hold (primary need, closure reason, placement type and provider, legal
# status, review participation, ethnicity, SEN, team and worker IDs, service areas): none may be read on a page.
BARE_CODE = re.compile(
    r"\b(N[0-9]|RC[0-9]|[AKPRSU][0-9]|C[12]|V[234]|E1[12]?|E4A|PN[0-9]|PR[0-5]|T0[0-9]{2}|SW[0-9]{4}"
    r"|WBRI|WOTH|AOTH|APKN|MWBC|BAFR|ehc_plan|sen_support|children_in_care|front_door|leaving_care)\b"
)
FLOAT_NOISE = re.compile(r"(?<![\d.])\d[\d,]*\.0(?![\d.])|\d\.\d*0000000\d")


def readable(html: str) -> str:
    """The text a person reads in the page's main part: tags and their attributes (an input's value, a link's
    address, a select's option values) gone, text and the charts' data kept."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<input[^>]*>", " ", main)
    return unescape(re.sub(r"<[^>]+>", " ", main))


def assert_words_not_codes(html: str, page: str, prose: str = "") -> str:
    """The page's text, having checked it shows no bare code and no number as "43.0"; ``prose`` (an indicator's
    definition, which names the codes it counts by) is left out of the check."""
    text = readable(html).replace(prose, " ") if prose else readable(html)
    codes = sorted(set(BARE_CODE.findall(text)))
    assert codes == [], (
        f"{page} shows codes {codes}: "
        + " | ".join(text[max(0, m.start() - 60) : m.end() + 40].replace("\n", " ") for m in BARE_CODE.finditer(text))[
            :800
        ]
    )
    # a chart's numbers are data for the script that draws it (JSON numbers: 14.0 draws as 14); its table is text
    noise = FLOAT_NOISE.findall(readable(re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.S)))
    assert noise == [], f"{page} shows numbers as {noise}"
    return text


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def a_child_looked_after_and_referred(cursor, worker_id: str | None = None) -> str:
    """A child with a placement, a legal status, a review and a referral with a primary need (one held by
    ``worker_id`` when given), the most of those first."""
    held = (
        "AND child_key IN (SELECT child_key FROM fact_allocation WHERE worker_id = ? AND start_date <= current_date "
        "AND (end_date IS NULL OR end_date > current_date))"
        if worker_id
        else ""
    )
    found = cursor.execute(
        f"""
        SELECT child_key FROM fact_child WHERE child_key IN (SELECT child_key FROM fact_cla_placement)
          AND child_key IN (SELECT child_key FROM fact_referral WHERE primary_need IS NOT NULL) {held}
        ORDER BY (SELECT count(*) FROM fact_cla_review r WHERE r.child_key = fact_child.child_key) DESC, child_key
        LIMIT 1
        """,
        [worker_id] if worker_id else [],
    ).fetchall()
    if not found and worker_id:  # the practitioner holds no such child: any child they hold
        found = cursor.execute(
            "SELECT child_key FROM fact_allocation WHERE worker_id = ? AND start_date <= current_date "
            "AND (end_date IS NULL OR end_date > current_date) ORDER BY child_key LIMIT 1",
            [worker_id],
        ).fetchall()
    assert found, "the test authority has no such child"
    return found[0][0]


def test_the_child_page_reads_in_words_and_the_api_keeps_the_codes_beside_them(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    child_key = a_child_looked_after_and_referred(cursor)
    page = client.get(f"/children/{child_key}")
    assert page.status_code == 200
    assert_words_not_codes(page.text, f"the page of {child_key}")
    # the latest placement's type and the referral's primary need, each in its set's words
    placement_type, provider = cursor.execute(
        "SELECT placement_type, placement_provider FROM fact_cla_placement WHERE child_key = ? "
        "ORDER BY start_date DESC LIMIT 1",
        [child_key],
    ).fetchone()
    (need,) = cursor.execute(
        "SELECT primary_need FROM fact_referral WHERE child_key = ? AND primary_need IS NOT NULL LIMIT 1", [child_key]
    ).fetchone()
    for field, code in (("placement_type", placement_type), ("placement_provider", provider), ("primary_need", need)):
        words = words_for(field, code)
        assert words and not words.startswith("Unknown code")
        assert words.replace("'", "&#39;") in page.text, f"{field} {code} is not read as {words!r}"
    body = client.get(f"/api/v1/children/{child_key}").json()
    child = body["child"]
    assert child["sex"] in ("M", "F", "U", "I") and child["sex_label"] == words_for("sex", child["sex"])
    if child["ethnicity"]:
        assert child["ethnicity_label"] == words_for("ethnicity", child["ethnicity"])
    for source in body["sources"]:
        assert source["sex_label"] == words_for("sex", source["sex"])


def test_the_practitioners_own_child_and_family_read_in_words(web_hub):
    client = web_hub.client("practitioner")
    cursor = cursor_of(client)
    child_key = a_child_looked_after_and_referred(cursor, web_hub.practitioner_worker)
    page = client.get(f"/children/{child_key}")
    assert page.status_code == 200
    assert_words_not_codes(page.text, f"the practitioner's page of {child_key}")
    family = re.search(r'href="/families/(\d+)"', page.text)
    if family:
        shown = client.get(f"/families/{family.group(1)}")
        assert shown.status_code == 200
        assert_words_not_codes(shown.text, f"family {family.group(1)}")


@pytest.mark.parametrize("role", ["analyst", "manager"])
def test_an_indicators_breakdowns_by_legal_status_and_placement_type_read_in_words(web_hub, role):
    client = web_hub.client(role)
    page = client.get("/indicators/cla_count")
    assert page.status_code == 200
    report = client.get("/api/v1/indicators/cla_count").json()
    text = assert_words_not_codes(page.text, "cla_count", prose=report["indicator"]["definition"])
    for heading in ("numerator", "denominator", "age_band", "legal_status", "placement_type"):
        assert f">{heading}<" not in page.text  # headings are words
    assert "By legal status" in text and "By placement type" in text
    for by in ("legal_status", "placement_type", "placement_provider"):
        groups = report["breakdowns"][by]
        assert groups, f"no {by} breakdown to read"
        for group in groups:  # the API keeps the code (group) and gives its words (label)
            assert group["label"] == words_for(by, group["group"])
            assert group["label"].replace("'", "&#39;") in page.text


def test_the_children_behind_a_number_read_in_words_with_whole_numbers(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/indicators/cla_count/children")
    assert page.status_code == 200
    text = assert_words_not_codes(page.text, "the children behind cla_count")
    assert "Counted" in text and "LA child ID" in text
    for raw in ("la_child_id", "age_band", "numerator", "team_name"):
        assert f">{raw}<" not in page.text
    rows = client.get("/api/v1/indicators/cla_count/children").json()["rows"]
    assert rows
    for row in rows:  # each code kept, its words beside it
        assert row["sex_label"] == words_for("sex", row["sex"])
        assert row["legal_status_label"] == words_for("legal_status", row["legal_status"])


@pytest.mark.parametrize("grouping", ["ethnicity", "sen", "team", "service_area", "sex"])
def test_cohorts_grouped_by_a_coded_attribute_read_in_words(web_hub, grouping):
    client = web_hub.client("analyst")
    page = client.get("/cohorts", params={"population": "all", "group_by": grouping})
    assert page.status_code == 200
    assert_words_not_codes(page.text, f"the cohort by {grouping}")
    body = client.get("/api/v1/cohorts", params={"population": "all", "group_by": grouping}).json()
    assert body["groups"]
    for group in body["groups"]:  # the code, and its words beside it
        assert group[grouping] and group[f"{grouping}_label"] and group[f"{grouping}_label"] != group[grouping]


def test_a_cohorts_children_read_in_words_and_the_download_keeps_the_codes(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/cohorts/children", params={"population": "looked_after"})
    assert page.status_code == 200
    assert_words_not_codes(page.text, "the children of a cohort")
    download = client.get("/cohorts/export", params={"population": "looked_after", "format": "csv", "rows": "children"})
    header = download.content.decode("utf-8-sig").splitlines()[0].split(",")
    for heading in ("Sex", "Ethnicity", "Allocated team"):
        assert header.index(f"{heading} (code)") + 1 == header.index(heading)  # the words beside the code


def test_annex_a_charts_read_in_words(web_hub):
    page = web_hub.client("analyst").get(f"/annex-a?as_at={date.today().isoformat()}")
    assert page.status_code == 200
    text = assert_words_not_codes(page.text, "Annex A")
    chart = text.split("Care leavers by activity", 1)[1].split("Care leavers by accommodation", 1)[0]
    assert not re.search(r"(?<![\d,])0\s+\d", chart.split("Show the figures as a table", 1)[-1])  # no bar "0"


def test_the_managers_caseloads_name_teams_and_workers_and_read_fte_as_numbers(web_hub):
    client = web_hub.client("manager")
    page = client.get("/caseloads")
    assert page.status_code == 200
    text = assert_words_not_codes(page.text, "caseloads")
    assert web_hub.manager_team not in text and web_hub.practitioner_worker not in text
    body = client.get("/api/v1/caseloads").json()
    for team in body["teams"]:
        assert team["service_area_label"] == words_for("service_area", team["service_area"])


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (43.0, None, "43"),  # a whole number has no ".0"
        (1234, None, "1,234"),
        (1234567.0, None, "1,234,567"),
        (0.1 + 0.2, None, "0.3"),  # 0.30000000000000004 without its float noise
        (12.25, None, "12.3"),  # half up, as people round, not to the even 12.2
        (0.6, None, "0.6"),  # a part-time worker's FTE
        (18.0, None, "18"),  # the caseload threshold
        (-0.04, None, "0"),  # never "-0"
        (12.5, 2, "12.50"),  # fixed places keep their zeros
        (True, None, "Yes"),
        (None, None, ""),
        ("[c]", None, "[c]"),  # a suppressed count is text and stays so
    ],
)
def test_numbers_read_as_numbers(value, places, shown):
    from childhub.web.words import number

    assert number(value, places) == shown


def test_a_percentage_reads_with_its_sign_and_nothing_stays_nothing():
    from childhub.web.words import percent

    assert percent(15.0) == "15%" and percent(33.333) == "33.3%" and percent(None) == "" and percent("[c]") == "[c]"


def test_an_indicators_control_limits_read_as_numbers(web_hub):
    # a count of families has a centre line of "111", not "111.0" (the words filter, as every other number)
    from childhub.web.words import number

    client = web_hub.client("analyst")
    limits = client.get("/api/v1/indicators/families_several_children_known?frequency=monthly").json()["trend"][
        "limits"
    ]
    page = client.get("/indicators/families_several_children_known?frequency=monthly").text
    centre, lower, upper = (number(limits[name]) for name in ("centre", "lower", "upper"))
    assert f"<p>Centre line {centre}; control limits {lower} to {upper} (XmR).</p>" in page
    assert not re.search(r"Centre line [^<]*\b\d+\.0\b", page)
