"""Stored and reflected script injection: markup in source data or in a request is shown as text, never run.

Payloads ride in a child's names (as an extract would bring them), a team's name, a search, an audit filter
and an analyst's SQL; every page that shows them must carry them escaped, and none raw.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import History, csrf_of, sign_in

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, IMAGE)
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from childhub.accounts import Accounts
    from childhub.hub import refresh_and_publish
    from childhub.settings import Settings
    from childhub.web import create_app

    history = History(tmp_path_factory.mktemp("xss") / "store")
    history.child("P1", dob=date(2015, 5, 1), child_id=7, pers_forename=f"Ava{SCRIPT}", pers_surname=f"Smith{IMAGE}")
    history.add("cin_episodes", cine_referral_id="R1", cine_person_id="P1", cine_referral_date=date(2025, 6, 1))
    history.add("department", dept_team_id="T1", dept_team_name=f"Safeguarding {SCRIPT}")
    store = history.store()
    with store.writer() as conn:
        refresh_and_publish(store, conn)
    Accounts(store.data_dir).add("admin", "admin", PASSWORD, display_name=f"Admin {SCRIPT}")
    client = TestClient(create_app(Settings(data_dir=store.data_dir)), base_url="https://testserver")
    assert sign_in(client, "admin", PASSWORD).status_code in (200, 303)
    return client


ESCAPED = {
    SCRIPT: "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
    IMAGE: "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
}


def assert_shown_as_text(page, *payloads: str) -> None:
    """No payload raw in ``page``; each of ``payloads`` (those it shows) there, escaped as Jinja2 escapes it."""
    assert page.status_code == 200, page.status_code
    for payload in PAYLOADS:
        assert payload not in page.text, f"raw {payload!r} in the page"
    for payload in payloads:
        assert ESCAPED[payload] in page.text, f"{payload!r} is not shown, escaped"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/children/C7", (SCRIPT,)),  # a child's names from an extract
        ("/search?q=Ava", (SCRIPT,)),  # the names in a list of results
        (f"/search?q={SCRIPT}", ()),  # the query reflected
        (f"/audit?actor={SCRIPT}", ()),  # a filter reflected
        ("/", ()),  # the account's display name in the header
    ],
)
def test_markup_from_data_or_a_request_is_shown_as_text(client, path, shown):
    assert_shown_as_text(client.get(path), *shown)


def test_an_analysts_sql_is_echoed_as_text(client):
    token = csrf_of(client)
    page = client.post("/sql", data={"sql": "SELECT '<script>alert(1)</script>' AS x", "csrf_token": token})
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_pages_forbid_inline_scripts(client):
    policy = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in policy or ("default-src 'self'" in policy and "script-src" not in policy)
    assert "unsafe-inline" not in policy.split("script-src")[-1].split(";")[0]


def test_the_data_folder_is_as_written(client):
    # the fixture's own check: the payloads really are in the store (so the tests above see them)
    from childhub.store import Store

    data_dir = Path(client.app.state.childhub.data_dir)
    with Store(data_dir).reader() as conn:
        (forename,) = conn.execute("SELECT pers_forename FROM person").fetchone()
    assert SCRIPT in forename
