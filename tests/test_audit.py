"""The audit log: a hash chain written with each row, append-only against every way SQLite offers round it,
``verify`` naming the first broken link, the migration that chains an older log, the actor at the
command line, and "who looked at this child?"."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from childhub.audit import GENESIS_HASH, MAX_CHILD_KEYS, command_line_user, events, record, verify
from childhub.store.hub import MIGRATIONS, audit_chain_hash

APPEND_ONLY = "the audit log is append-only"


def _log(data_dir: Path, count: int = 5) -> Path:
    for n in range(1, count + 1):
        record(
            data_dir,
            actor=f"user{n}",
            role="analyst",
            channel="web",
            action="view_children",
            subject=f"indicator {n}",
            child_count=2,
            details={"n": n, "note": "Zoë"},
            children=[f"C{n}", f"C{n + 1}"],
        )
    return data_dir / "hub.sqlite"


def _tampered(tmp_path: Path, *statements: str, with_chain_function: bool = False) -> Path:
    """A copy of a five-event log changed by ``statements`` after its triggers were dropped."""
    original = _log(tmp_path / "original")
    copy = tmp_path / "copy"
    copy.mkdir()
    with sqlite3.connect(original) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(original, copy / "hub.sqlite")
    conn = sqlite3.connect(copy / "hub.sqlite", isolation_level=None)
    if with_chain_function:
        conn.create_function("audit_chain_hash", 2, audit_chain_hash)
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{trigger}"')
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return copy


def test_each_row_is_chained_to_the_one_before(tmp_path):
    database = _log(tmp_path)
    chain = "SELECT previous_hash, row_hash FROM audit_log ORDER BY event_id"
    rows = sqlite3.connect(database).execute(chain).fetchall()
    assert rows[0][0] == GENESIS_HASH
    assert all(rows[n][0] == rows[n - 1][1] for n in range(1, len(rows)))
    assert len({row_hash for _, row_hash in rows}) == 5
    verdict = verify(tmp_path)
    assert verdict.intact and verdict.events == 5 and verdict.head_hash == rows[-1][1]
    assert str(verdict).startswith("the audit log is intact (5 events")


def test_an_empty_log_is_intact(tmp_path):
    assert str(verify(tmp_path)).startswith("the audit log is intact (0 events")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else' WHERE event_id = 2",
        "DELETE FROM audit_log WHERE event_id = 2",
        "INSERT OR REPLACE INTO audit_log (event_id, occurred_at, actor, channel, action) "
        "VALUES (2, '2026-01-01T00:00:00', 'forger', 'cli', 'nothing')",
        "REPLACE INTO audit_log (event_id, occurred_at, actor, channel, action) "
        "VALUES (2, '2026-01-01T00:00:00', 'forger', 'cli', 'nothing')",
        "INSERT INTO audit_log (occurred_at, actor, channel, action) "
        "VALUES ('2026-01-01T00:00:00', 'forger', 'cli', 'x')",
        "INSERT INTO audit_log (event_id, occurred_at, actor, channel, action, previous_hash, row_hash) "
        "VALUES (6, '2026-01-01T00:00:00', 'forger', 'cli', 'x', 'a', 'b')",
        "UPDATE audit_child SET child_key = 'C999'",
        "DELETE FROM audit_child WHERE child_key = 'C3'",
        "INSERT OR REPLACE INTO audit_child (child_key, event_id) VALUES ('C2', 1)",
        "INSERT INTO audit_child (child_key, event_id) VALUES ('C2964', 5)",
    ],
)
def test_no_statement_can_change_or_forge_a_row_while_the_triggers_stand(tmp_path, statement):
    """Through childhub's own connection (which knows the chain's function), as an attacker with it would."""
    from childhub.store import HubDatabase

    _log(tmp_path)
    with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY), HubDatabase(tmp_path).connect() as conn:
        conn.execute(statement)
    assert verify(tmp_path).intact and verify(tmp_path).events == 5
    assert [e.actor for e in events(tmp_path)] == ["user5", "user4", "user3", "user2", "user1"]


def test_a_plain_sqlite_shell_cannot_add_a_row(tmp_path):
    conn = sqlite3.connect(_log(tmp_path))
    with pytest.raises(sqlite3.OperationalError, match="audit_chain_hash"):
        conn.execute(
            "INSERT INTO audit_log (event_id, occurred_at, actor, channel, action) "
            "VALUES (6, 'x', 'forger', 'cli', 'x')"
        )


@pytest.mark.parametrize(
    ("statements", "chain_function", "broken_at", "problem"),
    [
        (["UPDATE audit_log SET actor = 'someone else' WHERE event_id = 3"], False, 3, "content does not match"),
        (["UPDATE audit_log SET details_json = '{}' WHERE event_id = 5"], False, 5, "content does not match"),
        (["UPDATE audit_log SET children_json = '[]' WHERE event_id = 4"], False, 4, "content does not match"),
        (["DELETE FROM audit_child WHERE event_id = 2"], False, 2, "index by child holds 0"),
        (["DELETE FROM audit_log WHERE event_id = 3"], False, 4, "event 3 is missing"),
        (["DELETE FROM audit_log WHERE event_id IN (2, 3)"], False, 4, "events 2 to 3 are missing"),
        (["DELETE FROM audit_log WHERE event_id = 1"], False, 2, "event 1 is missing"),
        # removed and put back with a new content and a hash recomputed for it: the next link breaks
        (
            [
                "CREATE TEMP TABLE kept AS SELECT * FROM audit_log WHERE event_id = 2",
                "DELETE FROM audit_log WHERE event_id = 2",
                "UPDATE kept SET actor = 'nobody', row_hash = audit_chain_hash(previous_hash, json_array(event_id, "
                "occurred_at, 'nobody', role, channel, action, subject, child_count, details_json, children_json))",
                "INSERT INTO audit_log SELECT * FROM kept",
            ],
            True,
            3,
            "link to event 2's hash does not match",
        ),
        # the first event replaced by a forged one whose hash is right for itself
        (
            [
                "DELETE FROM audit_log WHERE event_id = 1",
                "INSERT INTO audit_log (event_id, occurred_at, actor, channel, action, previous_hash, row_hash) "
                f"VALUES (1, 'x', 'forger', 'cli', 'x', '{GENESIS_HASH}', audit_chain_hash('{GENESIS_HASH}', "
                "json_array(1, 'x', 'forger', NULL, 'cli', 'x', NULL, NULL, '{}', '[]')))",
            ],
            True,
            1,
            "index by child holds",
        ),
    ],
)
def test_verify_names_the_first_broken_link(tmp_path, statements, chain_function, broken_at, problem):
    copy = _tampered(tmp_path, *statements, with_chain_function=chain_function)
    verdict = verify(copy)
    assert not verdict.intact and verdict.broken_at == broken_at, str(verdict)
    assert problem in str(verdict) and str(verdict).startswith(f"the audit log is broken at event {broken_at}: ")
    assert verify(tmp_path / "original").intact


def test_the_migration_chains_an_older_log(tmp_path):
    """A hub database as the last childhub left it (migration 0001 only, rows in it) is chained on first use."""
    database = tmp_path / "hub.sqlite"
    conn = sqlite3.connect(database, isolation_level=None)
    conn.executescript((MIGRATIONS / "0001_hub.sql").read_text("utf-8"))
    conn.execute("CREATE TABLE hub_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO hub_migrations VALUES (1, '0001_hub.sql', '2026-11-01T00:00:00')")
    for n in range(1, 4):
        conn.execute(
            "INSERT INTO audit_log (occurred_at, actor, role, channel, action, subject, child_count, details_json) "
            "VALUES (?, 'old', 'admin', 'web', 'view_child', ?, 1, '{\"path\": \"/children/C1\"}')",
            [f"2026-11-0{n}T09:00:00", f"C{n}"],
        )
    conn.close()
    verdict = verify(tmp_path)
    assert verdict.intact and verdict.events == 3
    assert [(e.event_id, e.children) for e in events(tmp_path, child="C2")] == [(2, ("C2",))]
    record(tmp_path, actor="new", channel="cli", action="view_audit")
    assert verify(tmp_path).intact and verify(tmp_path).events == 4
    assert [e.actor for e in events(tmp_path)] == ["new", "old", "old", "old"]


def test_who_looked_at_a_child(tmp_path):
    _log(tmp_path, 3)  # event n concerns C<n> and C<n+1>
    record(tmp_path, actor="pat", role="practitioner", channel="web", action="view_child", subject="C2964")
    assert [e.event_id for e in events(tmp_path, child="C2")] == [2, 1]
    assert [(e.actor, e.children) for e in events(tmp_path, child="C2964")] == [("pat", ("C2964",))]
    assert events(tmp_path, child="C9") == []
    assert [e.event_id for e in events(tmp_path, child="C3", actor="user3")] == [3]


def test_a_list_records_every_key_up_to_the_limit(tmp_path, monkeypatch):
    import childhub.audit

    monkeypatch.setattr(childhub.audit, "MAX_CHILD_KEYS", 3)
    record(tmp_path, actor="a", channel="cli", action="export_identities", children=["C5", "C1", "C4", "C3", "C2"])
    (event,) = events(tmp_path)
    assert event.children == ("C1", "C2", "C3") and event.details == {"children_not_recorded": 2}
    assert verify(tmp_path).intact


def test_an_event_keeps_at_most_the_limit_of_child_keys_and_says_how_many_it_left_out(tmp_path):
    """One event's keys are written while the hub database is locked (every sign-in and audit write waits),
    and the index's trigger makes that time grow with the square of the keys: the limit keeps it short
    (bench, not here: 0.26 s measured for 2,000 keys; 516 s for 100,000)."""
    record(tmp_path, actor="a", channel="cli", action="sign_in")
    keys = [f"C{number}" for number in range(MAX_CHILD_KEYS + 1)]
    record(tmp_path, actor="a", channel="web", action="export_cohort", children=keys)
    event = events(tmp_path, limit=1)[0]
    assert len(event.children) == MAX_CHILD_KEYS and event.details == {"children_not_recorded": 1}


def test_the_command_line_actor_is_the_process_account_not_a_variable(monkeypatch):
    import os
    import pwd

    expected = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("LOGNAME", "demo-scrutiny")
    monkeypatch.setenv("USER", "demo-scrutiny")
    monkeypatch.setenv("USERNAME", "demo-scrutiny")
    assert command_line_user() == expected != "demo-scrutiny"


def test_the_hub_database_is_the_owners_alone(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        _log(tmp_path / "hub", 1)
    finally:
        os.umask(old)
    folder = tmp_path / "hub"
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert modes == {"hub.sqlite": 0o600, "hub.sqlite-wal": 0o600, "hub.sqlite-shm": 0o600}


def test_a_migration_another_process_applied_meanwhile_is_skipped(tmp_path):
    """The web app and a command may open an older hub database at once: the second finds 0002 applied."""
    from childhub.store import HubDatabase

    _log(tmp_path, 2)
    database = HubDatabase(tmp_path)
    conn = sqlite3.connect(database.path, isolation_level=None)
    conn.create_function("audit_chain_hash", 2, audit_chain_hash)
    conn.row_factory = sqlite3.Row
    original = conn.execute
    seen = []

    class Racing:
        """A connection whose first look at the applied versions misses 0002, as a racing process's would."""

        def execute(self, sql, *args):
            if sql.startswith("SELECT version FROM hub_migrations") and not seen:
                seen.append(sql)
                return original("SELECT version FROM hub_migrations WHERE version < 2")
            return original(sql, *args)

    database._migrate(Racing())
    assert seen and verify(tmp_path).intact and verify(tmp_path).events == 2


