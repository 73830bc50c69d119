"""The indicator page, its API, and the children behind the number (scoped, audited, not for scrutiny)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from childhub.audit import events
from childhub.indicators import calculator

TRACE_SO_FAR = "So far (period not over, not judged)"


def _figure(web_hub, indicator_id, as_at=None):
    with calculator(web_hub.store, web_hub.authority) as calc:
        return calc.figures(as_at or date.today(), [indicator_id])[0]


def _chart(page: str, chart_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', page, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


def test_the_indicator_page_shows_definition_figure_trend_and_breakdowns(web_hub):
    figure = _figure(web_hub, "re_referrals_12m")
    page = web_hub.client("analyst").get("/indicators/re_referrals_12m")
    assert page.status_code == 200
    text = page.text
    ind = figure.indicator
    assert f'<h1 class="heading-xl">{ind.name}</h1>' in text
    assert ind.owner in text and "DfE, Children in need census guidance" in text
    assert "The counting rule (SQL)" in text and "fact_referral" in text
    assert f"<dd>{figure.formatted()}</dd>" in text
    assert "Target</dt><dd>20.0 (tolerance 3.0)" in text
    assert "England 2024-25" in text
    chart = _chart(text, "trend-chart")
    names = [trace["name"] for trace in chart["data"]]
    assert names[:4] == ["Value", "Centre line (mean)", "Upper control limit", "Lower control limit"]
    assert "Target" in names
    # The month so far, when today is not a month end, is its own hollow point off the line.
    drawn = sorted(x for trace in chart["data"] if trace["name"] in ("Value", TRACE_SO_FAR) for x in trace["x"])
    assert len(drawn) == 24 and drawn[-1] == date.today().isoformat()
    assert "Show the figures as a table" in text  # the chart's table alternative
    for caption in ("By age band", "By sex", "By team", "By referral source"):
        assert f"<caption>{caption}</caption>" in text
    assert "/indicators/re_referrals_12m/children?part=numerator" in text
    assert "/indicators/re_referrals_12m/children?part=denominator" in text
    assert '<script src="/vendor/plotly.min.js" defer></script>' in text


def test_the_trend_can_be_weekly_or_daily(web_hub):
    client = web_hub.client("manager")
    weekly = _chart(client.get("/indicators/cla_count?frequency=weekly").text, "trend-chart")["data"][0]["x"]
    assert date.fromisoformat(weekly[-1]) - date.fromisoformat(weekly[-2]) == timedelta(days=7)
    daily = _chart(client.get("/indicators/cla_count?frequency=daily").text, "trend-chart")["data"][0]["x"]
    assert date.fromisoformat(daily[-1]) - date.fromisoformat(daily[-2]) == timedelta(days=1)
    assert client.get("/indicators/cla_count?frequency=hourly").status_code == 422


def test_an_unknown_indicator_is_not_found(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/indicators/no_such_thing")
    assert page.status_code == 404 and "there is no indicator" in page.text
    assert client.get("/api/v1/indicators/no_such_thing").json()["error"]["status"] == 404
    assert client.get("/indicators/no_such_thing/children").status_code == 404


def test_the_api_gives_figure_trend_limits_warnings_and_breakdowns(web_hub):
    figure = _figure(web_hub, "re_referrals_12m")
    body = web_hub.client("analyst").get("/api/v1/indicators/re_referrals_12m?frequency=monthly").json()
    assert body["indicator"]["id"] == "re_referrals_12m" and body["indicator"]["owner"] == figure.indicator.owner
    assert body["figure"]["numerator"] == figure.numerator and body["figure"]["formatted"] == figure.formatted()
    assert len(body["trend"]["points"]) == 24 and body["trend"]["frequency"] == "monthly"
    limits = body["trend"]["limits"]
    assert limits["lower"] <= limits["centre"] <= limits["upper"]
    assert isinstance(body["trend"]["warnings"], list)
    assert set(body["breakdowns"]) == set(figure.indicator.breakdowns)
    by_sex = body["breakdowns"]["sex"]
    assert sum(row["numerator"] for row in by_sex) == figure.numerator


def test_scrutiny_sees_the_indicator_with_small_numbers_suppressed_and_no_children(web_hub):
    from childhub.disclosure import reference_date

    with calculator(web_hub.store, web_hub.authority) as calc:  # scrutiny sees the last month end
        small = next(f for f in calc.figures(reference_date(date.today(), 5)) if 0 < f.numerator < 5)
    client = web_hub.client("scrutiny")
    page = client.get(f"/indicators/{small.indicator.id}").text
    assert '<p class="lead">[c]' in page and "so it is suppressed" in page
    assert "/children?part=" not in page  # no link to the children
    body = client.get(f"/api/v1/indicators/{small.indicator.id}").json()
    assert body["figure"]["value"] is None and body["figure"]["numerator"] == "[c]"
    assert body["figure"]["suppressed"] is True
    for rows in body["breakdowns"].values():
        for row in rows:
            if row["numerator"] == "[c]":
                assert row["value"] is None and row["formatted"] == "[c]"
    refused = client.get(f"/indicators/{small.indicator.id}/children")
    assert refused.status_code == 403
    assert client.get(f"/api/v1/indicators/{small.indicator.id}/children").status_code == 403


def test_the_indicator_page_needs_a_session(web_hub):
    assert web_hub.client().get("/indicators/cla_count").status_code == 303
    assert web_hub.client().get("/api/v1/indicators/cla_count").status_code == 401
    assert web_hub.client().get("/indicators/cla_count/children").status_code == 303


def test_the_children_behind_the_number_link_to_each_child_and_are_audited(web_hub):
    with calculator(web_hub.store, web_hub.authority) as calc:
        rows = calc.children("re_referrals_12m", date.today())
    assert rows
    page = web_hub.client("analyst").get("/indicators/re_referrals_12m/children?part=numerator")
    assert page.status_code == 200
    for row in rows:
        assert f'href="/children/{row["child_key"]}"' in page.text
    assert "hidden because" not in page.text
    event = events(web_hub.data_dir, actor="analyst", action="view_children", limit=1)[0]
    assert event.subject == "re_referrals_12m" and event.child_count == len({r["child_key"] for r in rows})
    assert event.details["part"] == "numerator" and event.details["hidden"] == 0


def test_the_denominator_behind_a_percentage(web_hub):
    with calculator(web_hub.store, web_hub.authority) as calc:
        rows = calc.children("re_referrals_12m", date.today(), part="denominator")
    body = web_hub.client("admin").get("/api/v1/indicators/re_referrals_12m/children?part=denominator").json()
    assert body["part"] == "denominator" and len(body["rows"]) == len(rows) and body["hidden"] == 0
    # A rate's denominator is the population setting, not children: a plain refusal
    assert web_hub.client("admin").get("/indicators/cin_rate/children?part=denominator").status_code == 400


@pytest.mark.parametrize("role", ["manager", "practitioner"])
def test_a_manager_or_practitioner_sees_only_the_children_in_their_scope(web_hub, role):
    with calculator(web_hub.store, web_hub.authority) as calc:
        rows = calc.children("cin_rate", date.today())
    client = web_hub.client(role)
    body = client.get("/api/v1/indicators/cin_rate/children").json()
    # Who the scope allows, worked out from the allocations directly
    with web_hub.store.reader() as conn:
        from childhub.facts import prepare

        prepare(conn, ["allocation", "team"])
        today = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"
        if role == "manager":
            sql, values = (
                f"SELECT DISTINCT child_key FROM fact_allocation a WHERE {today} AND team_id = ?",
                [web_hub.manager_team],
            )
        else:
            sql, values = (
                f"SELECT DISTINCT child_key FROM fact_allocation a WHERE {today} AND worker_id = ?",
                [web_hub.practitioner_worker],
            )
        allowed = {key for (key,) in conn.execute(sql, values).fetchall()}
    expected = [row for row in rows if row["child_key"] in allowed]
    assert expected and len(expected) < len(rows), "the scope should show some children and hide others"
    assert sorted(r["child_key"] for r in body["rows"]) == sorted(r["child_key"] for r in expected)
    assert body["hidden"] == len(rows) - len(expected)
    page = client.get("/indicators/cin_rate/children").text
    assert f"{len(rows) - len(expected)} more rows of the {len(rows)} counted are hidden" in page
    for row in rows:
        shown = f'href="/children/{row["child_key"]}"' in page
        assert shown == (row["child_key"] in allowed)
    event = events(web_hub.data_dir, actor=role, action="view_children", limit=1)[0]
    assert event.child_count == len(expected) and event.details["hidden"] == len(rows) - len(expected)


def test_a_lone_small_group_is_hidden_with_the_next_smallest():
    # Teams A (2 children), B (7) and C (30) for a figure of 39: hiding only A would let anyone work it
    # out as 39 - 7 - 30. So B is hidden too; C stays. With two small groups nothing more is needed.
    from childhub.web.routes.indicators import _breakdown_view

    def row(team, n):
        return {
            "team": team,
            "label": team,
            "value": float(n),
            "formatted": str(n),
            "numerator": n,
            "denominator": None,
            "children": n,
            "note": None,
        }

    shown, _ = _breakdown_view([row("A", 2), row("B", 7), row("C", 30)], "team", 5)
    assert [r["numerator"] for r in shown] == ["[c]", "[c]", 30]
    shown, _ = _breakdown_view([row("A", 2), row("B", 3), row("C", 30)], "team", 5)
    assert [r["numerator"] for r in shown] == ["[c]", "[c]", 30]
    unsuppressed, _ = _breakdown_view([row("A", 2), row("B", 7)], "team", 0)
    assert [r["numerator"] for r in unsuppressed] == [2, 7]


def _a_fourth(today: date) -> date:
    """The 4th of last month: a date whose month is four days old (and that is in the past)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=4)


