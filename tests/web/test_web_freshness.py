"""Freshness in view: the overview's "Data as at" for every role, an indicator's sources, /healthz and
/api/v1/feeds.

The web hub's batches were all loaded when the session began. Its app here reads a ``feeds.yml`` of its own
(the setting ``feeds_file``, so the shared hub is never changed) and its clock is set two hours on, so the CIN
census (due hourly, red after three) is late, contacts (due every 30 minutes) overdue, visits (due every 400
days) fresh, and child protection plans (declared, never sent) never delivered.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from childhub.accounts import Accounts
from childhub.feeds import LOCAL_TIME
from conftest import WEB_ROLES

FEEDS_YML = """\
feeds:
  cin:
    description: The CIN census
    kind: cin_census
    cadence: 1h
    red_after: 3
  contacts:
    description: Contacts from the case-management system
    kind: case_management_contacts
    cadence: 30m
  visits:
    description: Visits to children in need
    kind: ssd_cin_visits
    cadence: 400d
  plans:
    description: Child protection plans pushed by the case-management system
    table: cp_plans
    cadence: 4h
"""
LATER = timedelta(hours=2)


@pytest.fixture(scope="module")
def feeds_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("feeds") / "feeds.yml"
    path.write_text(FEEDS_YML, "utf-8")
    return path


@pytest.fixture(scope="module")
def app(web_hub, feeds_file):
    return web_hub.app(feeds_file=str(feeds_file))


@pytest.fixture
def later(monkeypatch):
    """The app's clock two hours on."""
    monkeypatch.setattr("childhub.web.routes.feeds._now", lambda: datetime.now(LOCAL_TIME) + LATER)


def client(web_hub, app, role: str | None) -> TestClient:
    """A client of ``app`` with an API token for ``role`` (none: signed out)."""
    headers = {}
    if role is not None:
        headers["Authorization"] = f"Bearer {Accounts(web_hub.data_dir).issue_token(role, 'freshness tests')}"
    return TestClient(app, base_url="https://testserver", follow_redirects=False, headers=headers)


def panel(page: str) -> str:
    """The overview's "Data as at" section."""
    return page.split('id="data-as-at"')[1].split("</section>")[0]


def row(section: str, description: str) -> str:
    return section.split(f'<th scope="row">{description}</th>')[1].split("</tr>")[0]


@pytest.mark.slow
@pytest.mark.parametrize("role", WEB_ROLES)
def test_every_role_sees_each_source_as_at_and_its_state_in_words(web_hub, app, later, role):
    page = client(web_hub, app, role).get("/")
    assert page.status_code == 200
    section = panel(page.text)
    cin = row(section, "The CIN census")
    assert '<span class="tag tag--amber">Late</span> late: due every hour; last delivered 2 hours' in cin
    contacts = row(section, "Contacts from the case-management system")
    assert '<span class="tag tag--red">Overdue</span> overdue: due every 30 minutes; last delivered 2 hours' in contacts
    visits = row(section, "Visits to children in need")
    assert '<span class="tag tag--green">Fresh</span> due every 400 days; last delivered 2 hours' in visits
    plans = row(section, "Child protection plans pushed by the case-management system")
    assert "<td>no data yet</td><td>never</td>" in plans.replace("\n", "").replace("    ", "")
    assert '<span class="tag tag--red">Never delivered</span> nothing delivered yet: due every 4 hours' in plans
    assert re.search(r"<td>\d{1,2} [A-Z][a-z]+ \d{4}( at \d\d:\d\d)?</td>", visits)  # a date, as people write it
    # feeds not declared: listed without a cadence
    assert '<span class="tag tag--grey">No cadence set</span> no cadence set; last delivered' in section
    notice = page.text.split('id="feeds-late"')[1].split("</p>")[0]
    assert "3 of " in notice and "The CIN census (late)" in notice and "(never delivered)" in notice
    assert "Visits to children in need" not in notice  # a fresh feed is not flagged


def test_without_the_clock_moved_on_nothing_is_late_but_the_feed_never_sent(web_hub, app):
    section = panel(client(web_hub, app, "analyst").get("/").text)
    assert "tag--amber" not in section
    assert section.count('tag tag--red">') == 1 and "Never delivered" in section


def test_the_shared_hub_without_a_feeds_file_lists_what_it_holds_without_a_cadence(web_hub):
    section = panel(web_hub.client("scrutiny").get("/").text)
    assert "No cadence set" in section and "tag--red" not in section and "tag--amber" not in section
    assert "The CIN census" not in section


def test_an_indicator_page_gives_the_as_at_of_the_sources_its_figure_reads_and_flags_a_late_one(web_hub, app, later):
    page = client(web_hub, app, "manager").get("/indicators/re_referrals_12m")
    assert page.status_code == 200
    section = page.text.split('id="data-as-at"')[1].split("<h2")[0]
    assert "The CIN census" in section and "tag--amber" in section  # referrals come from the CIN census, late
    assert "Visits to children in need" not in section  # visits bear on no referral
    assert "Child protection plans" not in section
    notice = page.text.split('id="feeds-late"')[1].split("</p>")[0]
    assert "The CIN census (late: due every hour; last delivered 2 hours" in notice
    report = client(web_hub, app, "scrutiny").get("/api/v1/indicators/re_referrals_12m").json()
    states = {source["feed"]: source["state"] for source in report["data_as_at"]}
    assert states["cin"] == "late"  # the JSON says it too
    assert "visits" not in states and "plans" not in states


