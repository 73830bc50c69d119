"""The cohort builder: counts over declared populations, filters and groupings; the children; downloads."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from childhub.audit import events
from childhub.cohorts import POPULATIONS, CohortError, CohortQuery, cohort_query, compile_cohort, load_definitions
from childhub.cohorts.definitions import DEFINITIONS_FILE

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick


def _direct(web_hub, sql: str, params: list | None = None):
    from childhub.facts import prepare

    with web_hub.store.reader() as conn:
        prepare(conn)
        return conn.execute(sql, params or []).fetchall()


def test_an_analyst_counts_children_in_need_by_age_band(web_hub):
    client = web_hub.client("analyst")
    response = client.get("/cohorts", params={"population": "children_in_need", "group_by": "age_band"})
    assert response.status_code == 200
    page = response.text
    assert '<h1 class="heading-xl">Cohorts</h1>' in page
    assert "Children in need, on " + date.today().isoformat() in page
    (expected,) = _direct(
        web_hub,
        "SELECT count(DISTINCT child_key) FROM fact_referral WHERE nfa IS NOT TRUE AND referral_date <= current_date "
        "AND (close_date IS NULL OR close_date > current_date)",
    )[0]
    assert expected > 0
    assert f'<p class="card__value">{expected}</p>' in page
    assert '<th scope="row">10 to 15</th>' in page or '<th scope="row">5 to 9</th>' in page
    assert 'data-chart="cohort-chart"' in page and '<script type="application/json" id="cohort-chart">' in page
    assert "/cohorts/children?population=children_in_need" in page
    event = events(web_hub.data_dir, actor="analyst", action="cohort", limit=1)[0]
    assert event.subject.startswith("Children in need") and event.child_count == expected


def test_the_api_gives_the_same_counts_as_json(web_hub):
    client = web_hub.client("admin")
    params = {"population": "looked_after", "group_by": "sex", "then_by": "age_band"}
    body = client.get("/api/v1/cohorts", params=params).json()
    (expected,) = _direct(
        web_hub,
        "SELECT count(DISTINCT child_key) FROM fact_cla_episode WHERE NOT short_break AND start_date <= current_date "
        "AND (ceased IS NULL OR ceased > current_date)",
    )[0]
    assert body["children"] == expected > 0
    assert sum(group["children"] for group in body["groups"]) == expected
    assert {"sex", "age_band", "children", "percent_of_cohort"} <= set(body["groups"][0])
    assert body["cohort"]["population"] == "looked_after"


def test_a_filter_narrows_the_cohort_and_keeps_the_population(web_hub):
    client = web_hub.client("analyst")
    everyone = client.get("/api/v1/cohorts", params={"population": "all", "group_by": "sex"}).json()
    girls = client.get("/api/v1/cohorts", params={"population": "all", "group_by": "sex", "sex": "F"}).json()
    assert girls["population"] == everyone["population"] == everyone["children"]
    assert 0 < girls["children"] < everyone["children"]
    by_sex = {group["sex"]: group for group in girls["groups"]}
    assert by_sex["F"]["children"] == by_sex["F"]["population"] and by_sex["M"]["children"] == 0
    assert by_sex["F"]["percent_of_population"] == 100.0


def test_a_period_counts_everyone_in_it_not_only_on_its_last_day(web_hub):
    client = web_hub.client("analyst")
    on_the_day = client.get("/api/v1/cohorts", params={"population": "children_in_need", "group_by": ""}).json()
    year = client.get(
        "/api/v1/cohorts", params={"population": "children_in_need", "group_by": "", "period": "rolling_12"}
    ).json()
    assert year["children"] >= on_the_day["children"] > 0
    assert year["period"]["start"] < year["period"]["end"] == date.today().isoformat()


@pytest.mark.parametrize("population", sorted(POPULATIONS))
def test_every_population_compiles_and_counts(web_hub, population):
    body = web_hub.client("analyst").get(
        "/api/v1/cohorts", params={"population": population, "group_by": "service_count", "period": "year"}
    )
    assert body.status_code == 200, body.text
    assert body.json()["children"] >= 0


def test_the_population_of_all_children_counts_one_row_per_child(web_hub):
    body = web_hub.client("analyst").get("/api/v1/cohorts", params={"population": "all", "group_by": ""}).json()
    (expected,) = _direct(
        web_hub,
        "SELECT count(*) FROM fact_child WHERE date_of_birth IS NULL "
        "OR (date_of_birth <= current_date AND age_on(date_of_birth, current_date) < 18)",
    )[0]
    assert body["children"] == expected > 0


def test_values_are_bound_and_columns_come_only_from_the_declarations():
    query = cohort_query({"population": "all", "area": "x'; DROP TABLE child; --", "group_by": "area"})
    sql, params = compile_cohort(query)
    assert "DROP TABLE" not in sql and params["area"] == "x'; DROP TABLE child; --"
    with pytest.raises(Exception, match="no grouping"):
        cohort_query({"group_by": "child_key; DROP TABLE child"})


def test_an_unknown_population_is_refused_with_its_name(web_hub):
    response = web_hub.client("analyst").get("/cohorts", params={"population": "everyone_ever"})
    assert response.status_code == 422
    assert "everyone_ever" in response.text and "children_in_need" in response.text


def test_the_children_of_a_cohort_are_listed_and_audited(web_hub):
    client = web_hub.client("analyst")
    response = client.get("/cohorts/children", params={"population": "child_protection"})
    assert response.status_code == 200
    keys = re.findall(r'<a href="/children/([^"]+)">', response.text)
    (expected,) = _direct(
        web_hub,
        "SELECT count(DISTINCT child_key) FROM fact_cp_plan WHERE start_date <= current_date "
        "AND (end_date IS NULL OR end_date > current_date)",
    )[0]
    assert len(keys) == min(expected, 500) and expected > 0
    event = events(web_hub.data_dir, actor="analyst", action="view_children", limit=1)[0]
    assert event.child_count == len(keys) and event.subject.startswith("On a child protection plan")


def test_the_counts_download_as_csv_and_excel_and_are_audited(web_hub):
    from openpyxl import load_workbook

    client = web_hub.client("analyst")
    params = {"population": "early_help", "group_by": "sex", "period": "year"}
    csv_file = client.get("/cohorts/export", params={**params, "format": "csv"})
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    # the grouping's code, and its words beside it
    assert lines[0] == "Sex (code),Sex,Children,% of the cohort,Population in the group,% of the population"
    assert len(lines) > 1 and {tuple(line.split(",")[:2]) for line in lines[1:]} <= {
        ("F", "Female"),
        ("M", "Male"),
        ("I", "Indeterminate"),
        ("U", "Not stated"),
    }
    excel = client.get("/cohorts/export", params={**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet["A1"].value == "Sex (code)" and sheet["B1"].value == "Sex" and sheet["C1"].value == "Children"
    assert sum(int(row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)) == int(
        sum(int(line.split(",")[2]) for line in lines[1:])
    )
    exported = events(web_hub.data_dir, actor="analyst", action="export_cohort", limit=2)
    assert {event.details["format"] for event in exported} == {"csv", "xlsx"}


def test_the_children_download_lists_every_child(web_hub):
    client = web_hub.client("admin")
    response = client.get("/cohorts/export", params={"population": "looked_after", "format": "csv", "rows": "children"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Child ID,Name,Date of birth,Child key,LA child ID,Age")
    event = events(web_hub.data_dir, actor="admin", action="download_list", limit=1)[0]
    assert event.child_count == event.details["rows"] == len(lines) - 1 > 0


def test_exports_neutralise_formula_text_in_csv_and_excel():
    from openpyxl import load_workbook

    from childhub.exports import csv_bytes, xlsx_bytes

    payload = "=cmd|' /C calc'!A0"
    text = csv_bytes(["team", "children"], [[payload, -3], ["@SUM(A1)", 4]]).decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text and "'@SUM(A1)" in text and ",-3" in text
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["team", "children"], [[payload, -3]]))).active
    assert sheet["A2"].value == "'" + payload and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -3 and sheet["B2"].data_type == "n"


def test_the_chart_has_one_series_per_value_of_the_second_grouping(web_hub):
    page = web_hub.client("analyst").get(
        "/cohorts", params={"population": "all", "group_by": "age_band", "then_by": "sex"}
    )
    figure = json.loads(re.search(r'id="cohort-chart">(.*?)</script>', page.text, re.S).group(1))
    assert {trace["name"] for trace in figure["data"]} >= {"Female", "Male"}  # the series named in words
    assert "Show the figures as a table" in page.text


@pytest.mark.parametrize("role", ["manager", "practitioner", "scrutiny"])
@pytest.mark.parametrize("path", ["/cohorts", "/cohorts/children", "/cohorts/export", "/api/v1/cohorts"])
def test_other_roles_are_refused(web_hub, role, path):
    response = web_hub.client(role).get(path)
    assert response.status_code == 403
    assert "cannot open this page" in response.text


def test_without_a_session_the_page_sends_you_to_sign_in_and_the_api_answers_401(web_hub):
    client = web_hub.client()
    assert client.get("/cohorts").status_code == 303
    assert client.get("/cohorts/export?format=csv").status_code == 303
    assert client.get("/api/v1/cohorts").status_code == 401


def test_a_cohort_is_a_link_that_comes_back_the_same():
    query = CohortQuery(population="pupils", period="quarter", sen="any", group_by="area", as_at=date(2026, 3, 31))
    assert cohort_query(query.parameters()) == query


def _declarations(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEFINITIONS_FILE.read_text("utf-8"))
    change(data)
    path = tmp_path / "definitions.yml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


def test_the_built_in_cohort_declarations_load():
    declared = load_definitions()
    assert set(declared.populations) == set(POPULATIONS)
    assert declared.groupings["age_band"].order[-3:] == ("16 to 17", "18 and over", "unknown")
    assert dict(declared.filters["sex"].choices) == {"F": "Female", "M": "Male", "U": "Not known"}


def test_malformed_cohort_declarations_are_reported_together_by_field(tmp_path):
    def change(data):
        del data["populations"]["all"]["sql"]
        data["groupings"]["sex"]["colour"] = "red"

    with pytest.raises(CohortError) as error:
        load_definitions(_declarations(tmp_path, change))
    message = str(error.value)
    assert "2 problem(s)" in message
    assert "definitions.yml: populations.all.sql: Field required" in message
    assert "definitions.yml: groupings.sex.colour: Extra inputs are not permitted" in message


def test_cohort_declarations_naming_what_is_not_declared_are_reported_together(tmp_path):
    def change(data):
        data["groupings"]["sex"]["column"] = "gender"
        data["filters"]["area"]["uses"] = ["postcode_area"]
        data["attributes"]["team"]["reads"] = ["allocations"]
        data["child_columns"]["shoe_size"] = "Shoe size"

    with pytest.raises(CohortError) as error:
        load_definitions(_declarations(tmp_path, change))
    message = str(error.value)
    assert "4 problem(s)" in message
    for problem in (
        "groupings.sex.column: no attribute gender",
        "filters.area.uses: no attribute postcode_area",
        "attributes.team.reads: no source allocations",
        "child_columns.shoe_size: no attribute shoe_size",
    ):
        assert f"definitions.yml: {problem}" in message
