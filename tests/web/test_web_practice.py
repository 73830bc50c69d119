"""The practice quality page, its API and download, and the audits on the indicator page: counts for every role
that may open it (suppressed for scrutiny), the children audited only for those who may see children, in scope
and audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from childhub.audit import events
from childhub.disclosure import reference_date
from childhub.facts import prepare
from childhub.leaders.practice import practice_window


def _audits_in(web_hub, start: date, end: date) -> list[tuple[str, str]]:
    """(audit, grade) of every audit completed from ``start`` to ``end``, straight from the facts."""
    with web_hub.store.reader() as conn:
        prepare(conn, ["case_audit"])
        return conn.execute(
            "SELECT audit_id, grade FROM fact_case_audit WHERE audit_date BETWEEN ? AND ?", [start, end]
        ).fetchall()


def _counts(body) -> list:
    """Every count the JSON shows (totals, by grade, theme and month, each answer)."""
    found = []
    if body["audits"]:
        found += [body["audits"]["audits"], *(n for _, n in body["audits"]["by_grade"])]
        found += [n for _, n in body["audits"]["by_theme"]]
    for month in body["audits_by_month"]:
        found += [month["audits"], *(n for _, n in month["by_grade"])]
    for result in body["surveys"]:
        found += [result["respondents"], *(n for _, n in result["answers"])]
    return found


def test_an_analyst_sees_every_audit_of_the_last_12_months_by_grade(web_hub):
    today = date.today()
    body = web_hub.client("analyst").get("/api/v1/practice-quality").json()
    start, end = practice_window(today, 12)
    audits = _audits_in(web_hub, start, end)
    assert audits, "the synthetic authority audits a few files a month"
    assert (body["as_at"], body["from"], body["suppressed_below"]) == (end.isoformat(), start.isoformat(), None)
    assert body["audits"]["audits"] == len(audits)
    words = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement to be good",
             "inadequate": "Inadequate"}  # fmt: skip
    assert body["audits"]["by_grade"] == [[w, sum(g == code for _, g in audits)] for code, w in words.items()]
    good = sum(g in ("outstanding", "good") for _, g in audits)
    assert body["audits"]["good_or_better"] == round(100 * good / len(audits), 1)
    assert sum(m["audits"] for m in body["audits_by_month"]) == len(audits)
    assert body["surveys"] and all(r["survey"] in ("Children in care survey", "Care leavers survey")
                                   for r in body["surveys"])  # fmt: skip


def test_scrutiny_sees_counts_to_the_last_month_end_with_no_small_number_and_no_child(web_hub):
    client = web_hub.client("scrutiny")
    body = client.get("/api/v1/practice-quality").json()
    month_end = reference_date(date.today(), 5)
    assert body["as_at"] == month_end.isoformat() and body["suppressed_below"] == 5
    counts = _counts(body)
    assert counts and not [n for n in counts if isinstance(n, int) and 1 <= n <= 4]
    assert all(n == "[c]" or isinstance(n, int) for n in counts)
    assert all(n == "[c]" or n % 5 == 0 for m in body["audits_by_month"] for n in [m["audits"]])  # rounded
    page = client.get("/practice-quality")
    assert page.status_code == 200 and "Counts from 1 to 4 are suppressed" in page.text
    assert "/children/" not in page.text and "audited-children" not in page.text
    assert client.get("/practice-quality/audits?format=csv").status_code == 403


def test_the_page_lists_the_children_audited_and_writes_the_list_to_the_audit_log(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/practice-quality")
    assert page.status_code == 200
    text = page.text
    assert '<h2 class="heading-l" id="audits">Case file audits</h2>' in text
    assert 'data-chart="audits-by-month"' in text and "Do you feel safe where you live?" in text
    listed = re.findall(r'<a href="/children/([^"]+)">', text.split('id="audited-children"')[1])
    assert listed
    event = events(web_hub.data_dir, actor="analyst", action="view_list", subject="Case file audits", limit=1)[0]
    assert event.child_count == len(set(listed)) and set(event.children) == set(listed)


def test_a_manager_sees_only_the_audited_children_in_their_teams(web_hub):
    everyone = web_hub.client("analyst").get("/practice-quality/audits?format=csv").text
    theirs = web_hub.client("manager").get("/practice-quality/audits?format=csv").text
    all_rows = list(csv.DictReader(io.StringIO(everyone.lstrip("\ufeff"))))
    manager_rows = list(csv.DictReader(io.StringIO(theirs.lstrip("\ufeff"))))
    assert len(manager_rows) < len(all_rows)
    with web_hub.store.reader() as conn:
        prepare(conn, ["allocation", "team"])
        in_team = {
            row[0]
            for row in conn.execute(
                "SELECT child_id FROM fact_allocation WHERE team_id = ? AND start_date <= current_date "
                "AND (end_date IS NULL OR end_date > current_date)",
                [web_hub.manager_team],
            ).fetchall()
        }
    assert all(int(row["Child ID"]) in in_team for row in manager_rows if row["Child ID"])
    event = events(web_hub.data_dir, actor="manager", action="download_list", limit=1)[0]
    assert event.subject == "Case file audits" and event.child_count == len({r["Child ID"] for r in manager_rows})


def test_the_download_has_every_audit_with_the_childs_name(web_hub):
    response = web_hub.client("admin").get("/practice-quality/audits?format=csv")
    assert response.status_code == 200 and "case-file-audits-" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    start, end = practice_window(date.today(), 12)
    assert len(rows) == len(_audits_in(web_hub, start, end))
    assert {"Child ID", "Name", "Date of birth", "LA child ID", "Audit date", "Overall grade", "Themes"} <= set(rows[0])


@pytest.mark.parametrize("path", ["/practice-quality", "/api/v1/practice-quality", "/practice-quality/audits"])
def test_a_practitioner_is_refused(web_hub, path):
    assert web_hub.client("practitioner").get(path).status_code == 403


def test_the_indicator_page_shows_the_audits_of_the_themes_that_bear_on_it(web_hub):
    client = web_hub.client("analyst")
    report = client.get("/api/v1/indicators/assessments_45wd").json()
    audits = report["audits"]
    assert audits["themes"] == ["Assessment", "Voice of the child", "Management oversight"]
    assert audits["audits"] == sum(n for _, n in audits["by_grade"]) > 0
    page = client.get("/indicators/assessments_45wd").text
    assert "Case file audits of assessment, voice of the child and management oversight in the last 12 months: " \
        f"{audits['audits']} audits" in page  # fmt: skip
    assert client.get("/api/v1/indicators/care_leavers_in_touch").json()["audits"] is None  # no theme bears on it


def _recovered(total, shown: list, exact: list) -> list[int]:
    """The small numbers (1 to 4) an attacker works out from one breakdown: a lone hidden cell is the total minus
    the cells shown, and hidden cells adding up to as many as there are must each be 1 (confirmed by ``exact``)."""
    hidden = [i for i, cell in enumerate(shown) if cell == "[c]"]
    if total == "[c]" or not hidden:
        return []
    rest = total - sum(cell for cell in shown if cell != "[c]")
    found = []
    if len(hidden) == 1 and 1 <= rest <= 4 and exact[hidden[0]] == rest:
        found.append(rest)
    if len(hidden) > 1 and rest == len(hidden) and all(exact[i] == 1 for i in hidden):
        found.append(1)
    return found


def test_differencing_recovers_no_small_number_from_what_scrutiny_is_shown(web_hub):
    month_end = reference_date(date.today(), 5).isoformat()
    shown = web_hub.client("scrutiny").get(f"/api/v1/practice-quality?as_at={month_end}").json()
    exact = web_hub.client("analyst").get(f"/api/v1/practice-quality?as_at={month_end}").json()
    assert shown["as_at"] == exact["as_at"] == month_end
    recovered = []
    audits, all_audits = shown["audits"], exact["audits"]
    cells, exact_cells = [n for _, n in audits["by_grade"]], [n for _, n in all_audits["by_grade"]]
    recovered += _recovered(audits["audits"], cells, exact_cells)
    if audits["good_or_better"] is not None:  # the share gives the good-or-better count: does it give a hidden cell?
        good = round(audits["good_or_better"] * audits["audits"] / 100)
        recovered += _recovered(good, cells[:2], exact_cells[:2])  # outstanding and good
        recovered += _recovered(audits["audits"] - good, cells[2:], exact_cells[2:])  # the rest
    answered = {(r["survey"], r["period"], r["question"]): r for r in exact["surveys"]}
    suppressed = 0
    for result in shown["surveys"]:
        full = answered[(result["survey"], result["period"], result["question"])]
        cells = [n for _, n in result["answers"]]
        suppressed += cells.count("[c]") + (result["respondents"] == "[c]")
        recovered += _recovered(result["respondents"], cells, [dict(full["answers"])[a] for a, _ in result["answers"]])
    assert suppressed, "the tiny authority's surveys have small counts for the attack to try"
    assert recovered == []
    # the window cannot be shortened by a month to difference one month's audits out of it
    shorter = web_hub.client("scrutiny").get(f"/api/v1/practice-quality?as_at={month_end}&months=11").json()
    assert shorter["months"] == 12 and shorter["audits"] == shown["audits"]
