"""The indicator framework: the library as data, periods, counting, children behind a figure, targets and SPC.

The indicators' own definitions are tested in test_indicators_<area>.py; this file tests the
machinery with the re-referral and CP-plan indicators as examples.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from childhub.errors import SettingsError
from childhub.facts.build import FactError, prepare
from childhub.indicators import (
    AuthoritySettings,
    IndicatorError,
    Target,
    calculator,
    library,
    load_authority,
    load_library,
    period_ending,
    series_ends,
)
from childhub.indicators.definitions import LIBRARY_DIR
from childhub.indicators.targets import early_warnings, rag_status, xmr_limits

AUTHORITY = AuthoritySettings(population_0_17=1000)

# --- the library as data ------------------------------------------------------------------------


def test_the_library_loads_and_every_indicator_has_what_a_reader_needs():
    indicators = library()
    assert {"referral_rate", "re_referrals_12m", "cp_plan_rate"} <= set(indicators)
    for ind in indicators.values():
        assert ind.file == f"{ind.id}.yml"
        assert ind.definition and ind.owner and ind.source
        if ind.comparator is not None:
            assert ind.comparator.year and ind.comparator.source


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, "utf-8")


def test_a_broken_definition_fails_at_load_naming_every_file_and_field(tmp_path):
    good = (LIBRARY_DIR / "cp_plan_rate.yml").read_text("utf-8")
    _write(tmp_path, "cp_plan_rate.yml", good)
    _write(tmp_path, "wrong_name.yml", good)  # id says cp_plan_rate
    _write(
        tmp_path, "bad_unit.yml", good.replace("id: cp_plan_rate", "id: bad_unit").replace("rate_per_10k", "per_cent")
    )
    _write(
        tmp_path,
        "no_denominator.yml",
        good.replace("id: cp_plan_rate", "id: no_denominator").replace("unit: rate_per_10k", "unit: percent"),
    )
    _write(
        tmp_path,
        "unknown_fact.yml",
        good.replace("id: cp_plan_rate", "id: unknown_fact").replace("fact_cp_plan", "fact_cp_plna"),
    )
    _write(tmp_path, "not_yaml.yml", "id: [unclosed")
    with pytest.raises(IndicatorError) as caught:
        load_library(tmp_path)
    message = str(caught.value)
    assert "5 problem(s)" in message
    assert "wrong_name.yml: id: is 'cp_plan_rate', but the file name says 'wrong_name'" in message
    assert "bad_unit.yml: unit:" in message
    assert "no_denominator.yml" in message and "needs a denominator" in message
    assert "unknown_fact.yml: sql: reads fact_cp_plna" in message
    assert "not_yaml.yml: cannot be read as YAML" in message


@pytest.mark.slow  # the default run counts every indicator on the tiny authority (`childhub indicators`, the overview)
def test_every_indicator_counts_on_an_empty_store(history):
    # Every indicator in the library, over every period it allows, every breakdown and its children:
    # an SQL mistake in any definition fails here. Nothing in the store: zero, or no value and a reason.
    as_at = date(2026, 3, 31)
    with calculator(history.store(), AUTHORITY) as calc:
        for ind in library().values():
            figures = calc.calculate(ind, [period_ending(p, as_at) for p in ind.allowed_periods])
            for figure in figures:
                assert (figure.numerator, figure.children) == (0, 0), ind.id
                if ind.unit in ("count", "rate_per_10k"):
                    assert figure.value == 0, ind.id
                else:
                    assert figure.value is None and figure.note, ind.id
            for by in ind.breakdowns:
                assert calc.breakdown(ind.id, as_at, by) == [], (ind.id, by)
            assert calc.children(ind.id, as_at) == [], ind.id
            assert len(calc.trend(ind.id, as_at, "monthly", 3).figures) == 3, ind.id


def test_a_snapshot_indicator_cannot_have_periods(tmp_path):
    text = (
        (LIBRARY_DIR / "cp_plan_rate.yml")
        .read_text("utf-8")
        .replace("period: snapshot", "period: snapshot\nperiods: [snapshot, year]")
    )
    _write(tmp_path, "cp_plan_rate.yml", text)
    with pytest.raises(IndicatorError, match="a snapshot indicator is counted on a date"):
        load_library(tmp_path)


def test_an_unknown_indicator_names_the_near_misses(history):
    with (
        calculator(history.store(), AUTHORITY) as calc,
        pytest.raises(IndicatorError, match="did you mean re_referrals_12m"),
    ):
        calc.figures(date(2026, 3, 31), ids=["re_referals_12m"])


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_type", "end", "start"),
    [
        ("snapshot", date(2026, 3, 31), date(2026, 3, 31)),
        ("month", date(2026, 2, 28), date(2026, 2, 1)),
        ("quarter", date(2026, 5, 15), date(2026, 4, 1)),  # April-June
        ("quarter", date(2026, 3, 31), date(2026, 1, 1)),  # January-March
        ("quarter", date(2025, 12, 1), date(2025, 10, 1)),
        ("year", date(2026, 3, 31), date(2025, 4, 1)),  # the reporting year ends on 31 March
        ("year", date(2026, 4, 1), date(2026, 4, 1)),  # and the next starts the day after
        ("rolling_12", date(2026, 3, 31), date(2025, 4, 1)),
        ("rolling_6", date(2026, 3, 31), date(2025, 10, 1)),
        ("rolling_12", date(2024, 2, 29), date(2023, 3, 1)),  # 28 Feb 2023 + 1 day: a leap day has no twin
        ("rolling_6", date(2024, 8, 31), date(2024, 3, 1)),  # 29 Feb 2024 + 1 day
    ],
)
def test_periods_end_on_the_as_at_date(period_type, end, start):
    period = period_ending(period_type, end)
    assert (period.start, period.end) == (start, end)


def test_trend_dates_are_month_ends_then_the_as_at_date():
    assert series_ends(date(2026, 3, 15), "monthly", 4) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 15),
    ]
    assert series_ends(date(2026, 3, 31), "monthly", 2) == [date(2026, 2, 28), date(2026, 3, 31)]
    assert series_ends(date(2026, 3, 31), "weekly", 3) == [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31)]
    assert series_ends(date(2024, 3, 1), "daily", 2) == [date(2024, 2, 29), date(2024, 3, 1)]


# --- facts ---------------------------------------------------------------------------------------


def test_working_days_in_sql_agree_with_the_calendar_across_bank_holidays(history):
    from childhub.calendar import working_days_between

    pairs = [
        (date(2025, 12, 24), date(2025, 12, 29)),  # Christmas and Boxing Day, then a weekend: 1
        (date(2026, 4, 2), date(2026, 4, 7)),  # Good Friday and Easter Monday: 1
        (date(2020, 5, 7), date(2020, 5, 11)),  # the early May holiday moved to Friday 8 May in 2020: 1
        (date(2026, 1, 5), date(2026, 1, 5)),  # same day: 0
        (date(2024, 2, 28), date(2024, 3, 1)),  # across a leap day: 2
        (date(2026, 3, 31), date(2026, 3, 1)),  # backwards: negative
        (date(2023, 4, 1), date(2026, 3, 31)),
    ]
    with history.store().reader() as conn:
        prepare(conn, ["referral"])
        for start, end in pairs:
            in_sql = conn.execute("SELECT working_days_between(?, ?)", [start, end]).fetchone()[0]
            assert in_sql == working_days_between(start, end), (start, end)
        assert conn.execute("SELECT working_days_between(DATE '2025-12-24', DATE '2025-12-29')").fetchone()[0] == 1
        ages = conn.execute(
            "SELECT age_on(DATE '2008-02-29', DATE '2026-02-28'), age_on(DATE '2008-02-29', DATE '2026-03-01')"
        ).fetchone()
        assert ages == (17, 18)


def test_an_unknown_fact_is_refused(history):
    with history.store().reader() as conn, pytest.raises(FactError, match="there is no fact nonsense"):
        prepare(conn, ["nonsense"])


# --- counting, children behind the number, breakdowns ---------------------------------------------


def _re_referral_history(history):
    # Three children, each referred in the year to 31 March 2026 (1 April 2025 - 31 March 2026):
    # P1: referred 2025-05-10, and before that on 2024-05-10: exactly 12 months earlier -> a re-referral.
    # P2: referred 2025-06-02, and before that on 2024-06-01: 12 months and a day -> not a re-referral.
    # P3: referred 2025-04-01 (the first day of the year) and again 2026-03-31 (the last): the first has
    #     no earlier referral; the second comes 364 days after the first -> a re-referral.
    # P4: referred 2025-03-31, the day before the year: outside the period.
    # Referrals in the year: P1 2025-05-10, P2 2025-06-02, P3 2025-04-01, P3 2026-03-31 = 4.
    # Re-referrals among them: P1's and P3's second = 2. 2 / 4 = 50.0%.
    history.child("P1", dob=date(2015, 1, 1), sex="M", ethnicity="WBRI", child_id=1)
    history.child("P2", dob=date(2020, 6, 1), sex="F", ethnicity="BAFR", child_id=2)
    history.child("P3", dob=date(2009, 3, 31), sex="F", ethnicity="WBRI", child_id=3)
    history.child("P4", dob=date(2012, 1, 1), sex="M", ethnicity="WBRI", child_id=4)
    for person, day in [
        ("P1", date(2024, 5, 10)),
        ("P1", date(2025, 5, 10)),
        ("P2", date(2024, 6, 1)),
        ("P2", date(2025, 6, 2)),
        ("P3", date(2025, 4, 1)),
        ("P3", date(2026, 3, 31)),
        ("P4", date(2025, 3, 31)),
    ]:
        history.add(
            "cin_episodes",
            cine_referral_id=f"{person}:{day}",
            cine_person_id=person,
            cine_referral_date=day,
            cine_referral_nfa="N",
        )
    return history.store()


def test_re_referrals_exactly_twelve_months_apart(history):
    store = _re_referral_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(date(2026, 3, 31), ids=["re_referrals_12m"])
        assert (figure.numerator, figure.denominator, figure.value) == (2, 4, 50.0)
        assert figure.formatted() == "50.0%"
        assert (figure.period.start, figure.period.end) == (date(2025, 4, 1), date(2026, 3, 31))
        # The same referrals counted as a rate: 4 referrals per 1,000 children = 40 per 10,000.
        (rate,) = calc.figures(date(2026, 3, 31), ids=["referral_rate"])
        assert (rate.numerator, rate.value, rate.children) == (4, 40.0, 3)


def test_the_children_behind_the_figure_are_those_counted(history):
    store = _re_referral_history(history)
    with calculator(store, AUTHORITY) as calc:
        numerator = calc.children("re_referrals_12m", date(2026, 3, 31))
        assert [(row["la_child_id"], row["event_date"]) for row in numerator] == [
            ("P1", date(2025, 5, 10)),
            ("P3", date(2026, 3, 31)),
        ]
        denominator = calc.children("re_referrals_12m", date(2026, 3, 31), part="denominator")
        assert len(denominator) == 4 and {row["child_id"] for row in denominator} == {1, 2, 3}
        # P3 was born 2009-03-31, so is 17 on 2026-03-31 (age at the period's end).
        assert {row["la_child_id"]: row["age"] for row in denominator} == {"P1": 11, "P2": 5, "P3": 17}
        with pytest.raises(IndicatorError, match="denominator is not children"):
            calc.children("referral_rate", date(2026, 3, 31), part="denominator")


def test_breakdowns_split_the_figure(history):
    store = _re_referral_history(history)
    with calculator(store, AUTHORITY) as calc:
        by_sex = {row["sex"]: row for row in calc.breakdown("re_referrals_12m", date(2026, 3, 31), "sex")}
        # Boys: P1's one referral, a re-referral: 1/1. Girls: P2's (no), P3's two (one yes): 1/3.
        assert (by_sex["M"]["numerator"], by_sex["M"]["denominator"], by_sex["M"]["value"]) == (1, 1, 100.0)
        assert (by_sex["F"]["numerator"], by_sex["F"]["denominator"]) == (1, 3)
        assert by_sex["F"]["value"] == pytest.approx(33.333, abs=0.001)
        bands = [row["age_band"] for row in calc.breakdown("re_referrals_12m", date(2026, 3, 31), "age_band")]
        assert bands == ["5 to 9", "10 to 15", "16 and over"]
        with pytest.raises(IndicatorError, match="breaks down by"):
            calc.breakdown("re_referrals_12m", date(2026, 3, 31), "shoe_size")


def test_a_trend_is_one_point_per_period(history):
    store = _re_referral_history(history)
    with calculator(store, AUTHORITY) as calc:
        trend = calc.trend("referral_rate", date(2026, 3, 31), "monthly", points=13)
        counts = {figure.period.end: figure.numerator for figure in trend.figures}
        # Months from April 2025 to March 2026 (and March 2025 first): P4 in March 2025, P3 in April 2025,
        # P1 in May, P2 in June, P3 in March 2026.
        assert counts[date(2025, 3, 31)] == 1
        assert counts[date(2025, 4, 30)] == 1 and counts[date(2025, 5, 31)] == 1 and counts[date(2025, 6, 30)] == 1
        assert counts[date(2025, 7, 31)] == 0 and counts[date(2026, 3, 31)] == 1
        assert len(trend.figures) == 13 and all(f.period.type == "month" for f in trend.figures)


def test_snapshot_counts_a_plan_open_on_the_date_only(history):
    # P1's plan runs 2025-01-10 to 2026-03-31: it ends on the date, so it is not open on it.
    # P2's plan started on the date: open. P3's plan started 2024-06-01 and has no end: open.
    # On 2026-03-31: P2 and P3 = 2 children per 1,000 = 20 per 10,000. On 2026-03-30: P1 and P3.
    for person, start, end in [
        ("P1", date(2025, 1, 10), date(2026, 3, 31)),
        ("P2", date(2026, 3, 31), None),
        ("P3", date(2024, 6, 1), None),
    ]:
        history.child(person, dob=date(2014, 1, 1))
        history.add("cp_plans", cppl_person_id=person, cppl_cp_plan_start_date=start, cppl_cp_plan_end_date=end)
    with calculator(history.store(), AUTHORITY) as calc:
        (on_the_day,) = calc.figures(date(2026, 3, 31), ids=["cp_plan_rate"])
        assert (on_the_day.numerator, on_the_day.value) == (2, 20.0)
        assert {row["la_child_id"] for row in calc.children("cp_plan_rate", date(2026, 3, 30))} == {"P1", "P3"}
        # Asked for a year, the table keeps a snapshot indicator on its date; counting it by year is refused.
        (kept,) = calc.figures(date(2026, 3, 31), ids=["cp_plan_rate"], period="year")
        assert kept.period.type == "snapshot"
        with pytest.raises(IndicatorError, match="not by year"):
            calc.calculate(library()["cp_plan_rate"], [period_ending("year", date(2026, 3, 31))])


def test_a_rate_without_a_population_says_why_it_has_no_value(history):
    store = _re_referral_history(history)
    with calculator(store, AuthoritySettings()) as calc:
        (rate,) = calc.figures(date(2026, 3, 31), ids=["referral_rate"])
        assert rate.value is None and "population_0_17" in rate.note and rate.numerator == 4


# --- targets, RAG, early warnings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "polarity", "rag"),
    [
        (20.0, "lower_is_better", "green"),  # on target
        (21.5, "lower_is_better", "amber"),  # 1.5 over, tolerance 2
        (22.0, "lower_is_better", "amber"),  # exactly at the tolerance
        (22.1, "lower_is_better", "red"),
        (19.0, "higher_is_better", "amber"),
        (25.0, "higher_is_better", "green"),
        (17.9, "higher_is_better", "red"),
        (21.0, "neutral", "green"),
        (23.5, "neutral", "amber"),  # within twice the tolerance
        (15.9, "neutral", "red"),
    ],
)
def test_rag_against_target_and_tolerance(value, polarity, rag):
    assert rag_status(value, Target(target=20, tolerance=2), polarity) == rag


def test_no_target_no_rag():
    assert rag_status(22.0, None, "lower_is_better") is None
    assert rag_status(None, Target(target=20), "lower_is_better") is None


def test_xmr_limits_by_hand():
    # Points 10, 12, 11, 13: mean 11.5; moving ranges 2, 1, 2: mean 5/3; limits 11.5 -/+ 2.66 * 5/3 = 4.4333.
    limits = xmr_limits([10, 12, 11, 13])
    assert limits.centre == 11.5
    assert limits.upper == pytest.approx(11.5 + 4.43333, abs=1e-4)
    assert limits.lower == pytest.approx(11.5 - 4.43333, abs=1e-4)


def test_early_warnings():
    steady = [20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 19]
    assert early_warnings(steady, "lower_is_better", 6) == []
    # A jump far above the limits is a warning where lower is better, good news where higher is better.
    jump = [*steady, 40]
    assert "above the upper control limit" in early_warnings(jump, "lower_is_better", 6)[0]
    assert early_warnings(jump, "higher_is_better", 6) == []
    # Six rises in a row, each small enough to stay inside the limits.
    creeping = [20, 21, 20, 19, 20, 21, 20, 20.1, 20.2, 20.3, 20.4, 20.5, 20.6]
    warnings = early_warnings(creeping, "lower_is_better", 6)
    assert warnings == ["moved the wrong way 6 periods in a row"]
    assert early_warnings(creeping, "lower_is_better", 7) == []
    assert early_warnings(creeping, "higher_is_better", 6) == []


def test_targets_come_from_the_authority_file(history, tmp_path):
    path = tmp_path / "authority.yml"
    path.write_text(
        "name: Testshire\npopulation_0_17: 1000\ntargets:\n  re_referrals_12m: {target: 20, tolerance: 5}\n",
        "utf-8",
    )
    settings = load_authority(path)
    store = _re_referral_history(history)
    with calculator(store, settings) as calc:
        (figure,) = calc.figures(date(2026, 3, 31), ids=["re_referrals_12m"])
        # 50% against a target of 20% (lower is better), tolerance 5: 30 points over -> red.
        assert figure.target.target == 20 and figure.rag == "red"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("population_0_17: -5\n", "population_0_17"),
        ("targets:\n  no_such_indicator: {target: 1}\n", "no indicator is called no_such_indicator"),
        ("targets: [\n", "cannot be read as YAML"),
        ("colour: blue\n", "colour"),
    ],
)
def test_a_bad_authority_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "authority.yml"
    path.write_text(text, "utf-8")
    with pytest.raises(SettingsError, match=message) as caught:
        load_authority(path)
    assert str(path) in str(caught.value)


def test_no_authority_file_means_defaults(tmp_path):
    settings = load_authority(tmp_path / "missing.yml")
    assert settings.population_0_17 is None and settings.targets == {}


def test_the_catalogue_page_is_written_from_the_library():
    from childhub.indicators.catalogue import catalogue_markdown

    page = Path(__file__).parents[2] / "docs" / "indicator-catalogue.md"
    assert page.read_text("utf-8") == catalogue_markdown(), "run scripts/indicator_catalogue.py"
    for ind in library().values():
        assert f"`{ind.id}`" in page.read_text("utf-8")


# --- comparators: the latest published, each with its year and source ------------------------------


def test_every_comparator_carries_its_value_year_and_source():
    import re

    for ind in library().values():
        comparator = ind.comparator
        if comparator is None:
            continue
        assert isinstance(comparator.value, float), ind.id
        assert re.fullmatch(r"20\d\d([-/]\d\d)?", comparator.year), (ind.id, comparator.year)
        assert re.match(r"(DfE|ONS|Ofsted|Youth Justice)", comparator.source), (ind.id, comparator.source)
        assert comparator.label.startswith(f"England {comparator.year}"), ind.id


@pytest.mark.parametrize(
    ("indicator_id", "value", "year", "basis"),
    [
        ("caseload_per_worker", 15.4, "2024", "published"),  # the issue: 2024's 15.4, not 2023's 16.0
        # children in need at 31 March 2025: 402,400, 330 per 10,000; not in the reference figures, so labelled
        ("cin_rate", 330, "2024-25", "unverified"),
        ("placement_stability_short", 10, "2024", "unverified"),  # 3 or more placements; "≈10% (unverified)"
        ("placement_stability_long", 68, "2024", "published"),  # the older measure: same placement
        ("placement_stability_long_carer", 69, "2025", "unverified"),  # the current one; not in the reference
        ("re_referrals_12m", 22.6, "2024-25", "published"),
    ],
)
def test_the_comparators_the_issue_names_have_the_published_values(indicator_id, value, year, basis):
    """Each with its year; a figure the reference marks derived or unverified, or does not hold, is labelled so
    (the reference: such values "must be labelled so in the product, or left out")."""
    comparator = library()[indicator_id].comparator
    assert (comparator.value, comparator.year, comparator.basis) == (value, year, basis)
    assert (f"({basis})" in comparator.label) == (basis != "published")


def test_a_comparator_that_is_no_longer_the_latest_is_left_out():
    # The agency rate's latest published figure (2024) is not in the reference figures; 2023's 17.8% is stale.
    assert library()["agency_worker_rate"].comparator is None


# --- long-term stability: by placement (older) and by carers (current) ------------------------------


def test_long_term_stability_by_carers_beside_by_placement(history):
    # As at 31 March 2026: looked after 2.5 years or more = the period began on or before 2023-10-01; for
    # 2 years = since 2024-04-01 or before. RNE B and U are new placements with the same carers.
    # K1: 12, S 2023-01-01, one placement                                  placement yes, carers yes
    # K2: 12, S 2022-06-01; B 2025-01-10 (same carers, new placement)      placement no (since 2025-01-10), carers yes
    # K3: 11, S 2022-09-01; P 2024-06-01 (new carers)                      no, no
    # K4: 10, S 2023-03-01; P 2025-06-01 placed for adoption (A4): the placement and carers before began
    #     2023-03-01, so the two together last 2 years                      yes, yes
    # K5: 13, S 2022-01-01 V2; U 2024-05-01 (legal status and placement, same carers); L 2025-02-01
    #     (legal status only)                                              no (since 2024-05-01), yes
    # K9: 10, S 2023-10-01 (exactly 2.5 years); P 2024-04-01 (exactly 2 years)  yes, yes
    # K6: 16 on the date (born 2010-03-31), one placement since 2020       left out
    # K7: S 2024-01-01: under 2.5 years                                    left out
    # Cohort K1 K2 K3 K4 K5 K9 = 6. Same placement: K1 K4 K9 = 3 (50.0%). Same carers: K1 K2 K4 K5 K9 = 5 (83.3%).
    for person, dob in [
        ("K1", date(2014, 1, 1)),
        ("K2", date(2013, 5, 5)),
        ("K3", date(2015, 2, 2)),
        ("K4", date(2016, 3, 3)),
        ("K5", date(2012, 7, 7)),
        ("K6", date(2010, 3, 31)),
        ("K7", date(2014, 1, 1)),
        ("K9", date(2016, 1, 1)),
    ]:
        history.child(person, dob=dob)
    x1 = {"reason_ceased": "X1"}
    history.episode("K1", date(2023, 1, 1), "S", "C2", "U4")
    history.episode("K2", date(2022, 6, 1), "S", "C2", "U4", ceased=date(2025, 1, 10), **x1)
    history.episode("K2", date(2025, 1, 10), "B", "C2", "U1")
    history.episode("K3", date(2022, 9, 1), "S", "C2", "U4", ceased=date(2024, 6, 1), **x1)
    history.episode("K3", date(2024, 6, 1), "P", "C2", "U4")
    history.episode("K4", date(2023, 3, 1), "S", "C2", "U4", ceased=date(2025, 6, 1), **x1)
    history.episode("K4", date(2025, 6, 1), "P", "E1", "A4")
    history.episode("K5", date(2022, 1, 1), "S", "V2", "U4", ceased=date(2024, 5, 1), **x1)
    history.episode("K5", date(2024, 5, 1), "U", "C2", "U1", ceased=date(2025, 2, 1), **x1)
    history.episode("K5", date(2025, 2, 1), "L", "C1", "U1")
    history.episode("K6", date(2020, 1, 1), "S", "C2", "U4")
    history.episode("K7", date(2024, 1, 1), "S", "C2", "U4")
    history.episode("K9", date(2023, 10, 1), "S", "C2", "U4", ceased=date(2024, 4, 1), **x1)
    history.episode("K9", date(2024, 4, 1), "P", "C2", "U5")
    as_at = date(2026, 3, 31)
    with calculator(history.store(), AUTHORITY) as calc:
        placement, carers = calc.figures(as_at, ids=["placement_stability_long", "placement_stability_long_carer"])
        assert (placement.numerator, placement.denominator, placement.formatted()) == (3, 6, "50.0%")
        assert (carers.numerator, carers.denominator, carers.formatted()) == (5, 6, "83.3%")
        stable = calc.children("placement_stability_long_carer", as_at)
        assert sorted(row["la_child_id"] for row in stable) == ["K1", "K2", "K4", "K5", "K9"]
        cohort = calc.children("placement_stability_long_carer", as_at, part="denominator")
        assert sorted(row["la_child_id"] for row in cohort) == ["K1", "K2", "K3", "K4", "K5", "K9"]
        # Each is set beside its own England figure.
        assert placement.as_dict()["england"] == 68 and carers.as_dict()["england"] == 69


# --- part of a year, compared like with like -----------------------------------------------------------


def _referrals_on(history, days):
    history.child("R1", dob=date(2015, 1, 1))
    for number, day in enumerate(days):
        history.add("cin_episodes", cine_referral_id=f"R1:{number}", cine_person_id="R1", cine_referral_date=day)
    return history.store()


def test_a_year_to_date_count_is_annualised_and_set_beside_the_same_days_last_year(history):
    # 1 April to 4 December 2026 is 248 days (April 30, May 31, June 30, July 31, August 31, September 30,
    # October 31, November 30, December 4) of the 365 from 1 April 2026 to 31 March 2027.
    # Referrals in it: 2026-04-01 (its first day), 2026-06-15, 2026-09-09, 2026-11-30, 2026-12-04 (its last) = 5;
    # 2026-03-31 and 2026-12-05 fall outside. The same days a year earlier (1 April to 4 December 2025):
    # 2025-04-01, 2025-08-08, 2025-12-04 = 3; 2025-12-05 falls outside.
    # Count 5, annualised 5 x 365 / 248 = 7.3589 (shown 7). Per 10,000 of 1,000 children: 50.0, annualised
    # 73.5887 (shown 73.6 per 10,000); last year 30.0.
    store = _referrals_on(
        history,
        [
            date(2026, 3, 31),
            date(2026, 4, 1),
            date(2026, 6, 15),
            date(2026, 9, 9),
            date(2026, 11, 30),
            date(2026, 12, 4),
            date(2026, 12, 5),
            date(2025, 4, 1),
            date(2025, 8, 8),
            date(2025, 12, 4),
            date(2025, 12, 5),
        ],
    )
    authority = AuthoritySettings(population_0_17=1000, targets={"referral_rate": Target(target=70, tolerance=2)})
    as_at = date(2026, 12, 4)
    with calculator(store, authority) as calc:
        count, rate = calc.figures(as_at, ids=["referrals_count", "referral_rate"])
    like = count.like_for_like
    assert (like.days, like.year_days) == (248, 365)
    assert count.value == 5 and like.annualised == pytest.approx(7.35887, abs=1e-5) and like.last_year == 3
    assert (like.last_year_period.start, like.last_year_period.end) == (date(2025, 4, 1), date(2025, 12, 4))
    assert rate.value == 50.0 and rate.like_for_like.annualised == pytest.approx(73.5887, abs=1e-4)
    shown = rate.as_dict()
    assert shown["annualised_formatted"] == "73.6 per 10,000" and shown["last_year_formatted"] == "30.0 per 10,000"
    assert shown["compared_as"].startswith("248 of 365 days, annualised")
    # RAG is judged on the annualised figure (73.6, 3.6 from a neutral target of 70: amber), not the 50.0 so far
    # (20 away: red).
    assert (rate.rag, shown["rag_value"]) == ("amber", 73.6) and "annualised" in shown["rag_basis"]
    # A share is not annualised: it is set beside the same days last year only.
    with calculator(store, AUTHORITY) as calc:
        (nfa,) = calc.figures(as_at, ids=["referrals_nfa"])
        assert nfa.like_for_like.annualised is None and nfa.like_for_like.days == 248
        # The whole year (to 31 March 2027) and a snapshot need nothing.
        (whole,) = calc.figures(date(2027, 3, 31), ids=["referrals_count"])
        assert whole.like_for_like is None and whole.as_dict()["part_of_year"] is False
        (snapshot,) = calc.figures(as_at, ids=["cp_plan_rate"])
        assert snapshot.like_for_like is None


@pytest.mark.parametrize(
    ("period_type", "end", "days", "year_days", "complete"),
    [
        ("year", date(2026, 12, 4), 248, 365, False),
        ("year", date(2027, 3, 31), 365, 365, True),
        ("year", date(2028, 3, 31), 366, 366, True),  # across 29 February 2028
        ("month", date(2026, 12, 4), 4, 365, False),
        ("month", date(2026, 11, 30), 30, 365, True),
        ("quarter", date(2026, 12, 31), 92, 365, True),
        ("rolling_12", date(2026, 12, 4), 365, 365, True),
        ("snapshot", date(2026, 12, 4), 1, 365, True),
    ],
)
def test_a_period_knows_its_days_and_whether_it_is_complete(period_type, end, days, year_days, complete):
    period = period_ending(period_type, end)
    assert (period.days, period.year_days, period.complete) == (days, year_days, complete)
    assert period.part_of_year == (period_type != "snapshot" and days < year_days)


# --- early warnings never judge an incomplete period ---------------------------------------------------


def test_the_part_month_at_the_end_of_a_trend_is_partial_and_raises_no_warning(history):
    # Referrals each month from December 2024 to November 2026: 9, 10, 11, 10 repeating (mean 10, moving
    # ranges 1, 1, 1, 2...: limits about 10 -/+ 3.5). On 4 December 2026 the month so far holds 1 referral: far
    # below the lower limit, but it is 4 days of a month, not a fall. It is marked partial and not judged.
    days = []
    month = date(2024, 12, 1)
    for index in range(24):
        days += [month.replace(day=1 + n) for n in range((9, 10, 11, 10)[index % 4])]
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    days.append(date(2026, 12, 2))
    store = _referrals_on(history, days)
    with calculator(store, AUTHORITY) as calc:
        trend = calc.trend("referrals_count", date(2026, 12, 4), "monthly", 25)
    last = trend.figures[-1]
    assert (last.period.start, last.period.end, last.value) == (date(2026, 12, 1), date(2026, 12, 4), 1)
    assert last.partial and not any(figure.partial for figure in trend.figures[:-1])
    assert trend.warnings == ()
    assert trend.limits.lower > 1  # the partial point would have been below it
    assert "part month (4 days so far)" in trend.partial_note
    # Judged with the part month, as it was before, the same series cries wolf.
    judged_before = early_warnings([figure.value for figure in trend.figures], "neutral", 6)
    assert judged_before and "below the lower control limit" in judged_before[0]


# --- RAG agrees with the value shown ----------------------------------------------------------------


def test_rag_is_judged_on_the_value_as_shown(history):
    # 4,249 of 5,000 assessments authorised in the year to 31 March 2026 within 45 working days: 84.98%,
    # shown as 85.0%. Against a target of 85 (higher is better, tolerance 5) the value shown meets it: green,
    # not the amber 84.98 would be. Monday 2 June 2025 to Monday 4 August 2025 is 45 working days (no bank
    # holiday between); to the 5th, 46. A0 and A1 to A4248 take 45, A4249 to A4999 take 46.
    history.child("A1", dob=date(2015, 1, 1))
    history.add("cin_assessments", cina_assessment_id="A0", cina_person_id="A1")
    store = history.store()
    with store.writer() as conn:  # 5,000 rows in one statement (History writes one at a time)
        conn.execute(
            "INSERT INTO cin_assessments SELECT * EXCLUDE (n) REPLACE ('A' || n AS cina_assessment_id, 'key-' || n AS "
            "source_record_key, DATE '2025-06-02' AS cina_assessment_start_date, CASE WHEN n < 4249 THEN "
            "DATE '2025-08-04' ELSE DATE '2025-08-05' END AS cina_assessment_auth_date) "
            "FROM cin_assessments, range(1, 5000) AS r(n)"
        )
        conn.execute(
            "UPDATE cin_assessments SET cina_assessment_start_date = DATE '2025-06-02', "
            "cina_assessment_auth_date = DATE '2025-08-04' WHERE cina_assessment_id = 'A0'"
        )
    authority = AuthoritySettings(targets={"assessments_45wd": Target(target=85, tolerance=5)})
    with calculator(store, authority) as calc:
        (figure,) = calc.figures(date(2026, 3, 31), ids=["assessments_45wd"])
    assert figure.value == pytest.approx(84.98) and figure.formatted() == "85.0%"
    assert figure.rag == "green" and rag_status(figure.value, figure.target, "higher_is_better") == "amber"
    shown = figure.as_dict()
    assert (shown["rag_value"], shown["rag_basis"]) == (85.0, "the value as shown, 85.0%")
