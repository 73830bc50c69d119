"""The indicator framework: the library as data, periods, counting, children behind a figure, targets and SPC.

The indicators' own definitions are tested in test_indicators_<area>.py; this file tests the
machinery with the re-referral and CP-plan indicators as examples.
"""

from __future__ import annotations

from datetime import date
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
