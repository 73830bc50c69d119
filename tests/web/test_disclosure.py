"""Disclosure control: the suppression rules on hand-made tables, and a differencing attack as scrutiny.

The attack takes every number the scrutiny role is shown for an indicator (the figure, each breakdown's
cells, the daily trend's points) and tries each way the security review (finding 1) recovered a hidden
small number: the figure's total minus the cells shown, hidden cells that must each be 1 (or each 4),
a value with one of its counts hidden, a single non-zero group under a suppressed figure, and the
difference of consecutive daily points. A recovery counts only if the analyst's unsuppressed figures
confirm it: an exact value from 1 to 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from childhub.disclosure import (
    NOT_PUBLISHED_BY,
    SUPPRESSED,
    protect_breakdown,
    round_count,
    rounded_value,
)

THRESHOLD = 5  # the default small_number_threshold
COLUMNS = ("numerator", "denominator", "children")


def group(numerator, denominator=None, children=None):
    return {"numerator": numerator, "denominator": denominator, "children": numerator if children is None else children}


def total_of(rows):
    denominators = [row["denominator"] for row in rows]
    return {
        "numerator": sum(row["numerator"] for row in rows),
        "denominator": None if None in denominators else sum(denominators),
        "children": sum(row["children"] for row in rows),
    }


# --- the rules on hand-made tables (the finding's examples) -------------------------------------


def test_seven_areas_each_hidden_with_a_total_of_seven_are_withheld():
    # cp_plans_started on 2026-03-31: 7 areas all [c] under a figure of 7, so each area had exactly one.
    rows = [group(1) for _ in range(7)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.withheld and not protection.hidden


def test_hidden_cells_that_would_each_be_four_are_protected_too():
    rows = [group(4), group(4), group(30)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {0, 1, 2} or protection.withheld


def test_a_small_denominator_under_a_suppressed_figure_withholds_the_breakdown():
    # cp_plans_2_years: EMO [c]/[c], NEG 0/8, figure denominator 10: the EMO denominator was 2.
    rows = [group(1, 2), group(0, 8)]
    assert protect_breakdown(total_of(rows), rows, THRESHOLD).withheld


def test_a_lone_hidden_denominator_gets_a_partner_for_its_column():
    # EMO 2/2 is hidden; NEG 0/8 and PHY 6/20 are not small. Hiding EMO alone leaves its denominator as
    # 30 - 8 - 20 and its numerator as 8 - 0 - 6: PHY (the smallest non-zero numerator) is hidden too.
    rows = [group(2, 2), group(0, 8), group(6, 20)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {0, 2} and not protection.withheld


def test_a_denominator_alone_small_is_protected_by_its_column():
    # Numerators 0 everywhere (nothing to protect there), one denominator of 3: it needs a partner.
    rows = [group(0, 3), group(0, 40), group(0, 12)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {0, 2}


def test_a_single_group_under_a_suppressed_figure_is_not_shown_even_by_its_zeros():
    # referrals_nfa by sex: M [c], F 0 says the one NFA referral was a boy.
    rows = [group(1), group(0)]
    assert protect_breakdown(total_of(rows), rows, THRESHOLD).withheld


def test_the_smallest_group_is_hidden_with_a_lone_small_one_not_the_largest():
    # One referral with sex unknown: girls (100) are hidden with it, boys (120) stay; the zero
    # "indeterminate" group is no partner (the two hidden together would add up to a small number).
    rows = [group(120), group(100), group(1), group(0)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {1, 2}


def test_hidden_groups_that_add_up_to_a_small_number_get_another_partner():
    rows = [group(1), group(2), group(9), group(30)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {0, 1, 2}


def test_hidden_groups_all_at_one_hundred_percent_get_a_partner():
    rows = [group(3, 3), group(4, 4), group(8, 10), group(20, 40)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == {0, 1, 2}


def test_children_alone_small_are_hidden_with_a_partner_and_the_counts_stay():
    rows = [group(12, children=2), group(15, children=9), group(40, children=30)]
    protection = protect_breakdown(total_of(rows), rows, THRESHOLD)
    assert protection.hidden == set() and protection.children_hidden == {0, 1}


def test_nothing_is_hidden_without_a_threshold():
    rows = [group(1), group(0)]
    protection = protect_breakdown(total_of(rows), rows, 0)
    assert not protection.hidden and not protection.withheld


def _attack_protected(rows):
    """What the attack recovers from ``rows`` once protected (as the page would show them)."""
    total = total_of(rows)
    protection = protect_breakdown(total, rows, THRESHOLD)
    shown_total = {c: SUPPRESSED if 0 < (total[c] or 0) < THRESHOLD else total[c] for c in COLUMNS}
    shown = [] if protection.withheld else [_shown_group(row, i, protection) for i, row in enumerate(rows)]
    attack = Attack()
    attack.breakdown(shown_total, shown, rows)
    return attack.recovered


def test_a_protected_count_breakdown_leaves_nothing_recoverable_on_many_tables():
    # Every table of 2 to 4 groups with numerators from {0, 1, 2, 3, 4, 5, 9}.
    import itertools

    values = (0, 1, 2, 3, 4, 5, 9)
    tables = 0
    for size in (2, 3, 4):
        for numerators in itertools.product(values, repeat=size):
            assert _attack_protected([group(n) for n in numerators]) == [], numerators
            tables += 1
    assert tables == 7**2 + 7**3 + 7**4


def test_a_protected_rate_breakdown_leaves_nothing_recoverable_on_many_tables():
    # Every table of 2 to 4 groups of numerator/denominator pairs, small ones in either or both.
    import itertools

    pairs = ((0, 3), (0, 8), (1, 2), (2, 2), (3, 9), (4, 4), (6, 6), (6, 20))
    tables = 0
    for size in (2, 3, 4):
        for chosen in itertools.product(pairs, repeat=size):
            assert _attack_protected([group(n, d) for n, d in chosen]) == [], chosen
            tables += 1
    assert tables == 8**2 + 8**3 + 8**4


def _shown_group(row, position, protection):
    hidden = position in protection.hidden
    children_hidden = position in protection.children_hidden
    return {
        "group": position,
        "value": None if hidden else row["numerator"],
        "numerator": SUPPRESSED if hidden or 0 < row["numerator"] < THRESHOLD else row["numerator"],
        "denominator": SUPPRESSED if hidden or 0 < (row["denominator"] or 0) < THRESHOLD else row["denominator"],
        "children": SUPPRESSED if children_hidden or 0 < row["children"] < THRESHOLD else row["children"],
    }


def test_rounding_to_five_and_values_made_from_rounded_counts():
    assert [round_count(n) for n in (0, 2, 3, 7, 8, 12, 13, 102)] == [0, 0, 5, 5, 10, 10, 15, 100]
    assert rounded_value(25.0, 6, 24, 5, 25) == pytest.approx(20.0)  # a percentage: 5 of 25
    assert rounded_value(30.0, 6, None, 5, None) == pytest.approx(25.0)  # a rate: scales with its count


# --- the attack ----------------------------------------------------------------------------------


def _number(shown):
    return shown if isinstance(shown, (int, float)) and not isinstance(shown, bool) else None


@dataclass
class Attack:
    """Every recovery tried, and those the truth confirms (exact values from 1 to 4)."""

    attempts: int = 0
    recovered: list[str] = field(default_factory=list)
    # one month end's cumulative figure minus the last (a known limit: docs/security/disclosure.md)
    month_end_attempts: int = 0
    month_end_recovered: list[str] = field(default_factory=list)

    def _confirm(self, what: str, claimed: float, truth) -> None:
        if truth is not None and 1 <= claimed <= 4 and abs(truth - claimed) < 1e-9:
            self.recovered.append(f"{what} = {claimed:g}")

    def breakdown(self, figure: dict, shown: list[dict], truth_rows: list[dict], name: str = "") -> None:
        """Total minus shown cells, hidden cells each 1 (or each 4), a single non-zero group, a value with a
        count hidden; ``truth_rows`` are the same groups unsuppressed, in the same order."""
        if not shown:
            return
        self.attempts += 1
        if figure["numerator"] == SUPPRESSED:
            nonzero = [row for row in shown if row["numerator"] != 0]
            if len(nonzero) == 1:
                self.recovered.append(f"{name}: the suppressed figure is all in group {nonzero[0]['group']}")
        for column in COLUMNS:
            total = _number(figure.get(column))
            if total is None:
                continue
            hidden = [i for i, row in enumerate(shown) if row.get(column) == SUPPRESSED]
            if not hidden:
                continue
            rest = total - sum(_number(row.get(column)) or 0 for row in shown)
            truths = [truth_rows[i].get(column) for i in hidden]
            if len(hidden) == 1:
                self._confirm(f"{name} {column} of {shown[hidden[0]]['group']}", rest, truths[0])
            for each in (1, THRESHOLD - 1):
                if rest == each * len(hidden) and all(t == each for t in truths):
                    self.recovered += [f"{name} {column} of {shown[i]['group']} = {each}" for i in hidden]
        for i, row in enumerate(shown):
            self._value_with_a_count_hidden(f"{name} {row['group']}", row, truth_rows[i])

    def _value_with_a_count_hidden(self, what: str, shown: dict, truth: dict) -> None:
        value, numerator, denominator = _number(shown.get("value")), shown.get("numerator"), shown.get("denominator")
        if value is None or not value:
            return
        if numerator == SUPPRESSED and _number(denominator):
            ratio = value * denominator
            for scale in (1, 100):  # a ratio, or a percentage
                self._confirm(f"{what} numerator", round(ratio / scale), truth.get("numerator"))
        if denominator == SUPPRESSED and _number(numerator):
            for scale in (1, 100):
                self._confirm(f"{what} denominator", round(numerator * scale / value), truth.get("denominator"))

    def trend(self, points: list[dict], truth: list[dict], name: str = "") -> None:
        """Consecutive points differenced: a shown change of 1 to 4 that is the true change."""
        for (a, b), (ta, tb) in zip(
            zip(points, points[1:], strict=False), zip(truth, truth[1:], strict=False), strict=True
        ):
            for column in ("numerator", "denominator"):
                first, second = _number(a.get(column)), _number(b.get(column))
                if first is None or second is None:
                    continue
                self.attempts += 1
                change = abs(second - first)
                true_change = abs((tb.get(column) or 0) - (ta.get(column) or 0))
                self._confirm(f"{name} {column} {a['as_at']} -> {b['as_at']}", change, true_change)


def attack_indicator(web_hub, scrutiny, analyst, indicator_id: str, as_at: date) -> Attack:
    """Every recovery tried on one indicator on one date, as scrutiny, checked against the analyst's view."""
    attack = Attack()
    params = {"as_at": as_at.isoformat(), "frequency": "daily"}
    shown = scrutiny.get(f"/api/v1/indicators/{indicator_id}", params=params).json()
    params["as_at"] = shown["as_at"]  # the date scrutiny was shown (a month end)
    truth = analyst.get(f"/api/v1/indicators/{indicator_id}", params=params).json()
    assert truth["as_at"] == shown["as_at"]
    name = f"{indicator_id} {as_at}"
    attack._value_with_a_count_hidden(f"{name} figure", shown["figure"], truth["figure"])
    for by, rows in shown["breakdowns"].items():
        attack.attempts += 1
        if by in NOT_PUBLISHED_BY:
            attack.recovered.append(f"{name}: a breakdown by {by} is shown")
        truth_rows = {row["group"]: row for row in truth["breakdowns"][by]}
        attack.breakdown(shown["figure"], rows, [truth_rows[row["group"]] for row in rows], f"{name} by {by}")
    attack.trend(shown["trend"]["points"], truth["trend"]["points"], f"{name} daily")
    return attack


