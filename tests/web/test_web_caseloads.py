"""The caseloads page and API: per worker and team against the threshold, and the unallocated cases."""

from __future__ import annotations

import re
from datetime import date

import pytest

from childhub.audit import events
from childhub.indicators import calculator


def _figures(web_hub):
    with calculator(web_hub.store, web_hub.authority) as calc:
        return {
            f.indicator.id: f
            for f in calc.figures(date.today(), ["caseload_per_worker", "caseload_over_threshold", "unallocated_cases"])
        }


def test_caseloads_agree_with_the_caseload_indicators(web_hub):
    figures = _figures(web_hub)
    body = web_hub.client("analyst").get("/api/v1/caseloads").json()
    assert body["caseload_threshold"] == 18.0
    workers = body["workers"]
    assert sum(w["cases"] for w in workers) == figures["caseload_per_worker"].numerator
    assert sum(w["fte"] for w in workers) == pytest.approx(figures["caseload_per_worker"].denominator)
    assert sum(w["over_threshold"] for w in workers) == figures["caseload_over_threshold"].numerator
    assert len(body["unallocated"]) == figures["unallocated_cases"].numerator
    for worker in workers:
        assert worker["cases_per_fte"] == pytest.approx(worker["cases"] / worker["fte"])
        assert worker["over_threshold"] == (worker["cases"] > 18.0 * worker["fte"])
    teams = {t["team_id"]: t for t in body["teams"]}
    assert sum(t["cases"] for t in teams.values()) == figures["caseload_per_worker"].numerator


def test_the_caseloads_page_shows_workers_teams_and_unallocated_children(web_hub):
    figures = _figures(web_hub)
    page = web_hub.client("admin").get("/caseloads")
    assert page.status_code == 200
    text = page.text
    assert "The caseload threshold is 18 cases per full-time worker" in text
    assert '<h2 class="heading-l" id="workers">By worker</h2>' in text
    workers = web_hub.client("admin").get("/api/v1/caseloads").json()["workers"]
    name = next(w["worker_name"] for w in workers if w["worker_id"] == web_hub.practitioner_worker)
    assert name in text and web_hub.practitioner_worker not in text  # the worker's name, never their ID
    over = text.count("over the threshold</span>")
    assert over == figures["caseload_over_threshold"].numerator
    unallocated = int(figures["unallocated_cases"].numerator)
    assert f"with no allocated worker: {unallocated}." in text
    assert len(re.findall(r'<a href="/children/[^"]+">', text.split('id="unallocated"')[1])) == unallocated
    event = events(web_hub.data_dir, actor="admin", action="view_caseloads", limit=1)[0]
    assert event.child_count == unallocated


def test_the_caseloads_take_a_date(web_hub):
    page = web_hub.client("analyst").get("/caseloads?as_at=2026-01-31")
    assert page.status_code == 200 and "As at 2026-01-31" in page.text


def test_a_manager_sees_only_their_own_teams(web_hub):
    client = web_hub.client("manager")
    body = client.get("/api/v1/caseloads").json()
    assert body["scoped"] is True
    assert body["workers"] and {w["team_id"] for w in body["workers"]} == {web_hub.manager_team}
    assert {t["team_id"] for t in body["teams"]} <= {web_hub.manager_team}
    assert all(u["team_id"] == web_hub.manager_team for u in body["unallocated"])
    everyone = web_hub.client("analyst").get("/api/v1/caseloads").json()
    assert len(everyone["workers"]) > len(body["workers"])
    page = client.get("/caseloads").text
    assert "you see your own teams only" in page
    others = [w for w in everyone["workers"] if w["team_id"] != web_hub.manager_team]
    assert others and all(w["worker_name"] not in page for w in others)


@pytest.mark.parametrize("role", ["practitioner", "scrutiny"])
def test_practitioners_and_scrutiny_are_refused(web_hub, role):
    client = web_hub.client(role)
    page = client.get("/caseloads")
    assert page.status_code == 403 and "cannot open this page" in page.text
    assert client.get("/api/v1/caseloads").json()["error"]["status"] == 403
    assert web_hub.client().get("/caseloads").status_code == 303


def test_workers_and_teams_over_the_threshold_are_flagged(web_hub, tmp_path):
    import shutil

    from conftest import WebHub

    # The same hub with a low threshold (its own copy, so the shared hub keeps its settings)
    copy = tmp_path / "store"
    shutil.copytree(web_hub.data_dir, copy, ignore=shutil.ignore_patterns("archive"))
    (copy / "authority.yml").write_text("name: Ashmere (low threshold)\ncaseload_threshold: 3\n", "utf-8")
    client = WebHub(copy, web_hub.as_at).client("analyst")
    body = client.get("/api/v1/caseloads").json()
    assert body["caseload_threshold"] == 3.0
    over = [w for w in body["workers"] if w["over_threshold"]]
    assert over and all(w["cases"] > 3.0 * w["fte"] for w in over)
    assert all(w["cases"] <= 3.0 * w["fte"] for w in body["workers"] if not w["over_threshold"])
    assert any(t["over_threshold"] for t in body["teams"])
    page = client.get("/caseloads").text
    assert page.count("over the threshold</span>") == len(over)
    assert '<span class="tag tag--over">over</span>' in page
