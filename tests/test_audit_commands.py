"""Every command-line action that reads a child's data, reads the audit log or changes an account writes its
audit row, by the operating-system account (whatever LOGNAME says), before anything is shown."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest
from typer.testing import CliRunner

from childhub.audit import events, verify
from childhub.cli import app

ME = pwd.getpwuid(os.getuid()).pw_name
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def hub(tiny_authority, tmp_path_factory) -> Path:
    """A copy of the tiny authority with one account to change."""
    store = tiny_authority.copy(tmp_path_factory.mktemp("cli-audit") / "data")
    _run("users", "add", "ann", "--role", "analyst", "--password-stdin", data_dir=store.data_dir, stdin=PASSWORD)
    return store.data_dir


def _run(*args: str, data_dir: Path, stdin: str | None = None):
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


# (command line, the action it records, what its event must say)
COMMANDS = [
    (["sql", "SELECT 1 AS one UNION ALL SELECT 2"], "query", {"rows": 2, "sql": "SELECT 1 AS one UNION ALL SELECT 2"}),
    (["sql", "SELECT 'C' || child_id AS child_key FROM child LIMIT 3", "--format", "csv"], "query", {"rows": 3}),
    (["export", "identities", "--out", "{tmp}/identities.csv"], "export_identities", {}),
    (["review", "--limit", "2"], "view_review_queue", {"limit": 2}),
    (["batch", "1", "--format", "json"], "view_batch", {"format": "json"}),
    (["audit", "--limit", "3"], "view_audit", {"limit": 3, "rows": 3}),
    (["audit", "--child", "C1001"], "view_audit", {"child": "C1001"}),
    (["audit", "verify"], "verify_audit", {}),
    (["users", "add", "bob", "--role", "scrutiny"], "add_account", {"role": "scrutiny"}),
    (["users", "set-role", "ann", "manager", "--team", "T001"], "set_role", {"from": "analyst", "to": "manager"}),
    (
        ["users", "set-scope", "ann", "--team", "T002"],
        "set_scope",
        {"to": {"worker": None, "teams": ["T002"], "service_areas": []}},
    ),
    (["users", "token", "ann", "--label", "case system"], "issue_token", {"label": "case system", "token": 1}),
    (["users", "revoke-token", "ann", "1"], "revoke_token", {"label": "case system", "token": 1}),
    (["users", "password", "ann"], "set_password", {"tokens_revoked": True}),
    (["users", "disable", "ann"], "disable_account", {"tokens_revoked": True, "sessions_ended": True}),
    (["users", "enable", "ann"], "enable_account", {}),
]


@pytest.mark.parametrize(("command", "action", "said"), COMMANDS, ids=[" ".join(c[0][:2]) for c in COMMANDS])
def test_each_command_writes_its_row_by_the_account_running_it(hub, tmp_path, monkeypatch, command, action, said):
    monkeypatch.setenv("LOGNAME", "demo-scrutiny")
    monkeypatch.setenv("USER", "demo-scrutiny")
    before = events(hub, limit=1)[0].event_id
    _run(*(part.replace("{tmp}", str(tmp_path)) for part in command), data_dir=hub, stdin=PASSWORD)
    new = [event for event in events(hub, limit=5) if event.event_id > before]
    assert [event.action for event in new] == [action]
    (event,) = new
    assert (event.actor, event.channel) == (ME, "cli")
    assert said.items() <= event.details.items()
    assert verify(hub).intact


def test_a_query_and_an_export_name_the_children_they_showed(hub, tmp_path):
    _run("sql", "SELECT 'C' || child_id AS child_key FROM child ORDER BY child_id LIMIT 2", data_dir=hub)
    (query,) = events(hub, action="query", limit=1)
    assert query.child_count == 2 and len(query.children) == 2
    assert events(hub, child=query.children[0], limit=1)[0].event_id == query.event_id
    _run("export", "identities", "--out", str(tmp_path / "ids.csv"), data_dir=hub)
    (export,) = events(hub, action="export_identities", limit=1)
    assert export.child_count == len(export.children) > 1000 and export.details["rows"] > export.child_count
    assert "C1001" in export.children


def test_a_refused_query_is_audited_too(hub):
    result = CliRunner().invoke(app, ["sql", "DELETE FROM child", "--data-dir", str(hub)])
    assert result.exit_code != 0
    (event,) = events(hub, action="query", limit=1)
    assert event.details["sql"] == "DELETE FROM child" and "refused" in event.details


def test_a_review_decision_names_the_account_it_was_given(hub, monkeypatch):
    """``--by`` names the childhub account; the actor is still the operating-system account."""
    from childhub.audit import record_command_line

    monkeypatch.setenv("LOGNAME", "someone-else")
    record_command_line(hub, "review_decision", subject="1", account="ann")
    (event,) = events(hub, action="review_decision", limit=1)
    assert event.actor == ME and event.details == {"account": "ann"}


def test_audit_verify_says_the_log_is_intact(tmp_path):
    from childhub.audit import record

    for n in range(3):
        record(tmp_path, actor=f"u{n}", channel="web", action="search")
    result = CliRunner().invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0
    intact, newest = result.output.splitlines()
    assert intact == "the audit log is intact (3 events)" and newest.startswith("newest hash: ")


def test_audit_verify_fails_on_a_broken_log(tmp_path):
    import sqlite3

    from childhub.audit import record

    for n in range(3):
        record(tmp_path, actor=f"u{n}", channel="web", action="search")
    conn = sqlite3.connect(tmp_path / "hub.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'x' WHERE event_id = 2")
    conn.close()
    result = CliRunner().invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: the audit log is broken at event 2: its content does not match its hash (the event was edited)"
    )


def test_the_audit_table_shortens_a_long_list_of_children(tmp_path):
    import json

    from childhub.audit import record

    record(tmp_path, actor="a", channel="cli", action="export_identities", children=[f"C{n}" for n in range(12)])
    result = CliRunner().invoke(app, ["audit", "--limit", "1", "--data-dir", str(tmp_path)], env={"COLUMNS": "250"})
    assert "C0, C1, C10, C11, C2 and 7 more" in result.output
    as_json = CliRunner().invoke(app, ["audit", "--limit", "2", "--format", "json", "--data-dir", str(tmp_path)])
    assert len(json.loads(as_json.output)[1]["children"]) == 12
