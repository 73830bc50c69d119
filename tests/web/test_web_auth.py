"""Signing in and out, sessions, CSRF, throttling, roles, security headers: the web app's doors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from childhub.accounts import MAX_FAILURES, AccountError, Accounts
from conftest import WEB_PASSWORD, WEB_ROLES, csrf_of, sign_in


def test_pages_need_a_session_and_send_you_to_sign_in(web_hub):
    client = web_hub.client()
    response = client.get("/?as_at=2026-03-31")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fas_at%3D2026-03-31"


def test_the_api_answers_401_without_a_session_or_token(web_hub):
    response = web_hub.client().get("/api/v1/indicators")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("role", WEB_ROLES)
def test_every_role_signs_in_with_a_secure_session_cookie(web_hub, role):
    client = web_hub.client()
    response = sign_in(client, role, WEB_PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "childhub_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(web_hub):
    client = web_hub.client()
    response = sign_in(client, "analyst", "not the password at all")
    assert response.status_code == 401
    assert "the name or password is not right" in response.text.lower()
    unknown = sign_in(client, "nobody-at-all", "not the password at all")
    assert unknown.status_code == 401 and "the name or password is not right" in unknown.text.lower()


def test_sign_in_is_throttled_after_repeated_failures(web_hub):
    Accounts(web_hub.data_dir).add("throttled", "analyst", WEB_PASSWORD)
    client = web_hub.client()
    for _ in range(MAX_FAILURES):
        assert sign_in(client, "throttled", "wrong password!!").status_code == 401
    # The right password is refused too while the window lasts.
    refused = sign_in(client, "throttled", WEB_PASSWORD)
    assert refused.status_code == 401 and "too many failed sign-ins" in refused.text.lower()


def test_the_sign_in_form_needs_its_own_csrf_cookie(web_hub):
    client = web_hub.client()
    response = client.post(
        "/login", data={"username": "admin", "password": WEB_PASSWORD, "next_path": "/", "login_csrf": "forged"}
    )
    assert response.status_code == 400 and "childhub_session" not in response.headers.get("set-cookie", "")


def test_next_never_leaves_the_site(web_hub):
    client = web_hub.client()
    form = client.get("/login?next=//evil.example/x")
    assert 'name="next_path" value="/"' in form.text
    token = client.cookies.get("childhub_login_csrf")
    response = client.post(
        "/login",
        data={"username": "admin", "password": WEB_PASSWORD, "next_path": "https://evil.example/", "login_csrf": token},
    )
    assert response.headers["location"] == "/"


def test_signing_out_needs_the_csrf_token_and_ends_the_session(web_hub):
    client = web_hub.client("analyst")
    assert client.post("/logout").status_code == 403  # no token: refused
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303  # signed out: back to sign in


def test_a_disabled_account_loses_its_session_at_once(web_hub):
    Accounts(web_hub.data_dir).add("leaver", "analyst", WEB_PASSWORD)
    client = web_hub.client("leaver")
    assert client.get("/").status_code == 200
    Accounts(web_hub.data_dir).disable("leaver")
    assert client.get("/").status_code == 303
    assert sign_in(web_hub.client(), "leaver", WEB_PASSWORD).status_code == 401


def test_api_tokens_authenticate_other_systems(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("feed", "analyst", WEB_PASSWORD)
    token = accounts.issue_token("feed", "test feed")
    client = web_hub.client()
    assert client.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/indicators", headers={"Authorization": "Bearer chub_forged"}).status_code == 401


def test_pages_carry_security_headers_and_load_nothing_from_elsewhere(web_hub):
    client = web_hub.client("admin")
    page = client.get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    for source in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert not source.startswith(("http:", "https:", "//")), source
    assert client.get("/vendor/plotly.min.js").status_code == 200
    assert client.get("/static/childhub.css").status_code == 200


def test_account_rules(web_hub):
    accounts = Accounts(web_hub.data_dir)
    with pytest.raises(AccountError, match="at least 12 characters"):
        accounts.add("shorty", "analyst", "short")
    with pytest.raises(AccountError, match="role must be one of"):
        accounts.add("boss", "superuser", WEB_PASSWORD)
    with pytest.raises(AccountError, match="practitioner needs"):
        accounts.add("nocases", "practitioner", WEB_PASSWORD)
    with pytest.raises(AccountError, match="already an account"):
        accounts.add("ADMIN", "analyst", WEB_PASSWORD)  # names are not case-sensitive


def test_the_audit_log_refuses_changes(web_hub):
    import sqlite3

    from childhub.audit import record

    record(web_hub.data_dir, actor="t", channel="cli", action="test")
    with sqlite3.connect(web_hub.data_dir / "hub.sqlite") as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log")


@pytest.mark.parametrize("path", ["/", "/annex-a", "/sql", "/review", "/cohorts"])
def test_every_form_carries_the_sessions_csrf_token(web_hub, path):
    # A form whose hidden token is empty is refused (403) when a real browser posts it.
    client = web_hub.client("admin")
    page = client.get(path)
    assert page.status_code == 200
    tokens = re.findall(r'name="csrf_token" value="([^"]*)"', page.text)
    assert tokens and set(tokens) == {csrf_of(client)}, path


def test_an_unexpected_error_is_one_error_page_without_a_traceback(web_hub):
    from fastapi.testclient import TestClient

    app = web_hub.app()

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    sign_in(client, "admin", WEB_PASSWORD)
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"status": 500, "message": "something went wrong on the server; it has been logged"}
    }
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_new_role_or_password_ends_sessions_and_tokens(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("mover", "analyst", WEB_PASSWORD)
    token = accounts.issue_token("mover", "bot")
    client = web_hub.client("mover")
    accounts.set_role("mover", "admin")  # a token must not quietly gain (or keep) the new role's rights
    assert accounts.token_account(token) is None
    assert client.get("/").status_code == 303
    client = web_hub.client("mover")
    accounts.set_password("mover", "another long password")
    assert client.get("/").status_code == 303  # whoever knew the old password is signed out


def test_scrutiny_gets_small_numbers_suppressed_in_the_api_too(web_hub):
    rows = web_hub.client("scrutiny").get("/api/v1/indicators").json()["indicators"]
    assert rows
    for row in rows:
        for count in (row["numerator"], row["denominator"]):
            assert count in (None, "[c]") or count == 0 or count >= 5, row["id"]
        if row["suppressed"]:
            assert row["value"] is None and row["formatted"] == "[c]"
    assert any(row["suppressed"] for row in rows)  # the tiny authority has small counts to hide
    analyst = web_hub.client("analyst").get("/api/v1/indicators").json()["indicators"]
    assert not any(row.get("suppressed") for row in analyst)


# --- sign-ins (both ways) and sign-outs are in the audit log ----------------------------------------


def test_sign_ins_and_sign_outs_are_audited(web_hub):
    from childhub.audit import events

    client = web_hub.client()
    assert sign_in(client, "nobody-by-this-name", "a guess at a password").status_code == 401
    failed = events(web_hub.data_dir, action="sign_in_failed", limit=1)[0]
    assert (failed.actor, failed.subject, failed.channel) == ("anonymous", "nobody-by-this-name", "web")
    assert failed.details["client"] == "testclient" and "not right" in failed.details["reason"]
    assert sign_in(client, "analyst", WEB_PASSWORD).status_code == 303
    signed = events(web_hub.data_dir, action="sign_in", limit=1)[0]
    assert (signed.actor, signed.role, signed.channel) == ("analyst", "analyst", "web")
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    out = events(web_hub.data_dir, action="sign_out", limit=1)[0]
    assert (out.actor, out.role, out.details["path"]) == ("analyst", "analyst", "/logout")
    assert out.event_id > signed.event_id > failed.event_id


# Finding 8: a non-ASCII CSRF token made hmac.compare_digest raise TypeError, a 500 on every post.
@pytest.mark.parametrize("path", ["/sql", "/logout", "/api/v1/sql"])
def test_a_non_ascii_csrf_token_is_refused_with_403_not_500(web_hub, path):
    client = web_hub.client("analyst")
    in_the_form = client.post(path, data={"sql": "SELECT 1", "csrf_token": "é"})
    in_the_header = client.post(path, json={"sql": "SELECT 1"}, headers={"X-CSRF-Token": "é".encode()})
    assert in_the_form.status_code == 403 and in_the_header.status_code == 403


def test_a_non_ascii_sign_in_csrf_token_is_refused_with_400_not_500(web_hub):
    client = web_hub.client()
    client.get("/login")  # the sign-in CSRF cookie
    response = client.post(
        "/login", data={"username": "admin", "password": WEB_PASSWORD, "next_path": "/", "login_csrf": "é🙂"}
    )
    assert response.status_code == 400 and "the form was out of date" in response.text.lower()


def _client_recorded_at_sign_in(web_hub, trusted_proxies: str, username: str) -> str:
    """The client address the throttle recorded for a failed sign-in sent from 127.0.0.1 with an
    X-Forwarded-For header, through uvicorn configured as ``childhub serve`` configures it."""
    import sqlite3

    import uvicorn
    from fastapi.testclient import TestClient

    from childhub.cli.serve import proxy_options

    config = uvicorn.Config(web_hub.shared_app, **proxy_options(web_hub.settings(trusted_proxies=trusted_proxies)))
    config.load()
    client = TestClient(config.loaded_app, base_url="https://testserver", client=("127.0.0.1", 50000))
    client.get("/login")
    token = client.cookies.get("childhub_login_csrf")
    form = {"username": username, "password": "wrong password", "next_path": "/", "login_csrf": token}
    assert client.post("/login", data=form, headers={"X-Forwarded-For": "203.0.113.100"}).status_code == 401
    with sqlite3.connect(web_hub.data_dir / "hub.sqlite") as hub:
        query = "SELECT client FROM login_attempt WHERE username = ? ORDER BY rowid DESC LIMIT 1"
        return hub.execute(query, [username]).fetchone()[0]


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(web_hub):
    # uvicorn's own default believed it from 127.0.0.1: 20 failures, then a new made-up address got in.
    assert _client_recorded_at_sign_in(web_hub, "", "xff-by-default") == "127.0.0.1"
    assert _client_recorded_at_sign_in(web_hub, "127.0.0.1", "xff-from-the-proxy") == "203.0.113.100"


def test_the_sign_in_page_over_plain_http_at_a_network_address_says_why_it_cannot_work(web_hub):
    client = TestClient(web_hub.shared_app, base_url="http://192.0.2.10:8000", follow_redirects=False)
    page = client.get("/login")
    assert "Signing in cannot work at http://192.0.2.10" in page.text
    assert "CHILDHUB_TRUSTED_PROXIES" in page.text and "CHILDHUB_SECURE_COOKIES=false" in page.text
    # the browser did not send the Secure cookie back: this, not "the form was out of date"
    posted = client.post("/login", data={"username": "admin", "password": WEB_PASSWORD, "login_csrf": "x"})
    assert posted.status_code == 400 and "Signing in cannot work at http://192.0.2.10" in posted.text
    assert "out of date" not in posted.text
    for loopback in ("http://127.0.0.1:8000", "http://localhost:8000", "https://192.0.2.10"):
        assert "cannot work" not in TestClient(web_hub.shared_app, base_url=loopback).get("/login").text
    insecure = TestClient(web_hub.app(secure_cookies=False), base_url="http://192.0.2.10:8000")
    assert "cannot work" not in insecure.get("/login").text


def test_serving_on_a_network_address_says_at_start_why_sign_in_cannot_work(web_hub, monkeypatch, capsys):
    import uvicorn

    import childhub.hub
    import childhub.web
    from childhub.cli import serve

    ran = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.append(options))
    monkeypatch.setattr(childhub.web, "create_app", lambda settings, warm_first, live: object())
    monkeypatch.setattr(childhub.hub, "publish", lambda store, conn: None)
    for host, trusted in (("0.0.0.0", ""), ("127.0.0.1", ""), ("0.0.0.0", "10.0.0.5")):
        settings = web_hub.settings(trusted_proxies=trusted)
        monkeypatch.setattr(serve, "settings_for", lambda data_dir, settings=settings: settings)
        serve._serve(web_hub.store, host, 8000)
        said = capsys.readouterr().err
        warned = "signing in will not work" in said and "CHILDHUB_SECURE_COOKIES=false" in said
        assert warned == (host == "0.0.0.0" and not trusted), (host, trusted, said)
    assert [options["proxy_headers"] for options in ran] == [False, False, True]
    assert ran[2]["forwarded_allow_ips"] == "10.0.0.5"
