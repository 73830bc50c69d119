"""The linkage review queue: open pairs side by side with per-field evidence; deciding a pair."""

from __future__ import annotations

import fcntl

import pytest

from childhub.accounts import Accounts
from childhub.audit import events
from childhub.store.store import WRITER_LOCK_FILE
from conftest import WEB_PASSWORD, csrf_of


def open_pairs(client) -> list[int]:
    cursor = client.app.state.childhub.served.current().cursor()
    rows = cursor.execute("SELECT pair_id FROM link_review WHERE status = 'open' ORDER BY pair_id").fetchall()
    assert rows, "the test authority has no open pairs to review"
    return [row[0] for row in rows]


def test_the_queue_shows_open_pairs_side_by_side_with_evidence(web_hub):
    client = web_hub.client("analyst")
    pair = open_pairs(client)[0]
    page = client.get("/review")
    assert page.status_code == 200
    assert f"Pair {pair}: match probability" in page.text
    assert "Exact match on" in page.text or "All other comparisons" in page.text  # the model's own levels
    assert 'name="decision" value="same"' in page.text and 'name="csrf_token"' in page.text
    assert events(web_hub.data_dir, action="view_review_queue", actor="analyst", limit=1)


def test_the_api_gives_each_field_with_its_level_and_weight(web_hub):
    body = web_hub.client("admin").get("/api/v1/review").json()
    pair = body["pairs"][0]
    assert {"pair_id", "match_probability", "reason", "left", "right", "fields", "evidence"} <= set(pair)
    weighed = [f for f in pair["fields"] if f["weight"] is not None]
    assert weighed and all(f["level"] for f in weighed)
    assert pair["left"]["source_record_id"] and pair["right"]["source_record_id"]


@pytest.mark.parametrize("role", ["manager", "practitioner", "scrutiny"])
def test_other_roles_are_refused(web_hub, role):
    client = web_hub.client(role)
    assert client.get("/review").status_code == 403
    assert client.get("/api/v1/review").status_code == 403
    assert client.post("/review/1", data={"decision": "same", "csrf_token": csrf_of(client)}).status_code == 403


def test_a_decision_needs_the_csrf_token_and_then_shows_as_decided(web_hub):
    client = web_hub.client("analyst")
    pair = open_pairs(client)[0]
    assert client.post(f"/review/{pair}", data={"decision": "same"}).status_code == 403
    response = client.post(f"/review/{pair}", data={"decision": "same", "csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"].startswith("/review")
    page = client.get(response.headers["location"])
    assert f"Pair {pair} is decided" in page.text
    decided = page.text.split('id="decided"', 1)[1]
    assert f"Pair {pair}: match probability" in decided and "<strong>same</strong> by analyst" in decided
    assert pair not in open_pairs(client)
    event = events(web_hub.data_dir, action="review_decision", subject=str(pair), limit=1)[0]
    assert event.actor == "analyst" and event.details["decision"] == "same"


def test_while_another_process_writes_the_pair_is_kept_and_the_error_shown(web_hub):
    client = web_hub.client("analyst")
    pair = open_pairs(client)[0]
    with open(web_hub.data_dir / WRITER_LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            response = client.post(f"/review/{pair}", data={"decision": "different", "csrf_token": csrf_of(client)})
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    assert response.status_code == 409
    assert "another childhub process is writing" in response.text
    assert pair in open_pairs(client)


def test_a_token_caller_decides_through_the_api_without_csrf(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("review-feed", "analyst", WEB_PASSWORD)
    token = accounts.issue_token("review-feed", "test review")
    client = web_hub.client()
    pair = open_pairs(web_hub.client("analyst"))[0]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/review/{pair}", json={"decision": "different"}, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "different"
    assert client.post(f"/api/v1/review/{pair}", json={"decision": "maybe"}, headers=headers).status_code == 422
    assert client.post("/api/v1/review/999999", json={"decision": "same"}, headers=headers).status_code == 404
    session = web_hub.client("analyst")
    assert session.post(f"/api/v1/review/{pair}", json={"decision": "same"}).status_code == 403  # a session needs CSRF
    assert events(web_hub.data_dir, action="review_decision", subject=str(pair), limit=1)[0].channel == "api"
