"""Records pushed to a feed (POST /api/v1/feeds/{feed}/records): a feed token for that feed alone, one batch per
push in changes mode, rejected rows named while the rest load, the key replayed to the same answer, and every
refusal one JSON error with nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from childhub.accounts import Accounts
from childhub.audit import events
from childhub.errors import StoreBusy
from childhub.store import current_sql
from childhub.web.deps import SESSION_COOKIE, SIGNED_OUT, allowed

URL = "/api/v1/feeds/contacts/records"
WEB_PASSWORD = "correct horse battery staple"  # conftest's, for every account of the web hub
FEEDS_YML = """\
feeds:
  contacts:
    description: Contacts as the case-management system records them
    table: contacts
    cadence: 1h
  referrals:
    description: Referrals
    table: cin_episodes
    cadence: 1d
  case-contacts:
    description: Contacts in the case-management system's own layout
    mapping: {mapping}
    cadence: 1h
  ssda903:
    description: The SSDA903 return
    kind: ssda903
    cadence: 400d
"""


class Pushing:
    """A copy of the web hub of its own with feeds.yml, an app over it, and tokens for its feeds."""

    def __init__(self, web_hub, folder) -> None:
        shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock"))
        from childhub.synth import mapping_files

        contacts_mapping = next(path for path in mapping_files() if path.name == "synthetic_contacts.yml")
        (folder / "feeds.yml").write_text(FEEDS_YML.format(mapping=contacts_mapping), "utf-8")
        self.data_dir = folder
        from childhub.settings import Settings
        from childhub.web import create_app

        self.app = create_app(Settings(data_dir=folder))
        accounts = Accounts(folder)
        self.contacts_token = accounts.issue_feed_token("contacts", "case system", "test")[1]
        self.referrals_token = accounts.issue_feed_token("referrals", "referral system", "test")[1]
        self.ssda903_token = accounts.issue_feed_token("ssda903", "returns", "test")[1]
        self.case_contacts_token = accounts.issue_feed_token("case-contacts", "case system's own layout", "test")[1]
        self.api_token = accounts.issue_token("admin", "an ordinary API token")
        cursor = self.app.state.childhub.served.current().cursor()
        self.children = cursor.execute(
            "SELECT person_id, child_key FROM fact_person WHERE source_system = 'social_care' AND child_key LIKE 'C%' "
            "ORDER BY child_key LIMIT 3"
        ).fetchall()

    def client(self, token: str | None = None) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False, headers=headers)

    def push(self, rows, key: str, token: str | None = None, url: str = URL, **kwargs):
        return self.client(token or self.contacts_token).post(
            url, json={"rows": rows}, headers={"Idempotency-Key": key}, **kwargs
        )

    def batches(self) -> list[tuple]:
        with self.app.state.childhub.store.reader() as conn:
            return conn.execute("SELECT batch_id, push_feed, idempotency_key FROM ingest_batch ORDER BY 1").fetchall()

    def current_contacts(self, contact_ids: list[str]) -> dict[str, tuple]:
        sql, parameters = current_sql("contacts")
        with self.app.state.childhub.store.reader() as conn:
            rows = conn.execute(
                f"SELECT cont_contact_id, cont_person_id, cont_contact_date, cont_contact_outcome_json "
                f"FROM ({sql}) WHERE list_contains($ids, cont_contact_id)",
                {**parameters, "ids": contact_ids},
            ).fetchall()
        return {row[0]: row[1:] for row in rows}


@pytest.fixture(scope="module")
def hub(web_hub, tmp_path_factory) -> Pushing:
    return Pushing(web_hub, tmp_path_factory.mktemp("push") / "store")


def contact(contact_id: str, person_id: str, day: date, outcome: str = "No further action") -> dict:
    return {
        "cont_contact_id": contact_id,
        "cont_person_id": person_id,
        "cont_contact_date": day.isoformat(),
        "cont_contact_source_code": "1A",
        "cont_contact_outcome_json": outcome,
    }


def test_three_contacts_for_known_children_load_and_the_facts_show_them(hub):
    yesterday = date.today() - timedelta(days=1)
    rows = [
        contact(f"PUSH-A{i}", person, yesterday, f"Pushed outcome {i}") for i, (person, _) in enumerate(hub.children)
    ]
    before = hub.batches()
    response = hub.push(rows, "three-contacts")
    assert response.status_code == 200, response.text
    answer = response.json()
    after = hub.batches()
    assert len(after) == len(before) + 1
    batch_id, push_feed, key = after[-1]
    assert (push_feed, key) == ("contacts", "three-contacts")
    assert answer == {
        "feed": "contacts",
        "batch_id": batch_id,
        "idempotency_key": "three-contacts",
        "received": 3,
        "loaded": 3,
        "rejected": [],
        "warnings": [],
        "replayed": False,
    }
    assert hub.current_contacts(["PUSH-A0", "PUSH-A1", "PUSH-A2"]) == {
        f"PUSH-A{i}": (person, yesterday, f"Pushed outcome {i}") for i, (person, _) in enumerate(hub.children)
    }
    shown = hub.app.state.childhub.served.current().cursor()
    facts = shown.execute(
        "SELECT contact_id, child_key, contact_date FROM fact_contact WHERE contact_id LIKE 'PUSH-A%' ORDER BY 1"
    ).fetchall()
    assert facts == [(f"PUSH-A{i}", key, yesterday) for i, (_, key) in enumerate(hub.children)]
    audited = events(hub.data_dir, action="push_records")
    assert [(e.actor, e.channel, e.subject, e.details["batch_id"], e.details["loaded"]) for e in audited][-1] == (
        "case system",
        "api",
        "contacts",
        batch_id,
        3,
    )


def test_a_row_with_a_bad_date_is_rejected_by_row_and_field_while_the_others_load(hub):
    person = hub.children[0][0]
    rows = [
        contact("PUSH-B1", person, date(2026, 1, 5)),
        {**contact("PUSH-B2", person, date(2026, 1, 6)), "cont_contact_date": "31/02/2026"},
        contact("PUSH-B3", person, date(2026, 1, 7)),
    ]
    response = hub.push(rows, "bad-date")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["received"], answer["loaded"]) == (3, 2)
    assert [(p["row"], p["field"]) for p in answer["rejected"]] == [(2, "cont_contact_date")]
    assert "is not a date" in answer["rejected"][0]["message"]
    assert set(hub.current_contacts(["PUSH-B1", "PUSH-B2", "PUSH-B3"])) == {"PUSH-B1", "PUSH-B3"}


def test_replaying_a_key_gives_the_same_answer_and_no_new_batch_and_other_rows_are_a_conflict(hub):
    person = hub.children[1][0]
    rows = [
        contact("PUSH-C1", person, date(2026, 2, 1)),
        {**contact("PUSH-C2", person, date(2026, 2, 2)), "cont_contact_date": "soon"},
    ]
    first = hub.push(rows, "replayed")
    batches = hub.batches()
    again = hub.push(rows, "replayed")
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert hub.batches() == batches
    other = hub.push([contact("PUSH-C3", person, date(2026, 2, 3))], "replayed")
    assert other.status_code == 409
    assert "was used on feed contacts" in other.json()["error"]["message"]
    assert hub.batches() == batches
    assert "PUSH-C3" not in hub.current_contacts(["PUSH-C3"])


def test_the_same_key_on_another_feed_is_a_push_of_its_own(hub):
    rows = [{"cine_referral_id": "PUSH-R1", "cine_person_id": hub.children[0][0], "cine_referral_date": "2026-03-01"}]
    before = hub.batches()
    response = hub.push(rows, "replayed", token=hub.referrals_token, url="/api/v1/feeds/referrals/records")
    assert response.status_code == 200, response.text
    assert response.json()["replayed"] is False
    assert hub.batches()[-1][1:] == ("referrals", "replayed") and len(hub.batches()) == len(before) + 1


def test_a_mapping_feed_takes_its_source_columns_and_an_old_contact_still_stands(hub):
    """The mapping dates a whole extract by its latest contact; a push is the source as it is today, so a contact
    dated years back is current all the same (it must not hide behind the last whole extract's date)."""
    person, child_key = hub.children[2]
    row = {
        "contact_id": "PUSH-M1",
        "person_id": person,
        "contact_date": "14/05/2023",
        "source_code": "1A",
        "outcome": "Pushed in the system's own layout",
    }
    url = "/api/v1/feeds/case-contacts/records"
    response = hub.push(
        [row, {**row, "contact_id": "PUSH-M2", "colour": "red"}], "m-refused", hub.case_contacts_token, url
    )
    assert response.status_code == 422
    assert "row 2, field colour: the feed has no such field" in response.json()["error"]["message"]
    response = hub.push([row], "mapping-1", token=hub.case_contacts_token, url=url)
    assert response.status_code == 200, response.text
    assert (response.json()["received"], response.json()["loaded"], response.json()["rejected"]) == (1, 1, [])
    assert hub.current_contacts(["PUSH-M1", "PUSH-M2"]) == {
        "PUSH-M1": (person, date(2023, 5, 14), "Pushed in the system's own layout")
    }
    shown = hub.app.state.childhub.served.current().cursor()
    assert shown.execute("SELECT child_key FROM fact_contact WHERE contact_id = 'PUSH-M1'").fetchall() == [(child_key,)]


REFUSED = "PUSH-X"


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("no token", 401, "send a feed token"),
        ("unknown token", 401, "not valid"),
        ("an API token", 403, "only a feed token may push"),
        ("a signed-in person", 403, "only a feed token may push"),
        ("another feed's token", 403, "may push records to feed referrals only"),
        ("an unknown feed", 404, "there is no feed 'nosuch'"),
        ("a feed of files", 405, "takes ssda903 files only"),
        ("malformed JSON", 400, "the body is not JSON"),
        ("not rows", 422, 'should be {"rows": [...]}'),
        ("empty rows", 422, "at least one row"),
        ("a field the feed lacks", 422, "row 2, field cont_colour: the feed has no such field"),
        ("a value that is a list", 422, "row 1, field cont_contact_outcome_json: a value is"),
        ("no idempotency key", 422, "Idempotency-Key"),
        ("too long an idempotency key", 422, "Idempotency-Key"),
        ("too many bytes said", 413, "larger than 1,000 bytes"),
        ("too many bytes sent", 413, "larger than 1,000 bytes"),
        ("too many rows", 413, "3 rows is more than 2"),
    ],
)
def test_a_refused_push_says_why_and_writes_nothing(hub, case, status, says):
    person = hub.children[0][0]
    good = [contact(REFUSED, person, date(2026, 3, 3))]
    headers = {"Idempotency-Key": f"refused {case}"}
    body = json.dumps({"rows": good}).encode()
    token, url = hub.contacts_token, URL
    app = hub.app
    if case in ("no token", "a signed-in person"):
        token = None
    elif case == "unknown token":
        token = "chfeed_not-a-token"
    elif case == "an API token":
        token = hub.api_token
    elif case == "another feed's token":
        token = hub.referrals_token
    elif case == "an unknown feed":
        url = "/api/v1/feeds/nosuch/records"
    elif case == "a feed of files":
        token, url = hub.ssda903_token, "/api/v1/feeds/ssda903/records"
    elif case == "malformed JSON":
        body = b'{"rows": [{"cont_contact_id": '
    elif case == "not rows":
        body = json.dumps({"records": good}).encode()
    elif case == "empty rows":
        body = b'{"rows": []}'
    elif case == "a field the feed lacks":
        body = json.dumps({"rows": [*good, {**good[0], "cont_colour": "blue"}]}).encode()
    elif case == "a value that is a list":
        body = json.dumps({"rows": [{**good[0], "cont_contact_outcome_json": ["a", "b"]}]}).encode()
    elif case == "no idempotency key":
        headers = {}
    elif case == "too long an idempotency key":
        headers = {"Idempotency-Key": "k" * 201}
    elif case in ("too many bytes said", "too many bytes sent", "too many rows"):
        from childhub.settings import Settings
        from childhub.web import create_app

        app = create_app(Settings(data_dir=hub.data_dir, push_max_bytes=1_000, push_max_rows=2))
        if case == "too many bytes said":
            body = b" " * 1_001 + body
        elif case == "too many bytes sent":  # a body sent in chunks, with no Content-Length to say its size
            body = iter([body, b" " * 1_000])
        else:
            body = json.dumps({"rows": good * 3}).encode()
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    if case == "a signed-in person":
        session, _ = Accounts(hub.data_dir).sign_in("admin", WEB_PASSWORD, "testclient")
        client.cookies.set(SESSION_COOKIE, session)
    before = hub.batches()
    response = client.post(url, content=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert says in response.json()["error"]["message"]
    assert set(response.json()) == {"error"} and response.json()["error"]["status"] == status
    assert hub.batches() == before
    assert hub.current_contacts([REFUSED]) == {}
    if case == "another feed's token":  # a valid token tried where it may not push is in the audit log
        [latest] = events(hub.data_dir, limit=1)
        assert (latest.actor, latest.action, latest.subject, latest.details["status"]) == (
            "referral system",
            "push_refused",
            "contacts",
            403,
        )


def test_a_busy_hub_answers_429_with_retry_after_and_writes_nothing(hub, monkeypatch):
    from contextlib import contextmanager

    from childhub.web.deps import WebContext

    class BusyStore:
        data_dir = hub.data_dir
        live = False

        @contextmanager
        def writer(self):
            raise StoreBusy("the hub is busy with another write", retry_after=7)
            yield

    before = hub.batches()
    monkeypatch.setattr(WebContext, "store", property(lambda self: BusyStore()))
    response = hub.push([contact(REFUSED, hub.children[0][0], date(2026, 3, 3))], "busy")
    monkeypatch.undo()
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json() == {"error": {"status": 429, "message": "the hub is busy with another write"}}
    assert hub.batches() == before


def test_a_feed_token_opens_no_other_route(hub):
    client = hub.client(hub.contacts_token)
    wrong = []
    for route in iter_route_contexts(hub.app.routes):
        if not isinstance(route.original_route, APIRoute) or route.path == "/api/v1/feeds/{feed}/records":
            continue
        roles = allowed(route.dependencies)
        if roles and SIGNED_OUT in roles:
            continue  # open to anyone: signing in, the app's own scripts
        path = route.path.replace("{", "").replace("}", "")
        for method in route.methods - {"HEAD"}:
            response = client.request(method, path)
            if response.status_code != 403:
                wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, wrong
    assert client.get("/api/v1/indicators").json()["error"]["message"].startswith("a feed token may only push")


def test_a_revoked_feed_token_pushes_nothing(hub):
    accounts = Accounts(hub.data_dir)
    token, secret = accounts.issue_feed_token("contacts", "short-lived", "test")
    accounts.revoke_feed_token(token.token_id)
    before = hub.batches()
    response = hub.push([contact(REFUSED, hub.children[0][0], date(2026, 3, 3))], "revoked", token=secret)
    assert response.status_code == 401
    assert hub.batches() == before


def test_the_openapi_schema_documents_the_push(hub):
    schema = hub.client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/feeds/{feed}/records"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "405", "409", "413", "422", "429"}
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["rows"]
    assert [p["name"] for p in operation["parameters"]] == ["feed", "Idempotency-Key"]
    answer = schema["components"]["schemas"]["PushAnswer"]["properties"]
    assert {"batch_id", "received", "loaded", "rejected", "replayed"} <= set(answer)
    assert "Retry-After" in operation["responses"]["429"]["headers"]