def test_people_signing_in_at_once_from_one_address_are_not_throttled(tmp_path, monkeypatch):
    # An office behind one address: more right passwords checked at the same moment than the address may fail.
    # Attempts being checked count against their own account (so parallel guesses at one account cannot slip
    # under its limit), not against the address, whose limit counts failures decided. Every check waits until
    # all the attempts are being checked, so the last to ask sees all the others in progress (not left to how
    # long a hash happens to take).
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import childhub.accounts
    from childhub.accounts import MAX_CLIENT_FAILURES, Accounts

    accounts = Accounts(tmp_path)
    names = [f"worker{number}" for number in range(MAX_CLIENT_FAILURES + 1)]  # one more than an address may fail
    for name in names:
        accounts.add(name, "analyst", "correct horse battery staple")
    all_checking = threading.Barrier(len(names), timeout=30)
    hasher = childhub.accounts._hasher()

    class WaitingHasher:
        def verify(self, hashed, password):
            all_checking.wait()  # broken (and this sign-in fails) if any attempt was refused before its check
            return hasher.verify(hashed, password)

        def __getattr__(self, name):
            return getattr(hasher, name)

    monkeypatch.setattr(childhub.accounts, "_hasher", WaitingHasher)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        signed = list(pool.map(lambda name: accounts.sign_in(name, "correct horse battery staple", "10.0.0.1"), names))
    assert len(signed) == len(names)


def test_parallel_guesses_at_one_account_are_held_to_its_limit(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from childhub.accounts import MAX_FAILURES, Accounts, SignInRefused

    accounts = Accounts(tmp_path)
    accounts.add("target", "analyst", "correct horse battery staple")

    def guess(number: int) -> str:
        try:
            accounts.sign_in("target", f"wrong guess {number}", f"10.0.0.{number}")
        except SignInRefused as refused:
            return str(refused)
        return "in"

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert "in" not in answers
    with pytest.raises(SignInRefused, match="too many failed sign-ins"):
        accounts.sign_in("target", "correct horse battery staple", "10.0.0.99")
    assert sum("too many" in answer for answer in answers) >= 12 - MAX_FAILURES
