"""Accounts in the web app (``/accounts``): each change an admin makes, refused for every other role and without
the CSRF token, audited as ``childhub users`` audits the same change, with one clear line for bad input."""

from __future__ import annotations

import html
import re
import shutil

import pytest
from typer.testing import CliRunner

from childhub.accounts import ROLES, Accounts
from childhub.audit import events
from childhub.cli import app as cli_app
from conftest import WEB_PASSWORD, sign_in

pytestmark = pytest.mark.slow  # every account action by every role, 30-odd requests: CI runs it with -m slow


def _teams_and_workers(web_hub) -> tuple[dict[str, str], dict[str, str]]:
    """The tiny authority's teams and workers by ID, with their names, as its facts hold them."""
    cursor = web_hub.shared_app.state.childhub.served.current().cursor()
    teams = dict(cursor.execute("SELECT team_id, team_name FROM fact_team").fetchall())
    workers = dict(cursor.execute("SELECT worker_id, worker_name FROM fact_worker").fetchall())
    return teams, workers


def _csrf(client, page: str = "/accounts") -> str:
    """The CSRF token of ``client``'s session, from a form on ``page`` (one quicker to draw than the overview that
    ``conftest.csrf_of`` reads: every page's sign-out form carries it)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def _post(client, path: str, **form):
    """An admin's form post, with their session's CSRF token."""
    return client.post(path, data={"csrf_token": _csrf(client), **form})


def _newest(web_hub, action: str):
    return events(web_hub.data_dir, action=action, limit=1)[0]


def _shown_once(page) -> str:
    match = re.search(r'<p class="pre" id="shown-once">([^<]+)</p>', page.text)
    assert match, "nothing was shown once"
    return match.group(1)


def _problem(page) -> str:
    """The error summary's one line (and where it links, if anywhere)."""
    match = re.search(r'<ul class="error-summary__list">\s*<li>(.*?)</li>', page.text, re.S)
    assert match, "no error summary"
    return html.unescape(match.group(1))


# --- who may -----------------------------------------------------------------------------------------------------

