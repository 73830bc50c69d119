"""The audit log: every view and export of children's data is recorded, append-only, in the store.

``record(store, actor=..., channel=..., action=..., subject=..., child_count=..., details=...)``
adds one row to ``audit_log`` (migration ``0004_audit.sql``) in its own write transaction.
Nothing in childhub updates or deletes audit rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from childhub.store import Store


def record(
    store: Store,
    *,
    actor: str,
    channel: str,
    action: str,
    subject: str | None = None,
    child_count: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event to the store's audit log."""
    with store.writer() as conn:
        conn.execute(
            "INSERT INTO audit_log (occurred_at, actor, channel, action, subject, child_count, details_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                actor,
                channel,
                action,
                subject,
                child_count,
                json.dumps(details or {}, default=str, sort_keys=True),
            ],
        )


def command_line_user() -> str:
    """The operating-system user running the command, for the audit log."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