def attack_dates(today: date) -> list[date]:
    """Today, the last 31 March, and the end of the month before last."""
    march = date(today.year if today.month > 3 else today.year - 1, 3, 31)
    month_before_last = today.replace(day=1) - timedelta(days=1)
    month_before_last = month_before_last.replace(day=1) - timedelta(days=1)
    return [today, march, month_before_last]


def attack_consecutive_days(scrutiny, analyst, indicator_ids, as_at: date) -> tuple[Attack, Attack]:
    """Every figure on ``as_at`` minus the same figure the day before, as scrutiny sees them: returns the
    recoveries from two different days, and (apart) from two month ends when each day is shown as one."""
    days, month_ends = Attack(), Attack()
    shown = [
        scrutiny.get("/api/v1/indicators", params={"as_at": d.isoformat()}).json()
        for d in (as_at - timedelta(days=1), as_at)
    ]
    dates = [body["as_at"] for body in shown]
    if dates[0] == dates[1]:
        days.attempts += len(indicator_ids)  # the same reference date twice: nothing to subtract
        return days, month_ends
    truth = [analyst.get("/api/v1/indicators", params={"as_at": d}).json() for d in dates]
    attack = days if (date.fromisoformat(dates[1]) - date.fromisoformat(dates[0])).days == 1 else month_ends
    figures = [{f["id"]: f for f in body["indicators"]} for body in shown]
    true_figures = [{f["id"]: f for f in body["indicators"]} for body in truth]
    for indicator_id in indicator_ids:
        attack.trend(
            [figures[0][indicator_id] | {"as_at": dates[0]}, figures[1][indicator_id] | {"as_at": dates[1]}],
            [true_figures[0][indicator_id], true_figures[1][indicator_id]],
            f"{indicator_id} figure",
        )
    return days, month_ends


