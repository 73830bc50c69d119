"""The browser-test harness: the real app served on loopback, and Debian's Chromium driven by Playwright.

``live_app`` serves ``web_hub.app()`` (``create_app`` with the hub's settings) with uvicorn in a background
thread on a free port of 127.0.0.1 (the secure session cookie flows: Chromium treats loopback as a secure origin).
``chromium`` launches ``/usr/bin/chromium`` headless (never ``playwright install``); ``browse`` gives a
test a fresh browser context (no cookies) 1280 pixels wide, and ``signed_in_page(role)`` one signed in
through the sign-in form. ``screenshot(page, name)`` saves ``docs/screenshots/NAME.png`` when the
environment variable ``CHILDHUB_SCREENSHOTS=1`` is set (and does nothing otherwise)::

    CHILDHUB_SCREENSHOTS=1 .venv/bin/python -m pytest -m browser tests/test_browser.py
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import WEB_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 900
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
START_SECONDS = 30


@dataclass
class LiveApp:
    """The app as a browser reaches it: its address, and the hub it serves."""

    url: str
    hub: object  # conftest.WebHub


def _serve_in_thread(app) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` on a free loopback port in a daemon thread; its address and a function that stops it."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves on this very socket
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="childhub-live-app", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    _wait_until_answering(url, thread)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return url, stop


def _wait_until_answering(url: str, thread: threading.Thread) -> None:
    import httpx

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the app's server thread stopped before it answered")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the app at {url} did not answer within {START_SECONDS}s")


# Each test module binds these fixtures under its own name, so pytest makes one of each per module even at session
# scope; they share one server and one browser per process instead (Playwright's sync API cannot run twice at once:
# a second instance fails "using Playwright Sync API inside the asyncio loop"). The last to finish closes them.
_shared: dict[str, object] = {}
_users: dict[str, int] = {}


def _acquire(name: str, start: Callable[[], object]) -> object:
    if name not in _shared:
        _shared[name] = start()
    _users[name] = _users.get(name, 0) + 1
    return _shared[name]


def _release(name: str, stop: Callable[[object], None]) -> None:
    _users[name] -= 1
    if _users[name] == 0:
        stop(_shared.pop(name))


@pytest.fixture(scope="session")
def live_app(web_hub) -> Iterator[LiveApp]:
    """The real app over ``web_hub``, served on 127.0.0.1 for the whole session."""

    def start():
        url, stop = _serve_in_thread(web_hub.app())
        return LiveApp(url, web_hub), stop

    served = _acquire("live_app", start)
    try:
        yield served[0]
    finally:
        _release("live_app", lambda held: held[1]())


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright; skipped (not failed) where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")

    def start():
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        return playwright, playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

    def stop(held) -> None:
        playwright, browser = held
        browser.close()
        playwright.stop()

    held = _acquire("chromium", start)
    try:
        yield held[1]
    finally:
        _release("chromium", stop)


@pytest.fixture
def browse(chromium, live_app):
    """``browse()`` opens a fresh page (own cookies) at 1280 pixels wide on the live app; all close after."""
    contexts = []

    def open_page():
        context = chromium.new_context(
            base_url=live_app.url, viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in_through_form(page, username: str, password: str = WEB_PASSWORD) -> None:
    """Fill in and send the sign-in form the way a person would, by its labels."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def signed_in_page(browse):
    """``signed_in_page(role)``: a fresh page signed in as the conftest account of that role, on the overview."""

    def open_as(role: str):
        page = browse()
        page.goto("/login")
        sign_in_through_form(page, role)
        return page

    return open_as


def screenshot(page, name: str, full_page: bool = True) -> Path | None:
    """Save the whole page (or, with ``full_page=False``, the window's first screen of it) to
    docs/screenshots/NAME.png when CHILDHUB_SCREENSHOTS=1; else nothing."""
    if os.environ.get("CHILDHUB_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("networkidle")  # charts drawn by childhub.js
    page.screenshot(path=str(path), full_page=full_page)
    return path


def open_or_skip(page, path: str):
    """Go to ``path``; skip the test if the route is not built yet (404 'there is no such page').

    A route that exists may still answer 404 for a thing the user may not know exists; that
    page says something else, so it is not mistaken for a missing route.
    """
    response = page.goto(path)
    if response is not None and response.status == 404 and "there is no such page" in page.content().lower():
        pytest.skip(f"page not built yet: {path}")
    return response


# --- accessibility: axe-core in the page, and the page's own width --------------------------------

# The rule tags of WCAG 2.2 level AA in axe-core: levels A and AA of WCAG 2.0, 2.1 and 2.2 (2.2 adds no new A
# rule axe can test, so axe tags none "wcag22a").
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MOBILE_WIDTH, MOBILE_HEIGHT = 390, 844


@dataclass(frozen=True)
class Violation:
    """One axe-core rule a page breaks: the rule, how bad, what it asks, and the offending elements."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]  # a CSS selector per offending element

    def describe(self) -> str:
        shown = "; ".join(self.targets[:8]) + (f"; and {len(self.targets) - 8} more" if len(self.targets) > 8 else "")
        return f"{self.rule} ({self.impact}): {self.help} [{shown}]"


def axe_violations(page, tags: list[str] = WCAG_22_AA) -> list[Violation]:
    """Run axe-core (the copy the PyPI package ``axe-playwright-python`` ships, injected here: no CDN) on the
    page as it stands, checking only the rules of ``tags``; the violations it finds, worst first."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # through the DevTools protocol: the page's script-src policy does not apply
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(results => results.violations)",
        tags,
    )
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    violations = [
        Violation(
            rule=v["id"],
            impact=v.get("impact") or "unknown",
            help=v["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in v["nodes"]),
        )
        for v in found
    ]
    return sorted(violations, key=lambda v: (order.get(v.impact, 4), v.rule))


PAGE_OVERFLOW = """() => {
  const root = document.documentElement, view = root.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    const spills = getComputedStyle(el).overflowX === 'visible' && box.left + el.scrollWidth > view + 1;  // its text
    if (box.width === 0 || (box.right <= view + 1 && !spills)) return false;
    for (let up = el.parentElement; up; up = up.parentElement) {  // inside a box that scrolls: not the page's
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX) && up !== document.body && up !== root)
        return false;
    }
    return true;
  });
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  return {scroll: root.scrollWidth, view: view, wide: wide.slice(0, 8).map(name)};
}"""


def page_overflow(page) -> dict:
    """How far the page itself is wider than the window: ``scroll`` and ``view`` widths in CSS pixels, and up to
    eight elements that stick out past the right edge or whose text spills past it (not counting those inside a
    box that scrolls)."""
    return page.evaluate(PAGE_OVERFLOW)


def new_signed_in_context(chromium, url: str, role: str | None, width: int = WIDTH, height: int = HEIGHT):
    """A browser context of its own on the app at ``url``, ``width`` pixels wide, signed in as ``role`` through
    the form (or signed out when ``role`` is None); the caller closes it."""
    context = chromium.new_context(base_url=url, viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    if role is not None:
        page = context.new_page()
        page.goto("/login")
        sign_in_through_form(page, role)
        page.close()
    return context
