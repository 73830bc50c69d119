"""The audit log: every view, search, export and query of children's data, append-only.

``record(data_dir, actor=..., channel=..., action=..., ...)`` adds one row to ``audit_log`` in the
hub database (``childhub.store.hub``), whatever the analytical store is doing (``record_command_line``
for the command line's events); ``events(...)`` reads them back for admins. Triggers in the database
refuse any update or delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from childhub.store import HubDatabase, utc_now


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
) -> None:
    """Append one event to the audit log of the hub in ``data_dir``."""
    with HubDatabase(data_dir).connect() as conn:
        conn.execute(
            "INSERT INTO audit_log (occurred_at, actor, role, channel, action, subject, child_count, details_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                utc_now(),
                actor,
                role,
                channel,
                action,
                subject,
                child_count,
                json.dumps(details or {}, default=str, sort_keys=True),
            ],
        )


def record_command_line(
    data_dir: Path,
    action: str,
    *,
    subject: str | None = None,
    child_count: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event for something done at the command line: by the operating-system user, channel ``cli``."""
    record(
        data_dir,
        actor=command_line_user(),
        channel="cli",
        action=action,
        subject=subject,
        child_count=child_count,
        details=details,
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
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEvent]:
    """The newest events first, skipping ``offset``; optionally only one actor's, action's, subject's or
    channel's, and only those on or after ``since`` and on or before ``until`` (UTC days)."""
    clauses, values = [], []
    for column, value in (("actor", actor), ("action", action), ("subject", subject), ("channel", channel)):
        if value:
            clauses.append(f"{column} = ?")
            values.append(value)
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
        )
        for row in rows
    ]


def command_line_user() -> str:
    """The operating-system user running the command, for the audit log."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
