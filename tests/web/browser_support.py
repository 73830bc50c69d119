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


@pytest.fixture(scope="session")
def live_app(web_hub) -> Iterator[LiveApp]:
    """The real app over ``web_hub``, served on 127.0.0.1 for the whole session."""
    url, stop = _serve_in_thread(web_hub.app())
    try:
        yield LiveApp(url, web_hub)
    finally:
        stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright; skipped (not failed) where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


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


def screenshot(page, name: str) -> Path | None:
    """Save the whole page to docs/screenshots/NAME.png when CHILDHUB_SCREENSHOTS=1; else nothing."""
    if os.environ.get("CHILDHUB_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("networkidle")  # charts drawn by childhub.js
    page.screenshot(path=str(path), full_page=True)
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
