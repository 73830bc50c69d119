"""Pushing to a running ``childhub serve``: a push is on the child's page within 5 s of its 200, and a push
acknowledged with 200 survives the server being killed at once (kill -9), its key replayed after the restart
creating no batch."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from childhub.accounts import Accounts
from childhub.store import Store

WEB_PASSWORD = "correct horse battery staple"  # conftest's, for every account of the web hub
FEEDS_YML = "feeds:\n  contacts:\n    description: Contacts\n    table: contacts\n    cadence: 1h\n"
READY_WITHIN = 120  # seconds for the server to publish, count the overview and listen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``childhub serve`` over ``data_dir`` as a process of its own."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        source = str(Path(__file__).resolve().parent.parent / "src")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "childhub", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"childhub serve stopped: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"childhub serve did not answer within {READY_WITHIN} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def hub(web_hub, tmp_path):
    """A copy of the web hub with a contacts feed, its token, a signed-in admin's session and a child to push for."""
    folder = tmp_path / "store"
    shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock"))
    (folder / "feeds.yml").write_text(FEEDS_YML, "utf-8")
    accounts = Accounts(folder)
    _, token = accounts.issue_feed_token("contacts", "case system", "test")
    session, _ = accounts.sign_in("admin", WEB_PASSWORD, "127.0.0.1")
    with Store(folder).reader() as conn:
        from childhub.facts import prepare

        prepare(conn, ["person"])
        person, child_key = conn.execute(
            "SELECT person_id, child_key FROM fact_person WHERE source_system = 'social_care' AND child_key LIKE 'C%' "
            "ORDER BY child_key LIMIT 1"
        ).fetchone()
    server = Server(folder)
    yield {"folder": folder, "token": token, "session": session, "person": person, "child": child_key, "server": server}
    server.stop()


def push(hub, contact_id: str, outcome: str, key: str) -> httpx.Response:
    row = {
        "cont_contact_id": contact_id,
        "cont_person_id": hub["person"],
        "cont_contact_date": (date.today() - timedelta(days=1)).isoformat(),
        "cont_contact_source_code": "1A",
        "cont_contact_outcome_json": outcome,
    }
    return httpx.post(
        f"{hub['server'].url}/api/v1/feeds/contacts/records",
        json={"rows": [row]},
        headers={"Authorization": f"Bearer {hub['token']}", "Idempotency-Key": key},
        timeout=60,
    )


def child_page(hub) -> str:
    response = httpx.get(
        f"{hub['server'].url}/children/{hub['child']}", cookies={"childhub_session": hub["session"]}, timeout=60
    )
    assert response.status_code == 200, response.text[:500]
    return response.text


def pushed_batches(folder: Path, key: str) -> list[int]:
    with Store(folder).reader() as conn:
        return [
            b for (b,) in conn.execute("SELECT batch_id FROM ingest_batch WHERE idempotency_key = ?", [key]).fetchall()
        ]


@pytest.mark.slow
def test_a_push_is_on_the_childs_page_of_the_running_server_within_5_seconds(hub):
    hub["server"].start()
    assert "Pushed while serving" not in child_page(hub)
    response = push(hub, "PUSH-LIVE-1", "Pushed while serving", "live-1")
    acknowledged = time.monotonic()
    assert response.status_code == 200, response.text
    seen_after = None
    while time.monotonic() - acknowledged < 5:
        if "Pushed while serving" in child_page(hub):
            seen_after = time.monotonic() - acknowledged
            break
        time.sleep(0.1)
    assert seen_after is not None, "the pushed contact was not on the child's page within 5 s of the 200"


@pytest.mark.slow
def test_a_push_acknowledged_before_the_server_is_killed_is_there_after_the_restart(hub):
    server = hub["server"].start()
    response = push(hub, "PUSH-KILL-1", "Pushed then killed", "kill-1")
    server.kill()  # the moment the 200 is in
    assert response.status_code == 200, response.text
    first = response.json()
    assert pushed_batches(hub["folder"], "kill-1") == [first["batch_id"]]

    server.start()
    assert "Pushed then killed" in child_page(hub)
    again = push(hub, "PUSH-KILL-1", "Pushed then killed", "kill-1")
    assert again.status_code == 200
    assert again.json() == {**first, "replayed": True}
    server.stop()
    assert pushed_batches(hub["folder"], "kill-1") == [first["batch_id"]]
