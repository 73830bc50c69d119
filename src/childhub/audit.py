"""The audit log: every view, search, export and query of children's data, append-only and tamper-evident.

``record(data_dir, actor=..., channel=..., action=..., ...)`` adds one row to ``audit_log`` in the
hub database (``childhub.store.hub``), whatever the analytical store is doing (``record_command_line``
for the command line's events, whose actor is the operating-system account); ``events(...)`` reads
them back for admins, by actor, action, channel, dates or child.

Tamper evidence. Each row carries ``row_hash``, SHA-256 over the previous row's hash and the row's
own content, written in the same transaction as the row; ``verify`` recomputes the chain and names
the first broken link. Triggers refuse updates, deletes, ``INSERT OR REPLACE`` and any row that does
not continue the chain. Someone who can write the file, drop the triggers and recompute every hash
after their edit is caught only against a copy of the newest hash kept elsewhere (``verify``
prints it: keep it with each backup).

Children. An event names the children it concerns (``children``, their child keys): one key for a
child's page, every key of a list or export up to ``MAX_CHILD_KEYS`` (the first in key order; the
rest are counted in the event's details as ``children_not_recorded``), so "who looked at C2964?" is
``events(child="C2964")``. A ``view_child`` event's subject is its child's key, so it names that child
without being told.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from childhub.store import HubDatabase, utc_now

ONE_CHILD_ACTIONS = ("view_child",)  # actions whose subject is the child key of the child seen
# Child keys recorded for one event; a bigger list or export names its first keys and counts the rest. The
# index's insert trigger checks each key against the event's whole key list, so writing an event costs time
# in the square of its keys while it holds the hub database's lock: 2,000 keys 0.26 s, 10,000 keys 8.4 s,
# 100,000 keys 516 s (measured; docs/security/audit.md).
MAX_CHILD_KEYS = 2_000
GENESIS_HASH = "0" * 64  # the previous hash of the first event
# An audit row's content as its hash covers it (the expression migration 0002 and its trigger use).
_CONTENT = (
    "json_array(event_id, occurred_at, actor, role, channel, action, subject, child_count, details_json, children_json)"
)


@dataclass(frozen=True)
class AuditEvent:
    event_id: int
    occurred_at: str
    actor: str
    role: str | None
    channel: str
    action: str
    subject: str | None
    child_count: int | None
    details: dict[str, Any]
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: intact (with the number of events and the newest hash) or the first broken link."""

    events: int
    head_hash: str
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def __str__(self) -> str:
        if self.intact:
            return f"the audit log is intact ({self.events:,} events)"
        return f"the audit log is broken at event {self.broken_at}: {self.problem}"