def run_attack(web_hub, indicator_ids, dates) -> Attack:
    scrutiny, analyst = web_hub.client("scrutiny"), web_hub.client("analyst")
    total = Attack()
    for as_at in dates:
        for indicator_id in indicator_ids:
            found = attack_indicator(web_hub, scrutiny, analyst, indicator_id, as_at)
            total.attempts += found.attempts
            total.recovered += found.recovered
        days, month_ends = attack_consecutive_days(scrutiny, analyst, indicator_ids, as_at)
        total.attempts += days.attempts
        total.recovered += days.recovered
        total.month_end_attempts += month_ends.attempts
        total.month_end_recovered += month_ends.recovered
    return total


# The indicators the security review found leaking, and one of each unit.
FEW = (
    "cp_plans_started",
    "cp_plans_2_years",
    "referrals_nfa",
    "icpc_15wd",
    "contact_rate",
    "contacts_to_referral",
    "cla_rate",
)


@pytest.mark.slow
def test_differencing_recovers_no_small_number_from_a_few_indicators(web_hub):
    attack = run_attack(web_hub, FEW, [web_hub.as_at])
    print(f"differencing attack (few): {attack.attempts} attempts, {len(attack.recovered)} recoveries")
    for found in attack.recovered:
        print("  recovered:", found)
    assert attack.attempts > 100
    assert attack.recovered == [], attack.recovered[:20]


