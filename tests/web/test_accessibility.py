"""Every page of the app, for every role, checked against WCAG 2.2 AA with axe-core in a real browser, and at a
phone's width for a page wider than the screen.

The pages are read from the app: each role's navigation (``childhub.web.deps.navigation_for`` over the app's
own routers) and the pages behind them (an indicator, the children behind it, a child, their family, a cohort's
children, Annex A's charts, a rule's findings, a search, the SQL console with a result, the 403 and 404 pages),
each for the roles its router lets in, and the sign-in page signed out. Pages other people are still building
(My cases, My team, Match a list, Accounts) are skipped while they answer "there is no such page", and checked as
soon as they exist. axe-core comes from the PyPI package ``axe-playwright-python`` (no CDN); no rule is turned
off. Run with ``.venv/bin/python -m pytest -m browser tests/web/test_accessibility.py``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

import pytest

import browser_support
from browser_support import (
    MOBILE_HEIGHT,
    MOBILE_WIDTH,
    axe_violations,
    new_signed_in_context,
    open_or_skip,
    page_overflow,
)
from childhub.accounts import ROLES
from childhub.web.deps import NAVIGATION, SIGNED_OUT, allowed, navigation_for

live_app, chromium = browser_support.live_app, browser_support.chromium  # the harness's fixtures, used by name

pytestmark = pytest.mark.browser

# Pages whose routers are in place but which other people are still building: each router already says who may
# open it, so they are checked for those roles as soon as they answer.
BEING_BUILT = {"/my-cases": "frontline", "/my-team": "frontline", "/match-list": "match_list", "/accounts": "accounts"}

# The pages behind the navigation: what a person reaches by following a link, by its route (its roles are the
# route's) and the address it is opened at (filled in from what the tiny authority holds). A page whose route
# is not on this branch yet has no roles, so it is checked once its route lands.
BEHIND = {
    "an indicator": ("/indicators/{indicator_id}", "/indicators/{indicator_id}"),
    "the children behind it": (
        "/indicators/{indicator_id}/children",
        "/indicators/{indicator_id}/children?part=numerator",
    ),
    "a child": ("/children/{child_key}", "/children/{child_key}"),
    "their family": ("/families/{family_id}", "/families/{family_id}"),
    "a child's chronology": ("/children/{child_key}/chronology", "/children/{child_key}/chronology"),
    "a cohort's children": ("/cohorts/children", "/cohorts/children"),
    "Annex A's charts": ("/annex-a", "/annex-a?as_at={as_at}"),
    "a search with results": ("/search", "/search?q={la_child_id}"),
    "a rule's findings": ("/data-quality", "/data-quality?rule={rule}"),
    "the SQL console with a result": ("/sql", "/sql"),
    "an indicator's commentary": ("/indicators/{indicator_id}/commentary", "/indicators/{indicator_id}/commentary"),
    "the self-evaluation's versions": ("/self-evaluation/history", "/self-evaluation/history"),
}
NOT_FOUND = "/no-such-page"


@cache
def _routers_app():
    """An app with the web app's own routers (``childhub.web.app.ROUTERS``) and nothing behind them: enough to read
    which role may open which page while the tests are collected."""
    from fastapi import FastAPI

    from childhub.web.app import ROUTERS

    app = FastAPI()
    for name in ROUTERS:
        app.include_router(importlib.import_module(f"childhub.web.routes.{name}").router)
    return app


def _route_roles(path: str) -> frozenset[str]:
    from fastapi.routing import APIRoute, iter_route_contexts

    for route in iter_route_contexts(_routers_app().routes):
        if isinstance(route.original_route, APIRoute) and route.path == path and "GET" in (route.methods or ()):
            return allowed(route.dependencies) or frozenset()
    return frozenset()


def _being_built_roles(href: str) -> frozenset[str]:
    router = importlib.import_module(f"childhub.web.routes.{BEING_BUILT[href]}").router
    return allowed(router.dependencies) or frozenset()


def pages() -> list:
    """(role, page) for every page each role may open, and the sign-in page signed out."""
    app = _routers_app()
    found = [pytest.param(SIGNED_OUT, "/login", id="signed out:/login")]
    for role in ROLES:
        mine = [href for _, href in navigation_for(app, role)]
        mine += [href for href in BEING_BUILT if href not in mine and role in _being_built_roles(href)]
        mine += [name for name, (route, _) in BEHIND.items() if role in _route_roles(route)]
        refused = [href for _, href in NAVIGATION if href not in BEING_BUILT and role not in _route_roles(href)]
        mine += [NOT_FOUND] + refused[:1]  # the 404 page, and the 403 page where the role has one
        found += [pytest.param(role, page, id=f"{role}:{'403 at ' if page in refused else ''}{page}") for page in mine]
    return found


PAGES = pages()


@dataclass(frozen=True)
class Held:
    """What the tiny authority holds that the pages behind the navigation are opened on."""

    indicator_id: str
    child_key: str  # allocated to the practitioner, in the manager's team: every role but scrutiny may open them
    family_id: int
    la_child_id: str
    as_at: str


@pytest.fixture(scope="module")
def held(web_hub) -> Held:
    from childhub.facts import prepare
    from childhub.indicators import calculator

    with calculator(web_hub.store, web_hub.authority) as calc:
        figures = [f for f in calc.figures(web_hub.as_at) if f.children > 0 and f.value is not None]
        indicator_id = max(figures, key=lambda f: (f.indicator.id == "cla_rate", f.children)).indicator.id
    with web_hub.store.reader() as conn:
        prepare(conn, ["allocation"])
        child_key, family_id, la_child_id = conn.execute(
            "SELECT a.child_key, m.family_id, c.la_child_id FROM fact_allocation a "
            "JOIN fact_child c ON c.child_key = a.child_key "
            "JOIN family_member m ON 'C' || m.child_id = a.child_key AND m.valid_to IS NULL "
            "WHERE a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date) "
            "AND a.worker_id = ? AND a.team_id = ? AND c.la_child_id IS NOT NULL ORDER BY a.child_key LIMIT 1",
            [web_hub.practitioner_worker, web_hub.manager_team],
        ).fetchone()
    return Held(indicator_id, str(child_key), family_id, la_child_id, web_hub.as_at.isoformat())


@pytest.fixture(scope="module")
def contexts(chromium, live_app):
    """``contexts(role, width)``: one signed-in browser context per role and width for the module (signing in
    hashes a password), each page opened in it closed by the test."""
    opened: dict[tuple[str, int], object] = {}

    def context_for(role: str, width: int):
        key = (role, width)
        if key not in opened:
            height = MOBILE_HEIGHT if width == MOBILE_WIDTH else browser_support.HEIGHT
            opened[key] = new_signed_in_context(
                chromium, live_app.url, None if role == SIGNED_OUT else role, width, height
            )
        return opened[key]

    yield context_for
    for context in opened.values():
        context.close()


def open_page(page, role: str, name: str, held: Held) -> None:
    """Open the page ``name`` (an address, or one of ``BEHIND``) the way its role reaches it; skip a page not
    built yet."""
    if name == NOT_FOUND:
        assert page.goto(name).status == 404
        return
    if name == "/login" or name.startswith("/"):
        response = open_or_skip(page, name)
        expected = 200 if role == SIGNED_OUT or role in _route_roles(name) else 403
        assert response.status == expected, f"{name} answered {response.status} for {role}"
        return
    _, address = BEHIND[name]
    if "{rule}" in address:  # the first rule of the data-quality page, as a person follows it
        open_or_skip(page, "/data-quality")
        rule = page.locator("#by_rule + .table-wrap table tbody tr").first.get_by_role("link").first
        if not rule.count():
            pytest.skip("no data-quality rule has findings in the tiny authority")
        rule.click()
        page.wait_for_load_state()
        return
    response = open_or_skip(page, address.format(**vars(held)))
    assert response.status == 200, f"{name} answered {response.status} for {role}"
    if name == "the SQL console with a result":
        page.get_by_label("Query").fill("SELECT child_key, la_child_id FROM fact_child ORDER BY child_key LIMIT 3")
        page.get_by_role("button", name="Run the query").click()
        page.wait_for_load_state()
        assert page.get_by_role("main").get_by_role("table").count() >= 1, "the query showed no result"


def wait_for_charts(page) -> None:
    """Charts are drawn by /static/childhub.js after the page loads: check them drawn, not their empty boxes."""
    page.wait_for_load_state("networkidle")
    if page.locator("[data-chart]").count():
        page.locator("[data-chart] .main-svg").first.wait_for(state="attached")


def violations_listed(violations) -> str:
    return "\n".join(f"  {v.describe()}" for v in violations)


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_the_page_meets_wcag_22_aa(contexts, held, role, name):
    page = contexts(role, browser_support.WIDTH).new_page()
    try:
        open_page(page, role, name, held)
        wait_for_charts(page)
        violations = axe_violations(page)
    finally:
        page.close()
    assert not violations, (
        f"{name} as {role} ({page.url}): {len(violations)} WCAG 2.2 AA violations\n{violations_listed(violations)}"
    )


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_the_page_fits_a_phone_and_meets_wcag_22_aa_there(contexts, held, role, name):
    # Reflow (WCAG 1.4.10): at 390 pixels only a wide table may scroll, inside its own box, and that box must be
    # reachable with the keyboard (axe's scrollable-region-focusable); the page itself never scrolls sideways.
    page = contexts(role, MOBILE_WIDTH).new_page()
    try:
        open_page(page, role, name, held)
        wait_for_charts(page)
        overflow = page_overflow(page)
        violations = axe_violations(page)
    finally:
        page.close()
    assert overflow["scroll"] <= overflow["view"], (
        f"{name} as {role} is {overflow['scroll']} pixels wide in a {overflow['view']}-pixel window; "
        f"sticking out: {', '.join(overflow['wide']) or 'nothing listed'}"
    )
    assert not violations, (
        f"{name} as {role} at {MOBILE_WIDTH} pixels ({page.url}): {len(violations)} WCAG 2.2 AA violations\n"
        f"{violations_listed(violations)}"
    )
