"""childhub dfe-api send against a local stand-in for the DfE's endpoint (never a real one): the first send is full and
in batches, a send with nothing changed sends nothing, a change sends only its child, a child who leaves the cohort
is purged, a 429 is waited out, a 401 gets a fresh token, a rejected batch is recorded and sent again next time, and
a wrong client secret is one clear line."""

from __future__ import annotations

import json
from datetime import date

import pytest
from dfe_stub import CLIENT_ID, CLIENT_SECRET, LA_CODE, DfeStub, Scripted

from childhub.dfe_api import Endpoint, send

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick

AS_AT = date(2026, 3, 31)  # window from 1 April 2023
NEXT_YEAR = date(2026, 4, 1)  # window from 1 April 2024: P6's only episode (closed June 2023) falls out


@pytest.fixture
def stub():
    running = DfeStub().start()
    yield running
    running.stop()


def endpoint(stub: DfeStub, secret: str = CLIENT_SECRET) -> Endpoint:
    return Endpoint(stub.base_url, stub.token_url, CLIENT_ID, secret, max_retries=3)


def six_children(history):
    """P1 to P5 open to social care since 2025; P6 referred in May 2023 and closed in June 2023."""
    for number in range(1, 7):
        person = f"P{number}"
        history.child(person, dob=date(2015, number, 1), sex="F" if number % 2 else "M", child_id=number)
        referred = date(2025, number, 3) if number < 6 else date(2023, 5, 1)
        history.add(
            "cin_episodes",
            cine_referral_id=f"R{number}",
            cine_person_id=person,
            cine_referral_date=referred,
            cine_referral_source_code="1A",
            cine_close_date=date(2023, 6, 1) if number == 6 else None,
            cine_close_reason="RC8" if number == 6 else None,
        )
    return history.store()


def sent(store, stub, as_at=AS_AT, batch_size=100, **kwargs):
    waits: list[float] = []
    result = send(
        store,
        endpoint(stub),
        la_code=LA_CODE,
        as_at=as_at,
        sent_by="tester",
        batch_size=batch_size,
        sleep=waits.append,
        **kwargs,
    )
    return result, waits


def recorded(store, sql: str) -> list[tuple]:
    with store.reader() as conn:
        return conn.execute(sql).fetchall()


def test_first_send_is_full_and_in_batches_then_nothing_changed_sends_nothing(history, stub):
    store = six_children(history)
    result, _ = sent(store, stub, batch_size=4)
    assert [len(batch) for batch in stub.accepted] == [4, 2]
    assert sorted(stub.accepted_ids()) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert all(record["la_code"] == LA_CODE and not record["Children"]["purge"] for b in stub.accepted for record in b)
    assert (result.status, result.children_sent, len(result.accepted), result.purged) == ("accepted", 6, 6, 0)
    assert recorded(
        store, "SELECT sent_by, as_at, children_sent, children_accepted, batches, status FROM dfe_api_send"
    ) == [("tester", AS_AT, 6, 6, 2, "accepted")]
    assert recorded(store, "SELECT batch_number, children, status, http_status FROM dfe_api_batch ORDER BY 1") == [
        (1, 4, "accepted", 200),
        (2, 2, "accepted", 200),
    ]
    assert recorded(store, "SELECT count(*), count(*) FILTER (WHERE purged) FROM dfe_api_child") == [(6, 0)]

    again, _ = sent(store, stub, batch_size=4)
    assert again.status == "nothing to send" and again.batches == []
    assert len(stub.accepted) == 2 and stub.answers == [200, 200]  # nothing more was posted
    assert recorded(store, "SELECT send_id, children_sent, status FROM dfe_api_send ORDER BY 1") == [
        (1, 6, "accepted"),
        (2, 0, "nothing to send"),
    ]


def test_after_a_change_to_one_child_only_that_child_is_sent(history, stub):
    store = six_children(history)
    sent(store, stub)
    history.add(
        "cp_plans",
        cppl_cp_plan_id="CP2",
        cppl_person_id="P2",
        cppl_cp_plan_start_date=date(2025, 3, 20),
        cppl_cp_plan_initial_category="NEG",
    )
    store = history.store()
    result, _ = sent(store, stub)
    assert stub.accepted[-1][0]["Children"]["la_child_id"] == "P2" and len(stub.accepted[-1]) == 1
    plans = stub.accepted[-1][0]["Children"]["social_care_episodes"][0]["child_protection_plans"]
    assert plans == [{"child_protection_plan_id": "CP2", "start_date": "2025-03-20", "end_date": None, "purge": False}]
    assert (result.children_sent, result.status) == (1, "accepted")


