"""The overview page: every indicator by group, sparklines, warnings, source refreshes, suppression."""

from __future__ import annotations

import re

import pytest

from conftest import WEB_ROLES


def test_the_overview_shows_every_indicator_by_group_with_a_sparkline(web_hub):
    from childhub.indicators import library
    from childhub.indicators.definitions import GROUPS

    page = web_hub.client("analyst").get("/")
    assert page.status_code == 200
    for ind in library().values():
        assert f'href="/indicators/{ind.id}?as_at=' in page.text
    for group in {ind.group for ind in library().values()}:
        assert f'<h2 class="heading-l" id="{group}">{GROUPS[group]}</h2>' in page.text
    sparklines = re.findall(r'<svg class="sparkline" role="img" aria-label="([^"]+)"', page.text)
    assert len(sparklines) == len(library()) + 1  # and the data-quality measure's
    assert sum("Open data-quality errors" in label for label in sparklines) == 1
    assert any("at the first point" in label and "at the last" in label for label in sparklines)
    assert "<script" not in page.text.split("<footer")[0].replace('<script type="application/json"', "")


def test_the_overview_shows_targets_rag_and_england_comparators(web_hub):
    page = web_hub.client("manager").get("/").text
    # re_referrals_12m has a target in the test authority's settings
    card = page.split('href="/indicators/re_referrals_12m')[1].split('<div class="card')[0]
    assert "Target 20" in card and re.search(r"tag--(red|amber|green)", card)
    assert "England 20" in page  # comparators name their year
    assert "(derived)" in page or "(unverified)" in page or "England" in page


def test_the_overview_says_when_each_source_was_last_refreshed(web_hub):
    page = web_hub.client("practitioner").get("/").text
    assert "When each source was last refreshed" in page
    section = page.split('id="refreshed"')[1]
    assert "social_care" in section and "case management allocations" in section
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d", section)  # "5 December 2026 at 14:03"


@pytest.mark.slow
def test_the_overview_takes_a_date(web_hub):
    page = web_hub.client("analyst").get("/?as_at=2025-03-31")
    assert page.status_code == 200 and "As at 2025-03-31" in page.text
    assert "on 2025-03-31" in page.text or "to 2025-03-31" in page.text
    assert web_hub.client("analyst").get("/?as_at=yesterday").status_code == 422


def test_scrutiny_sees_small_numbers_suppressed(web_hub):
    from datetime import date

    from childhub.disclosure import reference_date
    from childhub.indicators import calculator

    with calculator(web_hub.store, web_hub.authority) as calc:  # scrutiny sees the last month end
        figures = {f.indicator.id: f for f in calc.figures(reference_date(date.today(), 5))}
    small = [f for f in figures.values() if 0 < f.numerator < 5]
    assert small, "the tiny authority should have some small counts"
    scrutiny = web_hub.client("scrutiny").get("/").text
    analyst = web_hub.client("analyst").get("/", params={"as_at": reference_date(date.today(), 5).isoformat()}).text
    assert "are suppressed and shown as [c]" in scrutiny and "are suppressed" not in analyst
    for figure in small:
        card = scrutiny.split(f'href="/indicators/{figure.indicator.id}?')[1].split('<div class="card')[0]
        assert '<p class="card__value">[c]</p>' in card
        own = analyst.split(f'href="/indicators/{figure.indicator.id}?')[1].split('<div class="card')[0]
        assert f'<p class="card__value">{figure.formatted()}</p>' in own


def test_every_role_may_open_the_overview_but_not_without_signing_in(web_hub):
    for role in WEB_ROLES:
        assert web_hub.client(role).get("/").status_code == 200
    response = web_hub.client().get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.slow
def test_on_the_4th_of_a_month_the_overview_shows_the_part_month_as_partial_and_the_year_annualised(web_hub):
    from datetime import date, timedelta

    from childhub.indicators import calculator, library

    as_at = (date.today().replace(day=1) - timedelta(days=1)).replace(day=4)
    page = web_hub.client("analyst").get(f"/?as_at={as_at}").text
    with calculator(web_hub.store, web_hub.authority) as calc:
        last_points = [calc.trend(ind.id, as_at, "monthly", 2).figures[-1] for ind in library().values()]
    partial = [figure for figure in last_points if figure.partial]
    # Indicators counted monthly (not on a date, nor over 12 rolling months) end with the 4 days so far ...
    assert {figure.indicator.id for figure in partial} == {
        ind.id for ind in library().values() if "month" in ind.allowed_periods
    }
    assert all((figure.period.start, figure.period.end) == (as_at.replace(day=1), as_at) for figure in partial)
    # ... said so under the sparkline, and drawn (where it has a value) as a hollow point off the line.
    assert page.count("a month not yet over (not judged)") == len(partial)
    assert page.count('class="sparkline__partial"') == sum(1 for figure in partial if figure.value is not None)
    card = page.split('href="/indicators/referral_rate?')[1].split('<div class="card')[0]
    assert "Annualised: " in card and "Same days last year: " in card
    assert ", a full year: compare the annualised figure" in card


def test_scrutiny_sees_no_annualised_value_of_a_small_count_and_no_small_count_last_year(history):
    # 3 referrals so far (1 April to 4 December 2026) and 2 on the same days of 2025, under a threshold of 5: the
    # figure is hidden, and so is its annualised value (3 x 365 / 248 gives the 3 back), and last year's 2.
    # With 6 so far and 2 last year, the figure shows and only last year's is hidden.
    from datetime import date

    from childhub.indicators import AuthoritySettings, calculator, figure_view

    history.child("R1", dob=date(2015, 1, 1))
    days = [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1), date(2025, 5, 1), date(2025, 6, 1)]
    for number, day in enumerate(days):
        history.add("cin_episodes", cine_referral_id=f"R{number}", cine_person_id="R1", cine_referral_date=day)
    with calculator(history.store(), AuthoritySettings(population_0_17=1000)) as calc:
        (small,) = calc.figures(date(2026, 12, 4), ids=["referrals_count"])
    shown = figure_view(small, threshold=5)
    assert shown["formatted"] == "[c]" and shown["annualised"] is None and shown["annualised_formatted"] is None
    assert shown["last_year_formatted"] == "[c]" and shown["last_year_value"] is None
    assert figure_view(small)["annualised_formatted"] == "4" and figure_view(small)["last_year_formatted"] == "2"
    for number, day in enumerate([date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]):
        history.add("cin_episodes", cine_referral_id=f"S{number}", cine_person_id="R1", cine_referral_date=day)
    with calculator(history.store(), AuthoritySettings(population_0_17=1000)) as calc:
        (six,) = calc.figures(date(2026, 12, 4), ids=["referrals_count"])
    shown = figure_view(six, threshold=5)
    assert (shown["formatted"], shown["annualised_formatted"], shown["last_year_formatted"]) == ("6", "9", "[c]")
