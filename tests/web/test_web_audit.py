"""The audit log page: newest events first, filters, pages, a CSV download (itself audited); admins only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from childhub.audit import events, record


@pytest.fixture(scope="module")
def admin(web_hub):
    return web_hub.client("admin")


@pytest.fixture(scope="module")
def logged(web_hub):
    """Sixty events by one made-up actor, one of them with formula-like text, and one over the API."""
    for n in range(59):
        record(web_hub.data_dir, actor="pager", role="analyst", channel="web", action="search", subject=f"query {n}")
    record(web_hub.data_dir, actor="pager", role="analyst", channel="api", action="view_child", subject="=HYPERLINK(1)")
    return "pager"


def test_the_newest_events_come_first(admin, logged):
    page = admin.get("/audit")
    assert page.status_code == 200
    assert '<h1 class="heading-xl">Audit log</h1>' in page.text
    assert page.text.index("=HYPERLINK(1)") < page.text.index("query 58") < page.text.index("query 57")
    assert '<th scope="row">pager</th>' in page.text


def test_filters_by_actor_action_and_channel(admin, logged):
    searches = admin.get("/audit", params={"actor": logged, "action": "search"})
    assert "query 58" in searches.text and "=HYPERLINK(1)" not in searches.text
    over_the_api = admin.get("/audit", params={"actor": logged, "channel": "api"})
    assert "=HYPERLINK(1)" in over_the_api.text and "query 58" not in over_the_api.text


def test_filters_by_date(admin, logged):
    today = date.today()
    assert "query 58" in admin.get("/audit", params={"date_from": today.isoformat(), "actor": logged}).text
    tomorrow = (today + timedelta(days=2)).isoformat()
    later = admin.get("/audit", params={"date_from": tomorrow})
    assert "No event matches these filters." in later.text


def test_pages_hold_fifty_events(admin, logged):
    first = admin.get("/audit", params={"actor": logged})
    assert first.text.count('<th scope="row">pager</th>') == 50
    assert 'href="/audit?actor=pager&amp;page=2" rel="next"' in first.text
    second = admin.get("/audit", params={"actor": logged, "page": 2})
    assert second.text.count('<th scope="row">pager</th>') == 10
    assert "query 0<" in second.text and 'rel="next"' not in second.text and 'rel="prev"' in second.text


def test_the_csv_download_neutralises_formulas_and_is_audited(admin, web_hub, logged):
    response = admin.get("/audit/export", params={"actor": logged})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "event_id,occurred_at,actor,role,channel,action,subject,child_count,details,children"
    assert len(lines) == 61
    assert ",'=HYPERLINK(1)," in lines[1]
    event = events(web_hub.data_dir, actor="admin", action="export_audit", limit=1)[0]
    assert event.details["rows"] == 60 and event.details["filters"] == {"actor": "pager", "page": 1}


def test_the_api_gives_the_events_as_json(admin, logged):
    body = admin.get("/api/v1/audit", params={"actor": logged, "channel": "api"}).json()
    assert body["more"] is False and [e["subject"] for e in body["events"]] == ["=HYPERLINK(1)"]
    assert body["events"][0]["details"] == {}


def test_a_bad_filter_is_named(admin):
    response = admin.get("/audit", params={"channel": "carrier-pigeon"})
    assert response.status_code == 422 and "channel" in response.text


@pytest.mark.parametrize("role", ["analyst", "manager", "practitioner", "scrutiny"])
def test_only_admins_may_read_the_log(web_hub, role):
    client = web_hub.client(role)
    for path in ("/audit", "/audit/export", "/api/v1/audit"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "cannot open this page" in response.text


def test_without_a_session_the_log_sends_you_to_sign_in(web_hub):
    client = web_hub.client()
    assert client.get("/audit").status_code == 303
    assert client.get("/api/v1/audit").status_code == 401


# --- reading the log is itself audited, and the log can be asked about one child -----------------------


def _newest(web_hub, **filters):
    return events(web_hub.data_dir, limit=1, **filters)[0]


@pytest.mark.parametrize(
    ("path", "channel"),
    [("/audit", "web"), ("/api/v1/audit", "web"), ("/audit/export", "web")],
)
def test_reading_the_log_writes_a_row(admin, web_hub, logged, path, channel):
    before = _newest(web_hub).event_id
    assert admin.get(path, params={"actor": logged}).status_code == 200
    (event,) = [e for e in events(web_hub.data_dir, limit=5) if e.event_id > before]
    assert event.action == ("export_audit" if path.endswith("export") else "view_audit")
    assert (event.actor, event.role, event.channel, event.details["path"]) == ("admin", "admin", channel, path)
    assert event.details["filters"]["actor"] == logged and event.details["rows"] == (60 if "export" in path else 50)


def test_who_looked_at_a_child_on_the_page_and_in_the_api(admin, web_hub):
    with web_hub.store.reader() as conn:
        (key,) = conn.execute("SELECT 'C' || min(child_id) FROM child").fetchone()
    assert admin.get(f"/children/{key}").status_code == 200
    viewed = _newest(web_hub, action="view_child")
    assert viewed.subject == key and viewed.children == (key,)
    page = admin.get("/audit", params={"child": key})
    assert page.status_code == 200 and 'id="child"' in page.text and f'value="{key}"' in page.text
    assert page.text.count('<th scope="row">admin</th>') >= 1
    body = admin.get("/api/v1/audit", params={"child": key}).json()
    assert viewed.event_id in [e["event_id"] for e in body["events"]]
    assert all(key in e["children"] for e in body["events"])
    nobody = admin.get("/api/v1/audit", params={"child": "C0"}).json()
    assert nobody["events"] == []
    assert _newest(web_hub, action="view_audit").subject == "C0"