def test_a_child_who_leaves_the_cohort_is_sent_with_purge(history, stub):
    store = six_children(history)
    sent(store, stub)
    result, _ = sent(store, stub, as_at=NEXT_YEAR)
    assert stub.accepted[-1] == [{"la_code": LA_CODE, "Children": {"la_child_id": "P6", "purge": True}}]
    assert (result.children_sent, result.purged) == (1, 1)
    assert recorded(store, "SELECT la_child_id, purged FROM dfe_api_child WHERE purged") == [("P6", True)]
    third, _ = sent(store, stub, as_at=NEXT_YEAR)  # a purge the DfE accepted is not sent again
    assert third.status == "nothing to send"


def test_a_429_is_retried_after_the_wait_it_asks_and_succeeds(history, stub):
    store = six_children(history)
    stub.script = [Scripted(429, '{"error": "slow down"}', {"Retry-After": "7"})]
    result, waits = sent(store, stub)
    assert waits == [7.0]
    assert stub.answers == [429, 200]
    assert result.status == "accepted" and result.batches[0].attempts == 2


def test_server_errors_are_retried_with_growing_backoff_then_the_send_stops_and_says_so(history, stub):
    store = six_children(history)
    stub.script = [Scripted(503), Scripted(503), Scripted(503), Scripted(503)]  # four failures: max_retries is 3
    result, waits = sent(store, stub, batch_size=3)
    assert stub.answers == [503, 503, 503, 503]
    assert len(waits) == 3 and all(0.1 <= wait <= 2**n for n, wait in enumerate(waits))
    assert result.status == "failed"
    assert [batch.status for batch in result.batches] == ["failed", "not sent"]
    assert recorded(store, "SELECT count(*) FROM dfe_api_child") == [(0,)]  # nothing was accepted
    assert recorded(store, "SELECT status, message FROM dfe_api_send") == [
        ("failed", "batch 1 had no answer after 4 tries")
    ]


def test_a_401_gets_a_fresh_token_once(history, stub):
    store = six_children(history)
    stub.script = [Scripted(401, '{"error": "token expired"}')]
    result, _ = sent(store, stub)
    assert stub.tokens_issued == ["token-1", "token-2"]
    assert stub.answers == [401, 200] and result.status == "accepted"


def test_a_fresh_token_refused_too_stops_the_send_in_one_line(history, stub):
    from childhub.dfe_api import DfeApiError

    store = six_children(history)
    stub.script = [Scripted(403, '{"error": "not allowed"}'), Scripted(403, '{"error": "not allowed"}')]
    with pytest.raises(DfeApiError) as refused:
        sent(store, stub, batch_size=3)
    assert str(refused.value) == (
        f"the DfE's API {stub.base_url}/children_social_care_data/201/children refused client ID '{CLIENT_ID}' with a "
        "fresh token (HTTP 403: not allowed): ask the DfE whether it may send for this LA code"
    )
    assert stub.tokens_issued == ["token-1", "token-2"] and stub.answers == [403, 403]  # the second batch never went
    assert recorded(store, "SELECT status, children_sent, children_accepted FROM dfe_api_send") == [("failed", 3, 0)]
    assert recorded(store, "SELECT status FROM dfe_api_batch ORDER BY batch_number") == [("failed",), ("not sent",)]
    assert recorded(store, "SELECT count(*) FROM dfe_api_child") == [(0,)]