def test_an_indicator_whose_sources_are_all_fresh_is_not_flagged(web_hub, app, later):
    page = client(web_hub, app, "analyst").get("/indicators/cla_rate")
    assert page.status_code == 200
    assert 'id="feeds-late"' not in page.text


def test_healthz_is_503_while_a_declared_feed_is_overdue_or_never_sent(web_hub, app, later):
    response = client(web_hub, app, None).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["problem"] is None
    assert {name: body["feeds"][name]["state"] for name in ("cin", "contacts", "visits", "plans")} == {
        "cin": "late",
        "contacts": "overdue",
        "visits": "fresh",
        "plans": "never",
    }
    assert body["feeds"]["plans"] == {"state": "never", "as_at": None, "last_delivered": None}
    delivered = datetime.fromisoformat(body["feeds"]["cin"]["last_delivered"])
    assert delivered.utcoffset() is not None and delivered <= datetime.now(LOCAL_TIME)


def test_healthz_is_200_when_every_declared_feed_is_fresh_or_late(web_hub, tmp_path, monkeypatch):
    feeds = tmp_path / "feeds.yml"
    feeds.write_text(FEEDS_YML.split("  contacts:")[0], "utf-8")  # the CIN census alone
    app = web_hub.app(feeds_file=str(feeds))
    assert client(web_hub, app, None).get("/healthz").json()["status"] == "ok"
    monkeypatch.setattr("childhub.web.routes.feeds._now", lambda: datetime.now(LOCAL_TIME) + LATER)
    response = client(web_hub, app, None).get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["feeds"]["cin"]["state"] == "late"


def test_healthz_is_503_and_down_when_nothing_can_be_read(tmp_path):
    from childhub.settings import Settings
    from childhub.web import create_app

    app = create_app(Settings(data_dir=tmp_path / "empty"))
    response = TestClient(app, base_url="https://testserver").get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "feeds": {}, "problem": None}


def test_healthz_says_a_broken_feeds_file_without_its_details(web_hub, tmp_path):
    feeds = tmp_path / "feeds.yml"
    feeds.write_text("feeds:\n  contacts:\n    description: x\n    cadence: often\n", "utf-8")
    app = web_hub.app(feeds_file=str(feeds))
    response = client(web_hub, app, None).get("/healthz")
    assert response.status_code == 503
    assert response.json()["problem"] == "the feeds' declaration (feeds.yml) cannot be read"
    assert str(tmp_path) not in response.text
    detail = client(web_hub, app, "admin").get("/api/v1/feeds").json()
    assert "feeds.contacts" in detail["problem"] and "cadence" in detail["problem"]
    assert detail["feeds"] and all(not feed["declared"] for feed in detail["feeds"])


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_the_feeds_api_gives_the_full_detail_to_admins_and_analysts(web_hub, app, later, role):
    response = client(web_hub, app, role).get("/api/v1/feeds")
    assert response.status_code == 200
    body = response.json()
    feeds = {feed["name"]: feed for feed in body["feeds"]}
    assert [feed["name"] for feed in body["feeds"]][:4] == ["cin", "contacts", "visits", "plans"]
    cin = feeds["cin"]
    assert cin["declared"] and cin["batch_feed"] == "cin_census"
    assert (cin["cadence"], cin["cadence_seconds"], cin["red_after"]) == ("every hour", 3600, 3.0)
    assert (cin["state"], cin["label"], cin["flag"]) == ("late", "Late", "amber")
    assert cin["summary"].startswith("late: due every hour; last delivered 2 hours")
    assert cin["batches"] >= 1 and cin["rows_loaded"] > 0 and cin["last_delivery_failed"] is False
    assert "cin_episodes" in cin["tables"]
    plans = feeds["plans"]
    assert (plans["state"], plans["flag"], plans["batches"], plans["tables"]) == ("never", "red", 0, ["cp_plans"])
    assert all(feed["state"] == "no cadence" for feed in body["feeds"][4:])
    checked = datetime.fromisoformat(body["checked_at"])
    assert checked - datetime.now(LOCAL_TIME) > LATER - timedelta(minutes=1)


@pytest.mark.parametrize("role", ["manager", "practitioner", "scrutiny"])
def test_the_feeds_api_is_refused_to_other_roles(web_hub, app, role):
    response = client(web_hub, app, role).get("/api/v1/feeds")
    assert response.status_code == 403
    assert "feeds" not in response.json()


def test_the_feeds_api_needs_signing_in(web_hub, app):
    assert client(web_hub, app, None).get("/api/v1/feeds").status_code == 401


def test_both_are_in_the_openapi_schema_with_their_models(web_hub, app):
    schema = client(web_hub, app, "analyst").get("/api/v1/openapi.json").json()
    health = schema["paths"]["/healthz"]["get"]["responses"]
    assert health["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}
    assert health["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}
    feeds = schema["paths"]["/api/v1/feeds"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert feeds == {"$ref": "#/components/schemas/FeedList"}
    detail = schema["components"]["schemas"]["FeedDetail"]["properties"]
    assert {"state", "as_at", "last_delivered", "cadence", "summary", "tables"} <= set(detail)
