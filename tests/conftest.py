"""Shared fixtures: ``history``, a small hand-built history of children written straight into a store.

Indicator and Annex A tests describe a few children's events as rows of the canonical tables
and check figures worked out by hand against them::

    def test_something(history):
        history.child("P1", dob=date(2015, 5, 1), sex="F")
        history.add("cin_episodes", cine_person_id="P1", cine_referral_date=date(2025, 4, 2))
        store = history.store()   # written on first use; add() after that writes again

``tiny_authority``: the one synthetic authority the rest of the suite shares, generated, ingested and
linked once per run. Tests that only read use its folder and store as they are; a test that writes
takes a copy of its own (``tiny_authority.copy(tmp_path / "store")``). ``web_hub`` is the web app's
tiny authority, as at today (pages default to today), with one account per role and one app whose
snapshot and counts every web test shares.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from childhub.accounts import ROLES
from childhub.store import Store

if TYPE_CHECKING:
    from childhub.ingest import FileReport
    from childhub.link import LinkResult


class History:
    """Rows for the canonical tables, each table loaded as one batch, as an ingest would."""

    def __init__(self, data_dir: Path) -> None:
        self._store = Store(data_dir)
        self._pending: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._links: list[tuple[str, str, int]] = []
        self._keys = itertools.count(1)
        self._child_ids = itertools.count(1001)  # explicit child_ids stay below this

    def add(self, table: str, source_system: str = "social_care", **values: Any) -> dict[str, Any]:
        """Queue one row of ``table``; NOT NULL text columns left out get a unique made-up value."""
        row = dict(values)
        self._pending.setdefault((table, source_system), []).append(row)
        return row

    def child(
        self,
        person_id: str,
        *,
        dob: date | None,
        sex: str = "F",
        ethnicity: str = "WBRI",
        child_id: int | None = None,
        source_system: str = "social_care",
        **person: Any,
    ) -> None:
        """A person record, linked to ``child_id`` (default: a new child ID per person)."""
        self.add(
            "person",
            source_system,
            pers_person_id=person_id,
            pers_dob=dob,
            pers_sex=sex,
            pers_ethnicity=ethnicity,
            **person,
        )
        self._links.append((source_system, person_id, child_id if child_id is not None else next(self._child_ids)))

    def episode(
        self,
        person: str,
        start: date,
        reason_new: str,
        legal_status: str,
        placement: str = "U4",
        provider: str = "PR1",
        ceased: date | None = None,
        reason_ceased: str | None = None,
    ) -> None:
        """One SSDA903 episode of care: its episode row, legal status and placement, all starting on ``start``."""
        self.add(
            "cla_episodes",
            clae_person_id=person,
            clae_cla_episode_start_date=start,
            clae_cla_episode_start_reason=reason_new,
            clae_cla_episode_ceased_date=ceased,
            clae_cla_episode_ceased_reason=reason_ceased,
        )
        self.add(
            "legal_status", lega_person_id=person, lega_legal_status=legal_status, lega_legal_status_start_date=start
        )
        self.add(
            "cla_placement",
            clap_person_id=person,
            clap_cla_placement_start_date=start,
            clap_cla_placement_type=placement,
            clap_cla_placement_provider=provider,
        )

    def store(self) -> Store:
        """The store, with everything queued so far written into it."""
        if self._pending or self._links:
            self._write()
        elif not self._store.database_path.exists():
            self._store.migrate()  # an empty history is an empty store
        return self._store

    def _write(self) -> None:
        now = datetime(2026, 1, 1)
        with self._store.writer() as conn:
            conn.execute("BEGIN TRANSACTION")  # one commit (one sync to disk) for everything queued, not one per row
            for (table, source_system), rows in self._pending.items():
                batch_id = conn.execute(
                    "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, started_at, "
                    "finished_at, status, rows_read, rows_loaded, rows_rejected, mode, scope, feed) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'loaded', ?, ?, 0, 'changes', ?, ?) RETURNING batch_id",
                    [
                        source_system,
                        f"test_{table}",
                        f"{table}.csv",
                        f"sha-{table}-{next(self._keys)}",
                        now,
                        now,
                        len(rows),
                        len(rows),
                        f"test:{table}",
                        f"test:{source_system}:{table}",
                    ],
                ).fetchone()[0]
                required = [
                    name
                    for name, data_type, nullable in conn.execute(
                        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                        "WHERE table_name = ? ORDER BY ordinal_position",
                        [table],
                    ).fetchall()
                    if nullable == "NO" and data_type == "VARCHAR"
                ]
                for row in rows:
                    key = f"{table}-{next(self._keys)}"
                    full = {name: key for name in required}
                    full.update(row)
                    full.update(source_system=source_system, batch_id=batch_id, source_record_key=key)
                    columns = ", ".join(f'"{name}"' for name in full)
                    marks = ", ".join("?" for _ in full)
                    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(full.values()))
            for source_system, person_id, child_id in self._links:
                conn.execute(
                    "INSERT INTO child (child_id, created_at, status) SELECT ?, ?, 'active' "
                    "WHERE NOT EXISTS (SELECT 1 FROM child WHERE child_id = ?)",
                    [child_id, now, child_id],
                )
                conn.execute(
                    "INSERT INTO child_link (source_system, source_record_id, child_id, valid_from, decided_by) "
                    "VALUES (?, ?, ?, ?, 'test')",
                    [source_system, person_id, child_id, now],
                )
            conn.execute("COMMIT")
        self._pending.clear()
        self._links.clear()


# Test packages whose tests write through childhub.hub again and again without looking at data quality: the
# data-quality check that follows each ingest and link is skipped there (tests/dq, tests/web, tests/cli and
# tests/test_hub.py run it and test it), which keeps the default run inside its time.
WITHOUT_QUALITY_CHECK = {
    "ingest",
    "link",
    "facts",
    "indicators",
    "annex_a",
    "cohorts",
    "store",
    "synth",
    "codes",
    "frontline",
}


@pytest.fixture(autouse=True)
def _quality_check_only_where_tested(request, monkeypatch):
    if request.node.path.parent.name in WITHOUT_QUALITY_CHECK:
        monkeypatch.setattr("childhub.hub._check", lambda *args, **kwargs: None)


# Passwords: argon2id as the product sets it (64 MiB, 3 passes, 4 lanes) takes a tenth of a second or more a hash on
# these two cores, and the suite hashes hundreds (every account made, every sign-in). Tests in this process hash with
# the same algorithm at its cheapest; the product's parameters stay the product's (a process the tests start, the CLI
# or a server, hashes as in production), and an account hashed either way signs in either way (argon2 reads the
# parameters from the hash).
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    from argon2 import PasswordHasher

    import childhub.accounts

    product = childhub.accounts._hasher
    childhub.accounts._hasher = lambda: PasswordHasher(**CHEAP_ARGON2)
    childhub.accounts._dummy.clear()
    yield
    childhub.accounts._hasher = product
    childhub.accounts._dummy.clear()


# A new store: migrating an empty DuckDB file to the schema takes a quarter of a second of work, and the suite makes
# hundreds. Outside tests/store (which tests migrating), a store made in the test process starts as a copy of one
# migrated once per worker, then goes on as the product does (its writer finds nothing to apply). A test that
# changes the migrations (monkeypatching ``load_migrations``) gets them applied as they are.
@pytest.fixture(scope="session")
def _migrated_store(tmp_path_factory) -> tuple[Path, list]:
    from childhub.store import schema

    store = Store(tmp_path_factory.mktemp("migrated"))
    store.migrate()
    return store.database_path, [(m.version, m.sql) for m in schema.load_migrations()]


@pytest.fixture(autouse=True)
def _new_stores_start_migrated(request, monkeypatch):
    if request.node.path.parent.name == "store":
        return
    from childhub.store import schema

    template, migrations = request.getfixturevalue("_migrated_store")
    product = Store._open

    def _open(self, *, read_only):
        fresh = not read_only and not self.database_path.exists()
        if fresh and [(m.version, m.sql) for m in schema.load_migrations()] == migrations:
            shutil.copyfile(template, self.database_path)
        return product(self, read_only=read_only)

    monkeypatch.setattr(Store, "_open", _open)


@pytest.fixture
def history(tmp_path: Path) -> History:
    """An empty store in a temporary folder, and a way to write a hand-built history into it."""
    return History(tmp_path / "store")


# --- the shared synthetic authority -------------------------------------------------------------

TINY_SEED = 5
TINY_AS_AT = date(2026, 3, 31)  # a fixed date: the generated files, and what is asserted of them, never move


@dataclass(frozen=True)
class TinyAuthority:
    """A tiny synthetic authority, ingested and linked: the generator's folder and the store built from it."""

    seed: int
    as_at: date
    folder: Path  # the generator's output: extracts/, mappings/, truth.csv and manifest.json
    store: Store  # shared by every test: read it, never write to it
    ingested: tuple[FileReport, ...]  # what the one ingest of ``folder`` reported
    linked: LinkResult  # what the one link run reported

    @property
    def extracts(self) -> Path:
        """The folder of every source system's extracts (what ingest is pointed at)."""
        return self.folder / "extracts"

    @property
    def truth(self) -> Path:
        return self.folder / "truth.csv"

    def copy(self, data_dir: Path) -> Store:
        """A store of one's own to write to: the shared store's data folder copied to ``data_dir``."""
        shutil.copytree(self.store.data_dir, data_dir, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
        return Store(data_dir)


def built_once(tmp_path_factory, worker_id: str, name: str, build, cache=None, key: str = "") -> Path:
    """The folder ``name``, made by ``build(folder)`` once per test run however many workers ask for it.

    Under pytest-xdist each worker has its own temporary folder; the first to ask builds in the folder they
    share (a file lock makes the others wait), and the rest reuse it. Run alone, it builds in its own.

    With pytest's ``cache`` (not under ``-p no:cacheprovider``) the folder is kept between runs instead, in
    .pytest_cache, named by ``name``, ``key`` and a fingerprint of everything it is made from (``build``'s own code,
    childhub's source, the installed packages: ``build_fingerprint``): a run whose source is unchanged uses the
    folder the last one built, as long as no file in it changed since it was built (else, or after
    ``pytest --cache-clear``, it is built afresh). The folder is used where it is, because the store names the
    files it was ingested from.
    """
    import fcntl

    if cache is not None:
        kept = cache.mkdir("childhub-builds")
        made_by = f"{key}|{inspect.getsource(build)}|{build_fingerprint()}"
        folder = kept / f"{name}-{hashlib.sha256(made_by.encode()).hexdigest()[:16]}"
        with open(kept / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a worker, or another run, may be building it now
            stamp = folder / ".built"
            if not stamp.exists() or stamp.read_text("utf-8") != _listing(folder):
                for stale in kept.glob(f"{name}-*"):  # another source's build, or one a test wrote to
                    shutil.rmtree(stale, ignore_errors=True)
                build(folder)
                stamp.write_text(_listing(folder), "utf-8")
        return folder
    if worker_id == "master":
        folder = tmp_path_factory.getbasetemp() / name
        build(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            (folder / ".built").touch()
    return folder


def _listing(folder: Path) -> str:
    """Every file under ``folder`` (but its stamp) with its size and time of change: what a kept build was."""
    return "\n".join(
        f"{path.relative_to(folder)} {path.stat().st_size} {path.stat().st_mtime_ns}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".built" and path.suffix != ".lock"  # a lock: a reader was there
    )


@functools.cache
def build_fingerprint() -> str:
    """What a kept build depends on besides its own code: every file of childhub's source (code, SQL, mappings, code
    lists) and the installed packages' versions (DuckDB, Splink, ...)."""
    from importlib import metadata

    import childhub

    digest = hashlib.sha256()
    source = Path(childhub.__file__).parent
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions())
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def tiny_authority(tmp_path_factory, worker_id, pytestconfig) -> TinyAuthority:
    """The suite's one synthetic authority (seed 5, as at 31 March 2026), generated, ingested and linked once
    per run (shared by the workers: read it, never write to it; ``copy`` gives a store of one's own)."""
    import pickle

    def build(root: Path) -> None:
        from childhub.hub import ingest, link
        from childhub.synth import generate, mapping_files

        made = generate("tiny", TINY_SEED, TINY_AS_AT, root / "authority")
        store = Store(root / "store")
        reports = ingest(store, [made.extracts], mapping_files=mapping_files(), check_quality=False)  # link checks
        (root / "made.pickle").write_bytes(pickle.dumps((tuple(reports), link(store))))

    cache = getattr(pytestconfig, "cache", None)
    root = built_once(tmp_path_factory, worker_id, "tiny", build, cache, f"{TINY_SEED} {TINY_AS_AT}")
    reports, linked = pickle.loads((root / "made.pickle").read_bytes())
    return TinyAuthority(TINY_SEED, TINY_AS_AT, root / "authority", Store(root / "store"), reports, linked)


# --- the web app ---------------------------------------------------------------------------------

WEB_PASSWORD = "correct horse battery staple"
WEB_ROLES = ROLES  # one account per role, named after it


class WebHub:
    """A tiny synthetic authority, ingested, linked and published, with one account per role."""

    def __init__(self, data_dir: Path, as_at: date) -> None:
        self.data_dir = data_dir
        self.as_at = as_at
        self.store = Store(data_dir)
        self._shared_app = None
        self._sessions: dict[str, Any] = {}  # username -> the session cookie its clients share

    def settings(self, **overrides):
        """The settings the app runs with: the environment's (tests are an edge), this hub's folder,
        and any ``overrides`` (``query_row_limit=3``)."""
        from childhub.settings import Settings

        return Settings(data_dir=self.data_dir, **overrides)

    @property
    def authority(self):
        """The authority settings the CLI and the app count with (``indicators.authority_for``)."""
        from childhub.indicators import authority_for

        return authority_for(self.data_dir, self.settings())

    def app(self, **overrides):
        """A new app for the hub (its own snapshot, counted afresh), with the settings ``overrides``."""
        from childhub.web import create_app

        return create_app(self.settings(**overrides))

    @property
    def shared_app(self):
        """The one app every client without overrides shares, so the overview's 57 indicators are counted
        once per snapshot, not once per test (a change published through it, a review decision, is seen at once)."""
        if self._shared_app is None:
            self._shared_app = self.app()
        return self._shared_app

    def client(self, role: str | None = None, **overrides):
        """A TestClient (over https, so secure cookies flow), signed in as ``role`` if given: of the shared
        app, or of a new app with the settings ``overrides``."""
        from fastapi.testclient import TestClient

        app = self.app(**overrides) if overrides else self.shared_app
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        if role is not None:
            self._sign_in(client, role)
        return client

    def _sign_in(self, client, username: str) -> None:
        """Through the real form the first time; later clients share that session while it lasts (signing
        in hashes the password, a tenth of a second each time)."""
        from childhub.accounts import Accounts
        from childhub.web.deps import SESSION_COOKIE

        cookie = self._sessions.get(username)
        if cookie is not None and Accounts(self.data_dir).session(cookie.value) is not None:
            client.cookies.jar.set_cookie(cookie)
            return
        sign_in(client, username, WEB_PASSWORD)
        self._sessions[username] = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)


def sign_in(client, username: str, password: str):
    """Sign ``client`` in through the real form (with its CSRF cookie); the response to the post."""
    form = client.get("/login")
    token = form.cookies.get("childhub_login_csrf") or client.cookies.get("childhub_login_csrf")
    return client.post(
        "/login", data={"username": username, "password": password, "next_path": "/", "login_csrf": token}
    )


def csrf_of(client) -> str:
    """The CSRF token of ``client``'s session, read from a page's form."""
    import re

    page = client.get("/")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the overview page"
    return match.group(1)


@pytest.fixture(scope="session")
def web_hub(tmp_path_factory, worker_id, pytestconfig) -> WebHub:
    """One tiny authority for every web test (as at today, so cases open today exist): generated, ingested and
    linked once per run, then copied, so each worker's app, accounts and audit log are its own."""
    from childhub.accounts import Accounts

    as_at = date.today()

    def build(root: Path) -> None:
        from childhub.hub import ingest, link
        from childhub.synth import generate, mapping_files

        authority = generate("tiny", 11, as_at, root / "authority")
        store = Store(root / "store")
        ingest(store, [authority.extracts], mapping_files=mapping_files(), check_quality=False)  # link checks
        link(store)
        (store.data_dir / "authority.yml").write_text(
            "name: Ashmere (test)\npopulation_0_17: 2000\ntargets:\n  re_referrals_12m: {target: 20, tolerance: 3}\n",
            "utf-8",
        )

    shared = built_once(tmp_path_factory, worker_id, "web", build, getattr(pytestconfig, "cache", None), f"11 {as_at}")
    folder = tmp_path_factory.mktemp("web")
    shutil.copytree(shared / "store", folder / "store", ignore=shutil.ignore_patterns("*.lock"))
    hub = WebHub(folder / "store", as_at)
    with hub.store.reader() as conn:
        from childhub.facts import prepare

        prepare(conn, ["allocation"])
        worker, team = conn.execute(
            "SELECT worker_id, any_value(team_id) FROM fact_allocation "
            "WHERE start_date <= current_date AND (end_date IS NULL OR end_date > current_date) "
            "AND worker_id IS NOT NULL GROUP BY worker_id ORDER BY count(*) DESC, worker_id LIMIT 1"
        ).fetchone()
    accounts = Accounts(hub.data_dir)
    accounts.add("admin", "admin", WEB_PASSWORD, display_name="Ada Admin")
    accounts.add("analyst", "analyst", WEB_PASSWORD, display_name="Ann Analyst")
    accounts.add("manager", "manager", WEB_PASSWORD, display_name="Mo Manager", teams=(team,))
    accounts.add("practitioner", "practitioner", WEB_PASSWORD, display_name="Pat Practitioner", worker_id=worker)
    accounts.add("scrutiny", "scrutiny", WEB_PASSWORD, display_name="Councillor Sam")
    hub.practitioner_worker, hub.manager_team = worker, team
    return hub