def test_a_rejected_batch_is_recorded_and_its_children_are_sent_next_time(history, stub):
    store = six_children(history)
    answer = '{"errors": ["child_details.sex: not a valid code"]}'
    stub.script = [Scripted(400, answer)]
    result, _ = sent(store, stub, batch_size=3)
    assert result.status == "partly rejected"
    assert [(b.status, b.http_status, b.answer) for b in result.batches] == [
        ("rejected", 400, answer),
        ("accepted", 200, '{"status": "accepted"}'),
    ]
    assert recorded(store, "SELECT batch_number, status, answer FROM dfe_api_batch ORDER BY 1") == [
        (1, "rejected", answer),
        (2, "accepted", '{"status": "accepted"}'),
    ]
    rejected = [child.la_child_id for child in result.batches[0].children]
    assert recorded(store, "SELECT la_child_id FROM dfe_api_child ORDER BY 1") == [
        (child.la_child_id,) for child in sorted(result.batches[1].children, key=lambda c: c.la_child_id)
    ]
    second, _ = sent(store, stub)
    assert sorted(record["Children"]["la_child_id"] for record in stub.accepted[-1]) == sorted(rejected)
    assert second.status == "accepted" and second.children_sent == 3


def test_a_dry_run_posts_and_records_nothing(history, stub):
    store = six_children(history)
    result, _ = sent(store, stub, batch_size=4, dry_run=True)
    assert result.status == "dry run" and [len(batch.children) for batch in result.batches] == [4, 2]
    assert stub.answers == [] and stub.tokens_issued == []
    assert recorded(store, "SELECT count(*) FROM dfe_api_send") == [(0,)]


def test_a_wrong_client_secret_is_one_clear_line(history, stub, monkeypatch):
    from helpers import run

    store = six_children(history)
    (store.data_dir / "authority.yml").write_text("name: Ashmere\nla_number: 201\n", "utf-8")
    monkeypatch.setenv("CHILDHUB_DFE_API_BASE_URL", stub.base_url)
    monkeypatch.setenv("CHILDHUB_DFE_API_TOKEN_URL", stub.token_url)
    monkeypatch.setenv("CHILDHUB_DFE_API_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CHILDHUB_DFE_API_CLIENT_SECRET", "not-the-secret")
    done = run("dfe-api", "send", "--as-at", AS_AT.isoformat(), data_dir=store.data_dir)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: the DfE's token endpoint {stub.token_url} refused client ID '{CLIENT_ID}' and its secret "
        "(HTTP 401: bad credentials): check dfe_api_client_id and the secret"
    ]
    assert "not-the-secret" not in done.stdout + done.stderr
    assert stub.token_refusals == 1 and stub.answers == []  # no batch was posted without a token
    assert recorded(store, "SELECT status, children_accepted FROM dfe_api_send") == [("failed", 0)]
    assert recorded(store, "SELECT count(*) FROM dfe_api_child") == [(0,)]

    monkeypatch.setenv("CHILDHUB_DFE_API_CLIENT_SECRET", CLIENT_SECRET)
    done = run("dfe-api", "send", "--as-at", AS_AT.isoformat(), "--batch-size", "5", data_dir=store.data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Send 2 accepted: 6 of 6 records accepted (0 purges) in 2 batches."
    assert json.loads(json.dumps(stub.accepted_ids())) == ["P1", "P2", "P3", "P4", "P5", "P6"]


def test_a_busy_hub_is_waited_for_so_what_was_posted_is_recorded(history, stub, monkeypatch):
    import childhub.hub
    from childhub.errors import StoreBusy

    store = six_children(history)
    real = childhub.hub.record_dfe_send
    calls = []

    def busy_once(store, result):
        calls.append(result.status)
        if len(calls) == 1:
            raise StoreBusy("an ingest holds the store", retry_after=3)
        return real(store, result)

    monkeypatch.setattr(childhub.hub, "record_dfe_send", busy_once)
    result, waits = sent(store, stub)
    assert calls == ["accepted", "accepted"] and waits == [3]
    assert result.send_id == 1
    assert recorded(store, "SELECT count(*) FROM dfe_api_child") == [(6,)]


def test_the_sends_are_listed_newest_first(history, stub):
    from typer.testing import CliRunner

    from childhub.cli import app

    store = six_children(history)
    listing = ["dfe-api", "sends", "--data-dir", str(store.data_dir)]
    empty = CliRunner().invoke(app, listing)
    assert empty.exit_code == 0 and empty.output.strip() == "Nothing has been sent to the DfE's API from this hub."
    sent(store, stub)
    sent(store, stub)
    shown = CliRunner().invoke(app, listing, env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    lines = [line for line in shown.output.splitlines() if "tester" in line]
    assert [("nothing to send" in line, "accepted" in line) for line in lines] == [(True, False), (False, True)]
