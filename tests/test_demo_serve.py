"""``childhub demo``'s accounts: one per role, made once with random passwords, reused on a second run."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys

import pytest

from childhub.accounts import Accounts
from childhub.demo import ACCOUNTS_FILE, DEMO_ROLES, demo_accounts
from conftest import sign_in

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick


@pytest.fixture(scope="module")
def demo_hub(web_hub, tmp_path_factory):
    """A copy of the tiny web hub (its own accounts), so the demo accounts do not mix with conftest's."""
    folder = tmp_path_factory.mktemp("demo-serve") / "store"
    shutil.copytree(web_hub.data_dir, folder, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    from childhub.store import Store

    return Store(folder)


@pytest.fixture(scope="module")
def demo_app(demo_hub):
    """One app over the copy for every sign-in below, so the overview is counted once."""
    from childhub.settings import Settings
    from childhub.web import create_app

    return create_app(Settings(data_dir=demo_hub.data_dir))


def test_demo_accounts_one_per_role_kept_in_a_private_file(demo_hub, web_hub):
    accounts = demo_accounts(demo_hub)
    assert [a.role for a in accounts] == list(DEMO_ROLES)
    assert [a.username for a in accounts] == [f"demo-{role}" for role in DEMO_ROLES]
    assert len({a.password for a in accounts}) == 5 and all(len(a.password) >= 12 for a in accounts)
    path = demo_hub.data_dir / ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text("utf-8")
    for account in accounts:
        assert f"{account.username}" in text and account.password in text
    stored = {a.username: a for a in Accounts(demo_hub.data_dir).list()}
    # the manager runs the busiest team and the practitioner is the busiest worker (as conftest picks them)
    assert stored["demo-manager"].role == "manager" and stored["demo-manager"].teams == (web_hub.manager_team,)
    assert stored["demo-practitioner"].worker_id == web_hub.practitioner_worker
    assert stored["demo-scrutiny"].role == "scrutiny" and not stored["demo-scrutiny"].teams


def test_a_second_run_reuses_the_accounts_and_their_passwords(demo_hub):
    first = demo_accounts(demo_hub)
    before = len(Accounts(demo_hub.data_dir).list())
    second = demo_accounts(demo_hub)
    assert second == first
    assert len(Accounts(demo_hub.data_dir).list()) == before


def test_a_lost_accounts_file_gives_new_passwords_that_work(demo_hub):
    old = {a.username: a.password for a in demo_accounts(demo_hub)}
    (demo_hub.data_dir / ACCOUNTS_FILE).unlink()
    new = demo_accounts(demo_hub)
    assert all(a.password != old[a.username] for a in new)
    assert (demo_hub.data_dir / ACCOUNTS_FILE).exists()


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_every_demo_account_signs_in_to_the_app(demo_hub, demo_app, role):
    from fastapi.testclient import TestClient

    account = next(a for a in demo_accounts(demo_hub) if a.role == role)
    client = TestClient(demo_app, base_url="https://testserver", follow_redirects=False)
    response = sign_in(client, account.username, account.password)
    assert response.status_code == 303 and response.headers["location"] == "/"
    overview = client.get("/")
    assert overview.status_code == 200 and "Overview" in overview.text and f"Demo {role}" in overview.text
    other = TestClient(demo_app, base_url="https://testserver", follow_redirects=False)
    assert sign_in(other, account.username, "not the password at all").status_code == 401


def test_demo_no_serve_prints_what_it_did_and_the_accounts_and_stops(demo_hub, monkeypatch):
    # The command's own part, in process, with the preparing (tested in its steps elsewhere) stood in for.
    from typer.testing import CliRunner

    from childhub.cli import app

    monkeypatch.setattr(
        "childhub.demo.run_demo", lambda store, size, seed, as_at, progress=None, *, settings: ["Prepared."]
    )
    result = CliRunner().invoke(app, ["demo", "--size", "tiny", "--no-serve", "--data-dir", str(demo_hub.data_dir)])
    assert result.exit_code == 0, result.output
    assert "Prepared." in result.stdout and "Demo accounts, one per role" in result.stdout
    assert "Not serving (--no-serve)" in result.stdout and "Serving childhub" not in result.stdout
    assert all(a.username in result.stdout and a.password in result.stdout for a in demo_accounts(demo_hub))


def test_the_demo_reuses_only_the_same_authority(tiny_authority):
    from childhub.demo import _same_authority

    folder, seed, as_at = tiny_authority.folder, tiny_authority.seed, tiny_authority.as_at
    assert _same_authority(folder, "tiny", seed, as_at)
    assert not _same_authority(folder, "small", seed, as_at)
    assert not _same_authority(folder, "tiny", seed + 1, as_at)
    assert not _same_authority(folder, "tiny", seed, as_at.replace(day=30))
    assert not _same_authority(folder / "elsewhere", "tiny", seed, as_at)


@pytest.mark.slow  # the whole command twice on a fresh authority; its parts are tested above and in test_cli
def test_demo_no_serve_prints_the_accounts_and_stops(tmp_path):
    """The whole command on a fresh tiny authority; run twice, the second run reuses the accounts."""
    from childhub.store import Store

    data_dir = tmp_path / "demo"
    command = [sys.executable, "-m", "childhub", "demo", "--size", "tiny", "--no-serve", "--port", "8765"]
    command += ["--data-dir", str(data_dir)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "Demo accounts, one per role" in first.stdout and "Not serving (--no-serve)" in first.stdout
    assert "Serving childhub" not in first.stdout
    passwords = {a.username: a.password for a in demo_accounts(Store(data_dir))}
    assert set(passwords) == {f"demo-{role}" for role in DEMO_ROLES}
    assert all(f"{username}" in first.stdout and password in first.stdout for username, password in passwords.items())
    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert all(password in second.stdout for password in passwords.values())  # the same accounts, reused
    assert len(Accounts(data_dir).list()) == len(DEMO_ROLES)
