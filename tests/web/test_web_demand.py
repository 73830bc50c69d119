"""The front door and the care projection pages and API: what each role sees (scrutiny under the small-number
threshold and no team), the children behind each number (scope-filtered, audited) and who is refused."""

from __future__ import annotations

import csv
import io

import pytest

from childhub.audit import events
from childhub.disclosure import SUPPRESSED

COUNTS = ("contacts", "repeat_children", "step_ups", "step_downs", "referrals", "nfa_after_assessment")


def _published(value, threshold: int) -> bool:
    """A count scrutiny may see: suppressed, zero, or at least the threshold."""
    return value == SUPPRESSED or value == 0 or value >= threshold


def test_an_analyst_sees_the_front_door_with_teams_and_the_children_behind_it(web_hub):
    client = web_hub.client("analyst")
    door = client.get("/api/v1/front-door").json()
    assert len(door["months"]) == 12
    assert door["contacts"] == sum(o["count"] for o in door["by_outcome"]) == sum(s["count"] for s in door["by_source"])
    assert door["contacts"] == sum(m["contacts"] for m in door["months"])
    assert door["contacts"] == sum(t["contacts"] for t in door["teams"])
    assert door["referrals"] == sum(t["referrals"] for t in door["teams"])
    page = client.get("/front-door")
    assert page.status_code == 200
    assert "How consistently teams apply thresholds" in page.text and "children (CSV)" in page.text
    assert 'data-chart="front-door-contact-funnel"' in page.text
    referral = next(o for o in door["by_outcome"] if o["key"] == "referral")
    assert referral["count"], "the test authority has no contact that became a referral"
    response = client.get("/front-door/children", params={"measure": "outcome:referral", "format": "csv"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == referral["count"]  # an analyst sees every child
    assert list(rows[0])[:3] == ["Child ID", "Name", "Date of birth"]
    event = events(web_hub.data_dir, actor="analyst", action="download_list", limit=1)[0]
    assert event.details["rows"] == len(rows) and event.details["measure"] == "outcome:referral"
    assert event.children
    assert client.get("/front-door/children", params={"measure": "nothing"}).status_code == 404


def test_a_manager_downloads_only_the_children_in_their_scope(web_hub):
    manager, analyst = web_hub.client("manager"), web_hub.client("analyst")
    everyone = analyst.get("/front-door/children", params={"measure": "contacts"})
    mine = manager.get("/front-door/children", params={"measure": "contacts"})
    assert mine.status_code == 200
    assert len(mine.content.splitlines()) <= len(everyone.content.splitlines())
    cursor = manager.app.state.childhub.served.current().cursor()
    from childhub.accounts import Accounts
    from childhub.web.deps import Signed
    from childhub.web.scope import child_filter

    account = Accounts(web_hub.data_dir).find("manager")
    predicate, values = child_filter(Signed(account=account, channel="web", csrf_token=None), "k")
    event = events(web_hub.data_dir, actor="manager", action="download_list", limit=1)[0]
    if event.children:
        found = cursor.execute(
            f"SELECT count(*) FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE NOT ({predicate})",
            [event.children, *values],
        ).fetchone()[0]
        assert found == 0


def test_scrutiny_sees_the_front_door_under_the_threshold_and_no_team(web_hub):
    client = web_hub.client("scrutiny")
    threshold = client.app.state.childhub.small_number
    door = client.get("/api/v1/front-door").json()
    assert door["teams"] is None and door["threshold"] == threshold
    assert all(_published(door[key], threshold) for key in COUNTS)
    assert all(_published(row["count"], threshold) for row in door["by_source"] + door["by_outcome"])
    assert all(row["referrals"] is None for row in door["by_source"])
    for month in door["months"]:
        assert all(v == SUPPRESSED or v % 5 == 0 for k, v in month.items() if k != "month_end")
    page = client.get("/front-door")
    assert page.status_code == 200
    assert "How consistently teams apply thresholds" not in page.text and "children (CSV)" not in page.text
    assert client.get("/front-door/children", params={"measure": "contacts"}).status_code == 403


def test_the_care_projection_page_and_api(web_hub):
    client = web_hub.client("analyst")
    view = client.get("/api/v1/care-projection").json()
    assert len(view["history"]) == 24 and len(view["ahead"]["months"]) == 12 and len(view["year_ago"]["months"]) == 12
    assert view["ahead"]["base_date"] == view["history"][-1]["month_end"]
    assert view["year_ago"]["base_date"] == view["history"][11]["month_end"]
    for month in view["ahead"]["months"]:
        assert month["low95"] <= month["low80"] <= month["high80"] <= month["high95"]
    page = client.get("/care-projection")
    assert page.status_code == 200
    assert "How last year&#39;s projection did" in page.text or "How last year's projection did" in page.text
    assert 'data-chart="care-projection-ahead"' in page.text and 'data-chart="care-projection-back"' in page.text


def test_scrutiny_sees_the_projection_rounded(web_hub):
    client = web_hub.client("scrutiny")
    view = client.get("/api/v1/care-projection").json()
    for month in view["history"]:
        assert all(month[k] == SUPPRESSED or month[k] % 5 == 0 for k in ("in_care", "entries", "exits"))
    for plan in (view["ahead"], view["year_ago"]):
        for month in plan["months"]:
            assert all(month[k] % 5 == 0 for k in ("central", "low80", "high80", "low95", "high95"))
    assert client.get("/care-projection").status_code == 200


@pytest.mark.parametrize("path", ["/front-door", "/care-projection", "/api/v1/front-door", "/api/v1/care-projection"])
def test_a_practitioner_is_refused(web_hub, path):
    assert web_hub.client("practitioner").get(path).status_code == 403