def record(
    data_dir: Path,
    *,
    actor: str,
    channel: str,
    action: str,
    subject: str | None = None,
    child_count: int | None = None,
    role: str | None = None,
    details: dict[str, Any] | None = None,
    children: Iterable[str] = (),
) -> None:
    """Append one event to the audit log of the hub in ``data_dir``, chained to the one before it."""
    if action in ONE_CHILD_ACTIONS and subject:
        children = [*children, subject]
    keys = sorted({str(key) for key in children if key is not None})
    details = dict(details or {})
    if len(keys) > MAX_CHILD_KEYS:
        details["children_not_recorded"] = len(keys) - MAX_CHILD_KEYS
        keys = keys[:MAX_CHILD_KEYS]
    values = [
        utc_now(),
        actor,
        role,
        channel,
        action,
        subject,
        None if child_count is None else int(child_count),
        json.dumps(details, default=str, sort_keys=True),
        json.dumps(keys),
    ]
    with HubDatabase(data_dir).connect() as conn:
        last = conn.execute("SELECT event_id, row_hash FROM audit_log ORDER BY event_id DESC LIMIT 1").fetchone()
        event_id, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        row = [event_id, *values]
        # SQLite renders the content (json_array of the values), so the trigger and verify see the same text
        row_hash = conn.execute(
            f"SELECT audit_chain_hash(?, json_array({', '.join('?' * len(row))}))", [previous, *row]
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO audit_log (event_id, occurred_at, actor, role, channel, action, subject, child_count, "
            "details_json, children_json, previous_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*row, previous, row_hash],
        )
        conn.executemany("INSERT INTO audit_child (child_key, event_id) VALUES (?, ?)", [(k, event_id) for k in keys])


def record_command_line(
    data_dir: Path,
    action: str,
    *,
    subject: str | None = None,
    child_count: int | None = None,
    details: dict[str, Any] | None = None,
    children: Iterable[str] = (),
    account: str | None = None,
) -> None:
    """Append one event for something done at the command line: by the operating-system account running it
    (and the childhub ``account`` it named, where it named one), channel ``cli``."""
    record(
        data_dir,
        actor=command_line_user(),
        channel="cli",
        action=action,
        subject=subject,
        child_count=child_count,
        details={**(details or {}), **({"account": account} if account else {})},
        children=children,
    )


def events(
    data_dir: Path,
    *,
    limit: int = 200,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    channel: str | None = None,
    child: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEvent]:
    """The newest events first, skipping ``offset``; optionally only one actor's, action's, subject's or
    channel's, only those concerning one child (its child key), and only those on or after ``since`` and
    on or before ``until`` (UTC days)."""
    clauses, values = [], []
    for column, value in (("actor", actor), ("action", action), ("subject", subject), ("channel", channel)):
        if value:
            clauses.append(f"{column} = ?")
            values.append(value)
    if child:
        clauses.append("event_id IN (SELECT event_id FROM audit_child WHERE child_key = ?)")
        values.append(child)
    if since is not None:
        clauses.append("occurred_at >= ?")
        values.append(since.isoformat())
    if until is not None:
        clauses.append("occurred_at < ?")
        values.append((until + timedelta(days=1)).isoformat())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with HubDatabase(data_dir).connect(write=False) as conn:
        rows = conn.execute(
            f"SELECT * FROM audit_log {where} ORDER BY event_id DESC LIMIT ? OFFSET ?", [*values, limit, offset]
        ).fetchall()
    return [
        AuditEvent(
            row["event_id"],
            row["occurred_at"],
            row["actor"],
            row["role"],
            row["channel"],
            row["action"],
            row["subject"],
            row["child_count"],
            json.loads(row["details_json"]),
            tuple(json.loads(row["children_json"])),
        )
        for row in rows
    ]


def verify(data_dir: Path) -> Verdict:
    """Walk the whole log in event order, recomputing each hash: intact, or the first broken link and why.

    A row edited in place no longer matches its hash; a row removed (or a forged one put in its place)
    breaks the next row's link to it; event numbers must run 1, 2, 3 without a gap; every event's child
    keys must be in the index by child, and no key there may be missing from its event.
    """
    with HubDatabase(data_dir).connect(write=False) as conn:
        rows = conn.execute(
            f"SELECT event_id, previous_hash, row_hash, audit_chain_hash(previous_hash, {_CONTENT}) AS recomputed, "
            "json_array_length(children_json) AS keys, "
            "(SELECT count(*) FROM audit_child c WHERE c.event_id = audit_log.event_id) AS indexed "
            "FROM audit_log ORDER BY event_id"
        )
        previous, count = GENESIS_HASH, 0
        for row in rows:
            count += 1
            event_id = row["event_id"]
            problem = None
            if event_id != count:
                gone = f"events {count} to {event_id - 1} are" if event_id - 1 > count else f"event {count} is"
                problem = f"{gone} missing before it (removed)"
            elif row["previous_hash"] != previous:
                before = "the start of the log" if count == 1 else f"event {event_id - 1}'s hash"
                problem = f"its link to {before} does not match (an event before it was removed, forged or replaced)"
            elif row["row_hash"] != row["recomputed"]:
                problem = "its content does not match its hash (the event was edited)"
            elif row["keys"] != row["indexed"]:
                problem = f"it names {row['keys']} child key(s) but the index by child holds {row['indexed']}"
            if problem:
                return Verdict(count - 1, previous, event_id, problem)
            previous = row["row_hash"]
        orphans = conn.execute(
            "SELECT min(event_id) FROM audit_child WHERE event_id NOT IN (SELECT event_id FROM audit_log)"
        ).fetchone()[0]
    if orphans is not None:
        return Verdict(count, previous, orphans, "the index by child names an event the log does not hold")
    return Verdict(count, previous)


def command_line_user() -> str:
    """The operating-system account running the command, for the audit log: from the process's user ID,
    not from ``LOGNAME`` or ``USER``, which anyone can set."""
    import os
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