PAGES = ["/accounts", "/accounts/new", "/accounts/admin", "/api/v1/accounts"]
POSTS = [
    ("/accounts", {"username": "sneaky", "role": "admin", "password": "a long enough password"}),
    ("/accounts/admin/access", {"role": "scrutiny"}),
    ("/accounts/admin/disable", {}),
    ("/accounts/admin/enable", {}),
    ("/accounts/admin/password", {}),
    ("/accounts/admin/tokens", {"label": "mine now"}),
    ("/accounts/admin/tokens/1/revoke", {}),
]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin"])
def test_every_other_role_is_refused_every_page_and_change(web_hub, role):
    client = web_hub.client(role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    token = _csrf(client, "/api")  # a page every role may open
    for path, form in POSTS:
        assert client.post(path, data={"csrf_token": token, **form}).status_code == 403, path
    assert Accounts(web_hub.data_dir).find("sneaky") is None
    assert Accounts(web_hub.data_dir).get("admin").role == "admin"


def test_signed_out_is_sent_to_sign_in(web_hub):
    client = web_hub.client()
    assert client.get("/accounts").headers["location"].startswith("/login?next=")
    assert client.get("/api/v1/accounts").status_code == 401


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("csrf-target", "analyst", WEB_PASSWORD)
    client = web_hub.client("admin")
    target = [(p.replace("admin", "csrf-target"), f) for p, f in POSTS]
    for path, form in target:
        assert client.post(path, data=form).status_code == 403, path
        assert client.post(path, data={**form, "csrf_token": "not-the-token"}).status_code == 403, path
    assert accounts.find("sneaky") is None
    after = accounts.get("csrf-target")
    assert (after.role, after.disabled) == ("analyst", False) and accounts.tokens("csrf-target") == []
    assert sign_in(web_hub.client(), "csrf-target", WEB_PASSWORD).status_code == 303  # the password is as it was


# --- the list and the API ----------------------------------------------------------------------------------------


def test_the_list_says_each_role_and_scope_in_words(web_hub):
    teams, workers = _teams_and_workers(web_hub)
    page = web_hub.client("admin").get("/accounts")
    assert page.status_code == 200
    row = re.search(r'<a href="/accounts/manager">manager</a>.*?</tr>', page.text, re.S).group(0)
    assert "Mo Manager" in row and "Manager" in row and f"team {teams[web_hub.manager_team]}" in row
    assert web_hub.manager_team not in row  # the team's name, not its ID
    row = re.search(r'<a href="/accounts/practitioner">practitioner</a>.*?</tr>', page.text, re.S).group(0)
    assert f"caseload of {workers[web_hub.practitioner_worker]}" in row and "Practitioner" in row
    row = re.search(r'<a href="/accounts/admin">admin</a>.*?</tr>', page.text, re.S).group(0)
    assert "Administrator" in row and "Enabled" in row and "Never" not in row  # the admin has signed in

    only = web_hub.client("admin").get("/accounts", params={"role": "manager"})
    assert 'href="/accounts/manager"' in only.text and 'href="/accounts/analyst"' not in only.text
    assert web_hub.client("admin").get("/accounts", params={"role": "emperor"}).status_code == 400


def test_the_api_lists_accounts_without_hashes_or_tokens(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("api-listed", "practitioner", WEB_PASSWORD, worker_id=web_hub.practitioner_worker)
    secret = accounts.issue_token("api-listed", "a bot")
    teams, workers = _teams_and_workers(web_hub)
    response = web_hub.client("admin").get("/api/v1/accounts")
    assert response.status_code == 200
    listed = {row["username"]: row for row in response.json()["accounts"]}
    row = listed["api-listed"]
    assert row["role_label"] == "Practitioner" and row["worker_name"] == workers[web_hub.practitioner_worker]
    assert row["api_tokens"] == 1 and row["last_sign_in"] is None and row["disabled"] is False
    manager = listed["manager"]
    assert manager["teams"] == [
        {
            "team_id": web_hub.manager_team,
            "team_name": teams[web_hub.manager_team],
            "service_area": manager["teams"][0]["service_area"],
        }
    ]
    assert secret not in response.text and "argon2" not in response.text and "hash" not in response.text


# --- each change -------------------------------------------------------------------------------------------------


def test_adding_an_account_with_a_password_made_and_shown_once(web_hub):
    teams, _workers = _teams_and_workers(web_hub)
    team = sorted(teams)[0]
    client = web_hub.client("admin")
    page = _post(client, "/accounts", username="new.manager", display_name="Nia Manager", role="manager", teams=team)
    assert page.status_code == 201
    password = _shown_once(page)
    assert "Nia Manager" in page.text and f"team {teams[team]}" in page.text
    account = Accounts(web_hub.data_dir).get("new.manager")
    assert (account.role, account.teams, account.display_name) == ("manager", (team,), "Nia Manager")
    event = _newest(web_hub, "add_account")
    assert (event.actor, event.channel, event.subject, event.details["role"]) == (
        "admin",
        "web",
        "new.manager",
        "manager",
    )
    assert password not in str(event.details)
    assert sign_in(web_hub.client(), "new.manager", password).status_code == 303
    assert password not in client.get("/accounts/new.manager").text  # shown once, never again


def test_adding_an_account_with_a_password_typed(web_hub):
    client = web_hub.client("admin")
    page = _post(client, "/accounts", username="typed", role="analyst", password="a password typed here")
    assert page.status_code == 201 and 'id="shown-once"' not in page.text
    assert sign_in(web_hub.client(), "typed", "a password typed here").status_code == 303


BAD_NEW = [
    ({"username": "bad name!", "role": "analyst"}, "a username is 1 to 64 letters", "username"),
    ({"username": "admin", "role": "analyst"}, "There is already an account called 'admin'", "username"),
    ({"username": "x1", "role": "emperor"}, "The role must be one of admin, analyst", "role"),
    ({"username": "x2", "role": ""}, "The role must be one of", "role"),
    ({"username": "x3", "role": "practitioner"}, "A practitioner needs a worker ID (--worker) or a team", "worker"),
    ({"username": "x4", "role": "manager"}, "A manager needs a team (--team) or a service area", "teams"),
    ({"username": "x5", "role": "manager", "teams": "T999"}, "There is no team 'T999' in the case system", "teams"),
    (
        {"username": "x6", "role": "manager", "service_areas": "atlantis"},
        "There is no service area 'atlantis' in the case system",
        "service_areas",
    ),
    (
        {"username": "x7", "role": "practitioner", "worker": "SW9999"},
        "There is no worker 'SW9999' in the case system",
        "worker",
    ),
    (
        {"username": "x8", "role": "analyst", "password": "too short"},
        "A password needs at least 12 characters",
        "password",
    ),
]


@pytest.mark.parametrize(
    ("form", "line", "field"), BAD_NEW, ids=[case[2] + "-" + case[0]["username"] for case in BAD_NEW]
)
def test_bad_input_for_a_new_account_gets_one_line_linking_to_its_field_and_writes_nothing(web_hub, form, line, field):
    client = web_hub.client("admin")
    before = events(web_hub.data_dir, limit=1)[0].event_id
    page = _post(client, "/accounts", **form)
    assert page.status_code == 400 and "Traceback" not in page.text
    problem = _problem(page)
    assert line.lower() in problem.lower() and f'href="#{field}"' in problem
    assert f'id="{field}"' in page.text  # the link lands on the field
    assert page.text.count('class="error-summary"') == 1
    if form["username"] != "admin":
        assert Accounts(web_hub.data_dir).find(form["username"]) is None
    assert [e.action for e in events(web_hub.data_dir, limit=5) if e.event_id > before] == []
    assert form["username"] in page.text or form["username"] == "bad name!"  # what was typed is kept


def test_disabling_ends_sign_in_and_tokens_and_enabling_lets_them_back(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("leaving", "analyst", WEB_PASSWORD)
    token = accounts.issue_token("leaving", "their bot")
    theirs = web_hub.client("leaving")
    assert theirs.get("/api").status_code == 200
    api = web_hub.client()
    assert api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client = web_hub.client("admin")

    response = _post(client, "/accounts/leaving/disable")
    assert response.status_code == 303 and response.headers["location"] == "/accounts/leaving?done=disable_account"
    assert "Disabled" in client.get(response.headers["location"]).text
    assert theirs.get("/api").status_code == 303  # signed out at once
    assert sign_in(web_hub.client(), "leaving", WEB_PASSWORD).status_code == 401
    assert api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    event = _newest(web_hub, "disable_account")
    assert (event.actor, event.subject, event.details["tokens_revoked"]) == ("admin", "leaving", True)

    assert _post(client, "/accounts/leaving/enable").status_code == 303
    assert _newest(web_hub, "enable_account").subject == "leaving"
    assert sign_in(web_hub.client(), "leaving", WEB_PASSWORD).status_code == 303
    assert api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 401  # still


def test_changing_the_role_and_scope(web_hub):
    teams, workers = _teams_and_workers(web_hub)
    team, worker = sorted(teams)[0], web_hub.practitioner_worker
    accounts = Accounts(web_hub.data_dir)
    accounts.add("changing", "analyst", WEB_PASSWORD)
    theirs = web_hub.client("changing")
    client = web_hub.client("admin")

    refused = _post(client, "/accounts/changing/access", role="manager")
    assert refused.status_code == 400 and "A manager needs a team" in _problem(refused)
    assert accounts.get("changing").role == "analyst" and theirs.get("/api").status_code == 200

    done = _post(client, "/accounts/changing/access", role="practitioner", worker=worker)
    assert done.status_code == 303 and done.headers["location"].endswith("done=set_role")
    account = accounts.get("changing")
    assert (account.role, account.worker_id) == ("practitioner", worker)
    assert theirs.get("/api").status_code == 303  # a new role: signed in again
    event = _newest(web_hub, "set_role")
    assert (event.details["from"], event.details["to"]) == ("analyst", "practitioner")
    assert event.details["scope_to"] == {"worker": worker, "teams": [], "service_areas": []}
    page = client.get("/accounts/changing")
    assert f"caseload of {workers[worker]}" in page.text

    theirs = web_hub.client("changing")
    done = _post(client, "/accounts/changing/access", role="practitioner", worker=worker, teams=team)
    assert done.headers["location"].endswith("done=set_scope")
    assert accounts.get("changing").teams == (team,)
    assert theirs.get("/api").status_code == 200  # a new scope: the session carries on
    event = _newest(web_hub, "set_scope")
    assert event.details["from"]["teams"] == [] and event.details["to"]["teams"] == [team]

    unknown = _post(client, "/accounts/changing/access", role="practitioner", worker="SW9999")
    assert unknown.status_code == 400 and "There is no worker 'SW9999'" in _problem(unknown)
    assert accounts.get("changing").worker_id == worker
    same = _post(client, "/accounts/changing/access", role="practitioner", worker=worker, teams=team)
    assert same.headers["location"].endswith("done=nothing")


def test_resetting_a_password_shows_it_once_and_ends_their_sessions(web_hub):
    Accounts(web_hub.data_dir).add("forgetful", "analyst", WEB_PASSWORD)
    theirs = web_hub.client("forgetful")
    page = _post(web_hub.client("admin"), "/accounts/forgetful/password")
    assert page.status_code == 200
    password = _shown_once(page)
    assert theirs.get("/api").status_code == 303
    assert sign_in(web_hub.client(), "forgetful", WEB_PASSWORD).status_code == 401
    assert sign_in(web_hub.client(), "forgetful", password).status_code == 303
    event = _newest(web_hub, "set_password")
    assert (event.actor, event.subject) == ("admin", "forgetful") and password not in str(event.details)


def test_issuing_and_revoking_a_token(web_hub):
    accounts = Accounts(web_hub.data_dir)
    accounts.add("system", "analyst", WEB_PASSWORD)
    client = web_hub.client("admin")
    empty = _post(client, "/accounts/system/tokens", label="  ")
    assert empty.status_code == 400 and 'href="#label"' in _problem(empty)
    page = _post(client, "/accounts/system/tokens", label="nightly report")
    assert page.status_code == 201
    token = _shown_once(page)
    assert token.startswith("chub_")
    (issued,) = accounts.tokens("system")
    assert issued.label == "nightly report" and not issued.revoked
    event = _newest(web_hub, "issue_token")
    assert event.details["label"] == "nightly report" and event.details["token"] == issued.token_id
    api = web_hub.client()
    assert api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/accounts/system").text  # only its hash is kept

    other = _post(client, f"/accounts/admin/tokens/{issued.token_id}/revoke")
    assert other.status_code == 400 and f"There is no API token {issued.token_id} of admin" in _problem(other)
    assert _post(client, f"/accounts/system/tokens/{issued.token_id}/revoke").status_code == 303
    assert api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _newest(web_hub, "revoke_token").details == {
        "label": "nightly report",
        "token": issued.token_id,
        "path": f"/accounts/system/tokens/{issued.token_id}/revoke",
    }


def test_an_unknown_account_is_not_found(web_hub):
    client = web_hub.client("admin")
    assert client.get("/accounts/nobody-at-all").status_code == 404
    assert _post(client, "/accounts/nobody-at-all/disable").status_code == 404


# --- the last admin ----------------------------------------------------------------------------------------------


@pytest.fixture
def lone_admin(web_hub, tmp_path):
    """A copy of the web hub whose only enabled admin is ``admin``, and an app over it."""
    from fastapi.testclient import TestClient

    from childhub.settings import Settings
    from childhub.web import create_app

    folder = tmp_path / "hub"
    shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    accounts = Accounts(folder)
    for account in accounts.list():
        if account.role == "admin" and account.username != "admin" and not account.disabled:
            accounts.disable(account.username)
    client = TestClient(create_app(Settings(data_dir=folder)), base_url="https://testserver", follow_redirects=False)
    sign_in(client, "admin", WEB_PASSWORD)
    return folder, client


def test_the_last_admin_cannot_disable_or_demote_themself(lone_admin):
    folder, client = lone_admin
    accounts = Accounts(folder)
    for path, form in (("/accounts/admin/disable", {}), ("/accounts/admin/access", {"role": "analyst"})):
        page = _post(client, path, **form)
        assert page.status_code == 400
        assert "it is the last admin" in _problem(page) and "make another account admin first" in _problem(page)
        assert accounts.get("admin").role == "admin" and not accounts.get("admin").disabled
        assert client.get("/accounts").status_code == 200  # still signed in
    accounts.add("deputy", "admin", WEB_PASSWORD)
    assert _post(client, "/accounts/admin/access", role="analyst").status_code == 303  # another admin is left
    assert accounts.get("admin").role == "analyst"


def test_the_last_admin_cannot_be_disabled_at_the_command_line_either(lone_admin):
    folder, _client = lone_admin
    result = CliRunner().invoke(cli_app, ["users", "disable", "admin", "--data-dir", str(folder)])
    refused = str(result.exception)  # the console script prints it as one line, "error: ..."
    assert result.exit_code != 0 and "it is the last admin" in refused and "\n" not in refused
    assert not Accounts(folder).get("admin").disabled


# --- the same change at the command line -------------------------------------------------------------------------


def _cli(web_hub, *args: str, stdin: str | None = None):
    result = CliRunner().invoke(cli_app, [*args, "--data-dir", str(web_hub.data_dir)], input=stdin)
    assert result.exit_code == 0, result.output
    return result


def _event(web_hub, action: str, subject: str):
    return next(e for e in events(web_hub.data_dir, action=action, limit=50) if e.subject == subject)


def _same(web_event, cli_event, *, differing: tuple[str, ...] = ()) -> None:
    assert (web_event.action, web_event.channel, cli_event.channel) == (cli_event.action, "web", "cli")
    web = {k: v for k, v in web_event.details.items() if k not in ("path", *differing)}
    cli = {k: v for k, v in cli_event.details.items() if k not in differing}
    assert web == cli


def test_a_change_on_the_page_and_at_the_command_line_write_the_same_audit_event(web_hub):
    teams, _workers = _teams_and_workers(web_hub)
    team, worker = sorted(teams)[0], web_hub.practitioner_worker
    client = web_hub.client("admin")

    _post(client, "/accounts", username="same-web", role="manager", teams=team, password="a long enough password")
    _cli(
        web_hub,
        "users",
        "add",
        "same-cli",
        "--role",
        "manager",
        "--team",
        team,
        "--password-stdin",
        stdin="a long enough password",
    )
    _same(_event(web_hub, "add_account", "same-web"), _event(web_hub, "add_account", "same-cli"))

    _post(client, "/accounts/same-web/access", role="practitioner", worker=worker)
    _cli(web_hub, "users", "set-role", "same-cli", "practitioner", "--worker", worker)
    _same(_event(web_hub, "set_role", "same-web"), _event(web_hub, "set_role", "same-cli"))

    _post(client, "/accounts/same-web/access", role="practitioner", worker=worker, teams=team)
    _cli(web_hub, "users", "set-scope", "same-cli", "--worker", worker, "--team", team)
    _same(_event(web_hub, "set_scope", "same-web"), _event(web_hub, "set_scope", "same-cli"))

    _post(client, "/accounts/same-web/tokens", label="bot")
    _cli(web_hub, "users", "token", "same-cli", "--label", "bot")
    _same(_event(web_hub, "issue_token", "same-web"), _event(web_hub, "issue_token", "same-cli"), differing=("token",))

    web_token = Accounts(web_hub.data_dir).tokens("same-web")[0].token_id
    cli_token = Accounts(web_hub.data_dir).tokens("same-cli")[0].token_id
    _post(client, f"/accounts/same-web/tokens/{web_token}/revoke")
    listed = _cli(web_hub, "users", "tokens", "same-cli").output
    assert f"{cli_token}" in listed and "bot" in listed and "live" in listed and "chub_" not in listed
    _cli(web_hub, "users", "revoke-token", "same-cli", str(cli_token))
    _same(
        _event(web_hub, "revoke_token", "same-web"), _event(web_hub, "revoke_token", "same-cli"), differing=("token",)
    )

    _post(client, "/accounts/same-web/password")
    _cli(web_hub, "users", "password", "same-cli", stdin="another long password")
    _same(_event(web_hub, "set_password", "same-web"), _event(web_hub, "set_password", "same-cli"))

    _post(client, "/accounts/same-web/disable")
    _cli(web_hub, "users", "disable", "same-cli")
    _same(_event(web_hub, "disable_account", "same-web"), _event(web_hub, "disable_account", "same-cli"))

    _post(client, "/accounts/same-web/enable")
    _cli(web_hub, "users", "enable", "same-cli")
    _same(_event(web_hub, "enable_account", "same-web"), _event(web_hub, "enable_account", "same-cli"))

    web_event = _event(web_hub, "enable_account", "same-web")
    assert (web_event.actor, web_event.role) == ("admin", "admin")


def test_the_command_line_refuses_an_unknown_team_in_one_line(web_hub):
    result = CliRunner().invoke(
        cli_app,
        ["users", "add", "cli-unknown", "--role", "manager", "--team", "T999", "--data-dir", str(web_hub.data_dir)],
    )
    refused = str(result.exception)  # the console script prints it as one line, "error: ..."
    assert result.exit_code != 0 and "there is no team 'T999' in the case system" in refused and "\n" not in refused
    assert Accounts(web_hub.data_dir).find("cli-unknown") is None


# --- while childhub serve holds the store ------------------------------------------------------------------------


def test_accounts_change_from_the_page_while_the_server_holds_the_store(web_hub, tmp_path):
    from fastapi.testclient import TestClient

    from childhub.live import LiveHub
    from childhub.settings import Settings
    from childhub.web import create_app

    folder = tmp_path / "hub"
    shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    teams, _workers = _teams_and_workers(web_hub)
    team = sorted(teams)[0]
    with LiveHub(folder) as live:
        client = TestClient(
            create_app(Settings(data_dir=folder), live=live.store),
            base_url="https://testserver",
            follow_redirects=False,
        )
        sign_in(client, "admin", WEB_PASSWORD)
        assert teams[team] in client.get("/accounts/new").text  # the teams offered: read from the held store
        page = _post(client, "/accounts", username="served", role="manager", teams=team)
        assert page.status_code == 201
        password = _shown_once(page)
        refused = _post(client, "/accounts", username="served2", role="manager", teams="T999")
        assert refused.status_code == 400 and "There is no team 'T999'" in _problem(refused)
        assert _post(client, "/accounts/served/disable").status_code == 303
        assert _post(client, "/accounts/served/enable").status_code == 303
        other = TestClient(
            create_app(Settings(data_dir=folder), live=live.store),
            base_url="https://testserver",
            follow_redirects=False,
        )
        assert sign_in(other, "served", password).status_code == 303
        assert other.get("/api").status_code == 200
    assert Accounts(folder).get("served").teams == (team,)
    assert [e.subject for e in events(folder, action="add_account", limit=1)] == ["served"]


# --- API token IDs -----------------------------------------------------------------------------------------------


def test_tokens_issued_before_token_ids_are_numbered_in_the_order_issued(tmp_path):
    """A hub database at migration 0003 with two tokens: 0004 numbers them by when they were issued."""
    import sqlite3

    from childhub.store.hub import MIGRATIONS, _statements, audit_chain_hash

    conn = sqlite3.connect(tmp_path / "hub.sqlite", isolation_level=None)
    conn.create_function("audit_chain_hash", 2, audit_chain_hash, deterministic=True)
    conn.execute("CREATE TABLE hub_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    for version, name in ((1, "0001_hub.sql"), (2, "0002_audit_chain.sql"), (3, "0003_feed_tokens.sql")):
        for statement in _statements((MIGRATIONS / name).read_text("utf-8")):
            conn.execute(statement)
        conn.execute("INSERT INTO hub_migrations VALUES (?, ?, '2026-11-01T00:00:00')", [version, name])
    conn.execute(
        "INSERT INTO account (username, display_name, role, password_hash, created_at, updated_at) "
        "VALUES ('old', 'old', 'analyst', 'x', '2026-11-01T00:00:00', '2026-11-01T00:00:00')"
    )
    conn.execute("INSERT INTO api_token VALUES ('h-later', 1, 'later', '2026-11-03T00:00:00', NULL)")
    conn.execute("INSERT INTO api_token VALUES ('h-earlier', 1, 'earlier', '2026-11-02T00:00:00', NULL)")
    conn.close()
    accounts = Accounts(tmp_path)
    assert [(t.token_id, t.label) for t in accounts.tokens("old")] == [(1, "earlier"), (2, "later")]
    accounts.issue_token("old", "new")
    assert [(t.token_id, t.label) for t in accounts.tokens("old")][-1] == (3, "new")


def test_accounts_can_be_managed_before_any_data_is_published(tmp_path):
    """A new hub, no data yet: the first admin adds the others, their IDs taken as given (as the command line
    takes them with no store)."""
    from fastapi.testclient import TestClient

    from childhub.settings import Settings
    from childhub.web import create_app

    Accounts(tmp_path).add("first", "admin", WEB_PASSWORD)
    client = TestClient(create_app(Settings(data_dir=tmp_path)), base_url="https://testserver", follow_redirects=False)
    sign_in(client, "first", WEB_PASSWORD)
    assert "names no team yet" in client.get("/accounts/new").text
    page = _post(client, "/accounts", username="early", role="manager", teams="T003")
    assert page.status_code == 201 and "team T003" in page.text
    assert Accounts(tmp_path).get("early").teams == ("T003",)