def test_the_api_marks_the_part_month_partial_and_compares_the_year_so_far_like_with_like(web_hub):
    as_at = _a_fourth(date.today())
    body = web_hub.client("analyst").get(f"/api/v1/indicators/referral_rate?as_at={as_at}").json()
    points = body["trend"]["points"]
    assert points[-1]["as_at"] == as_at.isoformat() and points[-1]["partial"] is True and points[-1]["days"] == 4
    assert not any(point["partial"] for point in points[:-1])
    assert "part month (4 days so far)" in body["trend"]["partial_note"]
    figure = body["figure"]
    year_start = date(as_at.year if as_at.month >= 4 else as_at.year - 1, 4, 1)
    assert figure["part_of_year"] is True and figure["days_counted"] == (as_at - year_start).days + 1
    assert figure["annualised"] == pytest.approx(
        figure["value"] * figure["days_in_year"] / figure["days_counted"], 0.01
    )
    assert figure["last_year_period_end"] == as_at.replace(year=as_at.year - 1).isoformat()
    page = web_hub.client("analyst").get(f"/indicators/referral_rate?as_at={as_at}").text
    assert "<dt>Annualised</dt>" in page and "<dt>Same days last year</dt>" in page
    assert "A full year: compare the annualised figure" in page
    assert "part month (4 days so far): shown as partial, not judged" in page
    chart = _chart(page, "trend-chart")
    (so_far,) = [trace for trace in chart["data"] if trace["name"] == TRACE_SO_FAR]
    assert so_far["x"] == [as_at.isoformat()]


def test_every_rag_agrees_with_the_value_it_was_judged_on(web_hub):
    from childhub.indicators import Target
    from childhub.indicators.targets import rag_status

    for as_at in (date.today(), _a_fourth(date.today())):
        body = web_hub.client("analyst").get(f"/api/v1/indicators?as_at={as_at}").json()
        judged = [row for row in body["indicators"] if row["rag"]]
        assert judged, "the test authority sets a target"
        for row in judged:
            target = Target(target=row["target"], tolerance=row["tolerance"])
            assert rag_status(row["rag_value"], target, row["polarity"]) == row["rag"], row["id"]
            shown = row["annualised_formatted"] or row["formatted"]
            assert row["rag_basis"].endswith(shown), row["id"]
