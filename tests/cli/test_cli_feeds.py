"""``childhub feeds list`` and ``childhub feeds token``: the feeds declared, and tokens that push to one feed only."""

from __future__ import annotations

import hashlib
import json

import pytest

from childhub.accounts import Accounts
from childhub.audit import events
from helpers import run

FEEDS_YML = """\
feeds:
  contacts:
    description: Contacts
    table: contacts
    cadence: 1h
  ssda903:
    description: The SSDA903 return
    kind: ssda903
    cadence: 400d
"""


def test_the_feeds_are_listed_with_what_they_take_and_whether_they_take_pushes(tmp_path):
    (tmp_path / "feeds.yml").write_text(FEEDS_YML, "utf-8")
    result = run("feeds", "list", "--format", "json", data_dir=tmp_path, check=True)
    assert json.loads(result.stdout) == [
        {
            "feed": "contacts",
            "takes": "SSD table contacts",
            "cadence": "1h",
            "takes pushes": "yes",
            "description": "Contacts",
        },
        {
            "feed": "ssda903",
            "takes": "ssda903 files",
            "cadence": "400d",
            "takes pushes": "no",
            "description": "The SSDA903 return",
        },
    ]


@pytest.mark.slow
def test_a_feed_token_is_printed_once_stored_hashed_listed_and_revoked(tmp_path):
    (tmp_path / "feeds.yml").write_text(FEEDS_YML, "utf-8")
    issued = run("feeds", "token", "contacts", "--name", "Mosaic", data_dir=tmp_path, check=True)
    secret = issued.stdout.strip()
    assert secret.startswith("chfeed_") and "\n" not in secret
    token = Accounts(tmp_path).feed_token(secret)
    assert (token.feed, token.name, token.revoked) == ("contacts", "Mosaic", False)
    with Accounts(tmp_path).db.connect(write=False) as conn:  # (not the file read directly: that drops SQLite's locks)
        stored = [tuple(row) for row in conn.execute("SELECT * FROM feed_token")]
    assert len(stored) == 1 and stored[0][1] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored[0]

    listed = run("feeds", "token", "contacts", "--list", data_dir=tmp_path, check=True)
    assert "Mosaic" in listed.stdout and "live" in listed.stdout and secret not in listed.stdout

    wrong = run("feeds", "token", "ssda903", "--revoke", str(token.token_id), data_dir=tmp_path)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == f"error: feed token {token.token_id} is feed contacts's, not ssda903's"
    assert Accounts(tmp_path).feed_token(secret) is not None

    run("feeds", "token", "contacts", "--revoke", str(token.token_id), data_dir=tmp_path, check=True)
    assert Accounts(tmp_path).feed_token(secret) is None
    assert [(e.action, e.subject, e.details["feed_token"]) for e in events(tmp_path)] == [  # newest first
        ("revoke_feed_token", "contacts", token.token_id),
        ("issue_feed_token", "contacts", token.token_id),
    ]


@pytest.mark.slow
def test_no_token_is_issued_for_a_feed_of_files_or_a_feed_not_declared(tmp_path):
    (tmp_path / "feeds.yml").write_text(FEEDS_YML, "utf-8")
    files = run("feeds", "token", "ssda903", data_dir=tmp_path)
    assert files.returncode == 1 and files.stdout == ""
    assert files.stderr.strip() == "error: feed ssda903 takes ssda903 files only, so a token could push nothing to it"
    unknown = run("feeds", "token", "nosuch", data_dir=tmp_path)
    assert unknown.returncode == 1 and "there is no feed 'nosuch'" in unknown.stderr
    assert Accounts(tmp_path).feed_tokens() == []
