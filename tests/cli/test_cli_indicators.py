"""childhub indicators and childhub indicator on a hand-built history, end to end through the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from helpers import run

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick


@pytest.fixture
def data_dir(history):
    # Two referrals in the year to 31 March 2026 for P1, the second 3 months after the first
    # (a re-referral); one for P2 with none before it. Re-referrals: 1 of 3 = 33.3%.
    history.child("P1", dob=date(2012, 4, 1), sex="M", child_id=1)
    history.child("P2", dob=date(2018, 9, 9), sex="F", child_id=2)
    for person, day in [("P1", date(2025, 6, 1)), ("P1", date(2025, 9, 1)), ("P2", date(2025, 7, 15))]:
        history.add("cin_episodes", cine_referral_id=f"{person}:{day}", cine_person_id=person, cine_referral_date=day)
    store = history.store()
    (store.data_dir / "authority.yml").write_text(
        "name: Testshire\npopulation_0_17: 1500\ntargets:\n  re_referrals_12m: {target: 25, tolerance: 5}\n", "utf-8"
    )
    return store.data_dir


def test_the_table_in_json_has_comparator_target_and_rag(data_dir):
    result = run("indicators", "--as-at", "2026-03-31", "--format", "json", data_dir=data_dir, check=True)
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    re_referrals = rows["re_referrals_12m"]
    assert (re_referrals["numerator"], re_referrals["denominator"]) == (1, 3)
    assert re_referrals["formatted"] == "33.3%"
    # 33.3% against 25 (lower is better), tolerance 5: 8.3 over the target -> red.
    assert (re_referrals["target"], re_referrals["rag"]) == (25, "red")
    assert re_referrals["england"] == 22.6 and re_referrals["england_label"].startswith("England")
    # 3 referrals per 1,500 children = 20 per 10,000.
    assert rows["referral_rate"]["value"] == 20.0


def test_the_table_prints_for_people(data_dir):
    result = run("indicators", "--as-at", "2026-03-31", data_dir=data_dir, check=True)
    assert "Re-referrals within 12 months" in result.stdout and "33.3%" in result.stdout and "red" in result.stdout


def test_the_children_behind_a_figure_are_listed_and_audited(data_dir):
    result = run(
        "indicator",
        "re_referrals_12m",
        "--as-at",
        "2026-03-31",
        "--children",
        "denominator",
        "--format",
        "csv",
        data_dir=data_dir,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(row["la_child_id"] for row in rows) == ["P1", "P1", "P2"]
    from childhub.audit import events

    (event,) = events(data_dir)
    assert event.channel == "cli" and event.action == "view_children"
    assert event.subject == "re_referrals_12m" and event.child_count == 2
    assert event.details["part"] == "denominator" and event.details["as_at"] == "2026-03-31"


def test_a_breakdown_and_a_trend(data_dir):
    by_sex = run(
        "indicator",
        "re_referrals_12m",
        "--as-at",
        "2026-03-31",
        "--by",
        "sex",
        "--format",
        "json",
        data_dir=data_dir,
        check=True,
    )
    groups = {row["sex"]: (row["numerator"], row["denominator"]) for row in json.loads(by_sex.stdout)}
    assert groups == {"F": (0, 1), "M": (1, 2)}
    trend = run(
        "indicator",
        "referral_rate",
        "--as-at",
        "2026-03-31",
        "--trend",
        "monthly",
        "--points",
        "12",
        data_dir=data_dir,
        check=True,
    )
    assert "control limits (XmR)" in trend.stdout and "early warnings:" in trend.stdout


def test_mistakes_are_one_line(data_dir):
    unknown = run("indicator", "re_referals", "--as-at", "2026-03-31", data_dir=data_dir)
    assert unknown.returncode == 1 and "did you mean re_referrals_12m" in unknown.stderr
    assert unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    bad_by = run("indicator", "re_referrals_12m", "--as-at", "2026-03-31", "--by", "shoe", data_dir=data_dir)
    assert bad_by.returncode == 1 and "breaks down by" in bad_by.stderr and bad_by.stderr.count("\n") == 1
    (data_dir / "authority.yml").write_text("population_0_17: lots\n", "utf-8")
    bad_file = run("indicators", "--as-at", "2026-03-31", data_dir=data_dir)
    assert bad_file.returncode == 1 and "authority.yml" in bad_file.stderr and bad_file.stderr.count("\n") == 1


def test_a_year_so_far_is_annualised_and_set_beside_last_year_in_the_table(data_dir):
    # On 2025-12-04 the year so far is 1 April to 4 December 2025: 248 of the 365 days to 31 March 2026. The three
    # referrals (June, July, September) per 1,500 children are 20.0 per 10,000; annualised 20 x 365 / 248 =
    # 29.435 (shown 29.4 per 10,000). The same days of 2024 hold none.
    result = run("indicators", "--as-at", "2025-12-04", "--format", "json", data_dir=data_dir, check=True)
    rate = {row["id"]: row for row in json.loads(result.stdout)}["referral_rate"]
    assert (rate["formatted"], rate["days_counted"], rate["days_in_year"]) == ("20.0 per 10,000", 248, 365)
    assert (rate["annualised_formatted"], rate["last_year_formatted"]) == ("29.4 per 10,000", "0.0 per 10,000")
    assert (rate["last_year_period_start"], rate["last_year_period_end"]) == ("2024-04-01", "2024-12-04")
    table = run("indicators", "--as-at", "2025-12-04", data_dir=data_dir, check=True).stdout
    row = " ".join(line for line in table.splitlines() if "referral_rate" in line or "Referrals per" in line)
    assert "248 of 365 days" in table and "annualised" in table and "a full year" in table
    assert "20.0 per 10,000" in row


def test_a_trend_marks_the_part_month_and_does_not_judge_it(data_dir):
    trend = run(
        "indicator",
        "referrals_count",
        "--as-at",
        "2025-09-04",
        "--trend",
        "monthly",
        "--points",
        "4",
        "--format",
        "json",
        data_dir=data_dir,
        check=True,
    )
    points = json.loads(trend.stdout)
    assert [point["partial"] for point in points] == ["", "", "", "so far: not judged"]
    assert points[-1]["period"] == "2025-09-01 to 2025-09-04" and points[-1]["count"] == 1  # P1's 1 September
    table = run(
        "indicator", "referrals_count", "--as-at", "2025-09-04", "--trend", "monthly", data_dir=data_dir, check=True
    ).stdout
    assert "partial: 2025-09-01 to 2025-09-04 is a part month (4 days so far)" in table


def test_one_figure_prints_as_lines_people_read(data_dir):
    result = run("indicator", "re_referrals_12m", "--as-at", "2026-03-31", data_dir=data_dir, check=True).stdout
    assert "1 of 3" in result and "33.3%" in result and "22.6% (England 2024-25)" in result
    assert "red, judged on the value as shown, 33.3%" in result
    assert "'period_type'" not in result and "period_type" not in result  # not the raw fields