@pytest.mark.slow
def test_differencing_recovers_no_small_number_from_any_indicator_or_breakdown(web_hub):
    from childhub.indicators import library

    attack = run_attack(web_hub, sorted(library()), attack_dates(web_hub.as_at))
    print(
        f"differencing attack: {attack.attempts} attempts, {len(attack.recovered)} recoveries; month ends "
        f"{attack.month_end_attempts} attempts, {len(attack.month_end_recovered)} recoveries"
    )
    for found in attack.recovered + attack.month_end_recovered:
        print("  recovered:", found)
    assert attack.attempts > 1000
    assert attack.recovered == [], attack.recovered[:20]


def test_scrutiny_pages_withhold_what_the_api_withholds(web_hub):
    client = web_hub.client("scrutiny")
    page = client.get("/indicators/cp_plans_started").text
    body = client.get("/api/v1/indicators/cp_plans_started").json()
    assert "worker" not in body["breakdowns"] and "team" not in body["breakdowns"]
    assert "By worker" not in page and "By team" not in page
    for by in body["withheld"]:
        assert f"By {by.replace('_', ' ')}" in page
    assert "Not shown, so that no small number can be worked out" in page or not body["withheld"]
    analyst = web_hub.client("analyst").get("/api/v1/indicators/cp_plans_started").json()
    assert "worker" in analyst["breakdowns"] and analyst["withheld"] == {}


def test_the_month_end_scrutiny_sees_is_warmed_before_a_snapshot_serves(monkeypatch):
    from types import SimpleNamespace

    from childhub.disclosure import reference_date
    from childhub.web import measures

    counted: list[tuple[str, date]] = []
    figure = SimpleNamespace(indicator=SimpleNamespace(id="cla_count"))

    def figures_on(snapshot, request, as_at):
        counted.append(("figures", as_at))
        return [figure]

    monkeypatch.setattr(measures, "figures_on", figures_on)
    monkeypatch.setattr(measures, "trend_of", lambda s, r, i, as_at, f: counted.append(("trend", as_at)))
    monkeypatch.setattr(measures, "figure_of", lambda s, r, i, as_at: None)
    monkeypatch.setattr(measures, "breakdowns_of", lambda s, r, i, as_at: None)
    snapshot = SimpleNamespace(memo=lambda key, compute, reads=None: compute())
    measures.warm(snapshot, authority=None)
    month_end = reference_date(date.today(), THRESHOLD)
    assert ("figures", month_end) in counted and ("trend", month_end) in counted
