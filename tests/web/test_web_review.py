"""The linkage review queue: open pairs side by side with per-field evidence; deciding a pair."""

from __future__ import annotations

import fcntl

import pytest

from childhub.accounts import Accounts
from childhub.audit import events
from childhub.link.review import pair_key_sql
from childhub.store.store import WRITER_LOCK_FILE
from conftest import WEB_PASSWORD, csrf_of


def open_pairs(client) -> list[str]:
    """The keys of the open pairs, in the order of their rows."""
    cursor = client.app.state.childhub.served.current().cursor()
    rows = cursor.execute(
        f"SELECT {pair_key_sql('q')} FROM link_review q WHERE status = 'open' ORDER BY pair_id"
    ).fetchall()
    assert rows, "the test authority has no open pairs to review"
    return [row[0] for row in rows]


def test_the_queue_shows_open_pairs_side_by_side_with_evidence(web_hub):
    client = web_hub.client("analyst")
    pair = open_pairs(client)[0]
    page = client.get("/review")
    assert page.status_code == 200
    assert f'<a href="/review/{pair}">Pair {pair}</a>: match probability' in page.text
    assert "Exact match on" in page.text or "All other comparisons" in page.text  # the model's own levels
    assert 'name="decision" value="same"' in page.text and 'name="csrf_token"' in page.text
    assert events(web_hub.data_dir, action="view_review_queue", actor="analyst", limit=1)


def test_the_api_gives_each_field_with_its_level_and_weight(web_hub):
    body = web_hub.client("admin").get("/api/v1/review").json()
    pair = body["pairs"][0]
    assert {"pair_id", "pair_key", "match_probability", "reason", "left", "right", "fields", "evidence"} <= set(pair)
    assert {"total", "page", "pages", "page_size", "to_settle", "twins_count", "decided"} <= set(body)
    weighed = [f for f in pair["fields"] if f["weight"] is not None]
    assert weighed and all(f["level"] for f in weighed)
    assert pair["left"]["source_record_id"] and pair["right"]["source_record_id"]


@pytest.mark.slow
@pytest.mark.parametrize("role", ["manager", "practitioner", "scrutiny"])
def test_other_roles_are_refused(web_hub, role):
    client = web_hub.client(role)
    assert client.get("/review").status_code == 403
    assert client.get("/api/v1/review").status_code == 403
    assert client.post("/review/1", data={"decision": "same", "csrf_token": csrf_of(client)}).status_code == 403
    pair = open_pairs(web_hub.client("analyst"))[0]
    assert client.get(f"/review/{pair}").status_code == 403
    assert client.get(f"/api/v1/review/{pair}").status_code == 403


def test_a_decision_needs_the_csrf_token_and_then_shows_as_decided(web_hub):
    client = web_hub.client("analyst")
    pair = open_pairs(client)[0]
    assert client.post(f"/review/{pair}", data={"decision": "same"}).status_code == 403
    response = client.post(f"/review/{pair}", data={"decision": "same", "csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"].startswith("/review")
    page = client.get(response.headers["location"])
    assert f"Pair {pair} is decided" in page.text
    decided = page.text.split('id="decided"', 1)[1]
    assert f"Pair {pair}</a>: match probability" in decided and "<strong>same</strong> by analyst" in decided
    assert pair not in open_pairs(client)
    event = events(web_hub.data_dir, action="review_decision", subject=str(pair), limit=1)[0]
    assert event.actor == "analyst" and event.details["decision"] == "same"


@pytest.mark.slow
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
    assert client.post("/api/v1/review/0123456789ab", json={"decision": "same"}, headers=headers).status_code == 404
    session = web_hub.client("analyst")
    assert session.post(f"/api/v1/review/{pair}", json={"decision": "same"}).status_code == 403  # a session needs CSRF
    assert events(web_hub.data_dir, action="review_decision", subject=str(pair), limit=1)[0].channel == "api"


def test_the_queue_says_its_total_and_its_order_and_pages_through(web_hub):
    client = web_hub.client("analyst")
    cursor = client.app.state.childhub.served.current().cursor()
    from childhub.link import REVIEW_PAGE_SIZE, review_queue

    queue = review_queue(cursor, page_size=10_000)
    body = client.get("/api/v1/review").json()
    assert body["total"] == len(queue.pairs) == len(open_pairs(client)) == body["to_settle"] + body["twins_count"]
    assert body["pages"] == -(-body["total"] // REVIEW_PAGE_SIZE) and body["page"] == 1
    assert [p["pair_key"] for p in body["pairs"]] == [p["pair_key"] for p in queue.pairs[:REVIEW_PAGE_SIZE]]
    marks = [p["likely_twins"] for p in queue.pairs]
    assert marks == sorted(marks)  # every pair to settle before the first likely twins
    page = client.get("/review")
    assert f"Open pairs: {body['total']:,}" in page.text and "likely twins or siblings" in page.text
    assert "The order:" in page.text
    hidden = client.get("/api/v1/review", params={"twins": "hide"}).json()
    assert hidden["total"] == body["to_settle"] and not any(p["likely_twins"] for p in hidden["pairs"])
    assert client.get("/api/v1/review", params={"twins": "sometimes"}).status_code == 422
    beyond = client.get("/api/v1/review", params={"page": body["pages"] + 1}).json()
    assert beyond["pairs"] == [] and beyond["total"] == body["total"]
    assert "There is no page" in client.get("/review", params={"page": body["pages"] + 1}).text


def test_a_pair_has_its_own_page_and_an_old_number_leads_to_it(web_hub):
    client = web_hub.client("analyst")
    cursor = client.app.state.childhub.served.current().cursor()
    pair_id, key = cursor.execute(
        f"SELECT pair_id, {pair_key_sql('q')} FROM link_review q WHERE status = 'open' ORDER BY pair_id LIMIT 1"
    ).fetchone()
    page = client.get(f"/review/{key}")
    assert page.status_code == 200 and f"Review pair {key}" in page.text and 'name="decision"' in page.text
    assert events(web_hub.data_dir, action="view_review_pair", subject=key, limit=1)
    moved = client.get(f"/review/{pair_id}")
    assert moved.status_code == 301 and moved.headers["location"] == f"/review/{key}"
    assert client.get(f"/review/{key.upper()}").headers["location"] == f"/review/{key}"
    missing = client.get("/review/no-such-pair")
    assert missing.status_code == 404 and "no pair no-such-pair" in missing.text
    assert client.get("/review/999999").status_code == 404
    assert client.get(f"/api/v1/review/{pair_id}").json()["pair_key"] == key
