"""Every route refuses every role its routers do not declare, and lets in every role they do.

Generated from the app itself: each route's declared roles (``require(...)`` on its routers, or
``open_to_anyone``) are read from ``app.routes``, and each route is asked for by every role in
``accounts.ROLES`` and by someone signed out. A route that declares no roles fails, so a new route
cannot ship without saying who may open it.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from childhub.accounts import ROLES, Accounts
from childhub.web.deps import NAVIGATION, SIGNED_OUT, allowed, navigation_for

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"
# Routes that write a file answer 422 to an unknown format once past the role check, instead of
# writing one (the other routes ignore the parameter).
PROBE = {"format": "no-such-format"}


def routes(app) -> list[tuple[str, str, frozenset[str] | None]]:
    """Every (method, path, declared roles) the app's routers answer; the framework's own aside."""
    return sorted(
        (method, route.path, allowed(route.dependencies))
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in route.methods or ()
        if method != "HEAD"
    )


@pytest.fixture(scope="module")
def app(web_hub):
    return web_hub.shared_app


@pytest.fixture(scope="module")
def clients(web_hub, app) -> dict[str, TestClient]:
    """A client per role, with an API token (no CSRF token needed, and signing out ends no session), and one
    signed out."""
    accounts = Accounts(web_hub.data_dir)
    found = {}
    for role in ROLES:
        token = accounts.issue_token(role, "routes by role")  # conftest names each role's account after it
        found[role] = TestClient(
            app, base_url="https://testserver", follow_redirects=False, headers={"Authorization": f"Bearer {token}"}
        )
    found[SIGNED_OUT] = TestClient(app, base_url="https://testserver", follow_redirects=False)
    return found


@pytest.fixture(scope="module")
def path_values(web_hub, app) -> dict[str, str]:
    """A value for each path parameter that every role allowed the route may see: a child allocated to the
    practitioner in the manager's team, that child's family."""
    cursor = app.state.childhub.served.current().cursor()
    found = cursor.execute(
        f"SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.worker_id = ? AND a.team_id = ? "
        "ORDER BY a.child_key LIMIT 1",
        [web_hub.practitioner_worker, web_hub.manager_team],
    ).fetchall()
    assert found, "the web hub has no child allocated to the practitioner in the manager's team"
    [(child_key,)] = found
    [(family_id,)] = cursor.execute(
        "SELECT family_id FROM family_member WHERE 'C' || child_id = ? AND valid_to IS NULL", [child_key]
    ).fetchall()
    accounts = Accounts(web_hub.data_dir)
    if accounts.find("routes-probe") is None:  # an account the admin's probes may change (disable, reset, ...)
        accounts.add("routes-probe", "analyst", "a long enough password")
    return {
        "username": "routes-probe",
        "token_id": "1",  # revoking another account's token: refused with a reason, past the role check
        "indicator_id": "re_referrals_12m",
        "child_key": child_key,
        "family_id": str(family_id),
        "pair": "1",
        "feed": "contacts",  # records pushed: no role may, only a feed token
        "key": "no-such-finding",  # a data-quality finding: refused, or past the role check told a reason is needed
        "token": "no-such-result",  # a matched list's result: none held, so the page says so
        "cluster": "No cluster",  # children in no cluster: a cluster every authority has
    }


def refused(response) -> bool:
    """Refused as the app refuses: 401 or 403 (404 where a page hides what exists), or sent to sign in."""
    location = response.headers.get("location", "")
    return response.status_code in (401, 403, 404) or (response.is_redirect and location.startswith("/login?next="))


def test_every_route_declares_its_roles(app):
    undeclared = [f"{method} {path}" for method, path, roles in routes(app) if roles is None]
    assert not undeclared, f"routes that declare no roles (require(...) on the router, or open_to_anyone): {undeclared}"
    assert len(routes(app)) > 30


@pytest.mark.slow
def test_every_route_refuses_the_roles_it_does_not_declare_and_lets_in_those_it_does(app, clients, path_values):
    wrong = []
    for method, path, declared in routes(app):
        roles = declared or frozenset()  # a route that declares none is tested as refusing everyone
        url = re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], path)
        for who, client in clients.items():
            response = client.request(method, url, params=PROBE)
            if refused(response) == (who in roles):
                expected = "let in" if who in roles else "refused"
                wrong.append(f"{method} {url} for {who}: {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.slow
def test_the_navigation_shows_each_role_the_pages_it_may_open(app, clients):
    for role in ROLES:
        shown = [href for _label, href in navigation_for(app, role)]
        may_open = [href for _label, href in NAVIGATION if not refused(clients[role].get(href))]
        assert shown == may_open, role
    assert [label for label, _href in navigation_for(app, "scrutiny")] == [
        "Overview",
        "Front door",
        "Care projection",
        "Clusters",
        "Practice quality",
        "Scrutiny pack",
        "API",
    ]
    assert navigation_for(app, "admin") == list(NAVIGATION)
