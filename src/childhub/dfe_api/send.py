"""A send: the plan's new and changed children and its purges, posted in batches, and what the DfE answered.

The store is read (a reader) to build the plan, the batches are posted with no connection held, and the send is
then recorded in one write through ``childhub.hub.record_dfe_send`` (migration 0012): the send, each batch with the
DfE's answer, and for each child in an accepted batch the hash of the record the DfE now holds. A child in a
rejected or failed batch keeps the hash the DfE last accepted, so the next send sends it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from childhub.dfe_api.client import ApiRefused, Endpoint, Sender
from childhub.dfe_api.plan import Plan, Planned, plan
from childhub.dfe_api.records import DfeApiError

if TYPE_CHECKING:
    from childhub.store import Store

CHILD_KEY = "Children"  # each record of a batch: {"la_code": ..., "Children": the child}


@dataclass
class SentBatch:
    """One batch of a send and the DfE's answer to it."""

    batch_number: int
    children: list[Planned]
    status: str = "not sent"  # accepted, rejected, failed, not sent
    http_status: int | None = None
    attempts: int = 0
    answer: str = ""

    @property
    def purges(self) -> int:
        return sum(1 for child in self.children if child.status == "purge")


@dataclass
class SendResult:
    """A send as recorded: who, when, for which day, each batch and the DfE's answers."""

    sent_by: str
    as_at: date
    la_code: str
    started_at: datetime
    finished_at: datetime | None = None
    batches: list[SentBatch] = field(default_factory=list)
    status: str = "nothing to send"  # accepted, nothing to send, partly rejected, rejected, failed, dry run
    message: str | None = None
    plan: Plan | None = None
    send_id: int | None = None

    @property
    def children_sent(self) -> int:
        return sum(len(batch.children) for batch in self.batches if batch.status != "not sent")

    @property
    def accepted(self) -> list[Planned]:
        return [child for batch in self.batches if batch.status == "accepted" for child in batch.children]

    @property
    def purged(self) -> int:
        return sum(1 for child in self.accepted if child.status == "purge")

    @property
    def batches_rejected(self) -> int:
        return sum(1 for batch in self.batches if batch.status == "rejected")

    def summary(self) -> dict[str, Any]:
        return {
            "send": self.send_id,
            "status": self.status,
            "as_at": self.as_at.isoformat(),
            "la_code": self.la_code,
            "children_sent": self.children_sent,
            "children_accepted": len(self.accepted),
            "purged": self.purged,
            "batches": len(self.batches),
            "batches_rejected": self.batches_rejected,
            "message": self.message,
        }


def batch_body(la_code: str, children: list[Planned]) -> list[dict[str, Any]]:
    """What one POST carries: each child's record with the authority's LA code."""
    return [{"la_code": la_code, CHILD_KEY: child.payload} for child in children]


def send(
    store: Store,
    endpoint: Endpoint | None,
    *,
    la_code: str,
    as_at: date,
    sent_by: str,
    batch_size: int = 100,
    dry_run: bool = False,
    sleep: Callable[[float], None] | None = None,
    transport: Any = None,
) -> SendResult:
    """Send what changed since the last accepted send, and the purges, in batches of ``batch_size``; record it
    (unless ``dry_run``, which posts and records nothing). A token the DfE refuses is recorded as a failed send and
    raised as one line (``DfeApiError``)."""
    if batch_size < 1:
        raise DfeApiError(f"--batch-size must be 1 or more, not {batch_size}")
    with store.reader() as conn:
        planned = plan(conn, as_at)
    result = SendResult(sent_by, as_at, la_code, _now(), plan=planned)
    todo = planned.to_send
    result.batches = [
        SentBatch(number, todo[start : start + batch_size])
        for number, start in enumerate(range(0, len(todo), batch_size), start=1)
    ]
    if dry_run:
        result.status, result.finished_at = "dry run", _now()
        return result
    if not result.batches:
        result.finished_at = _now()
        _record(store, result, sleep)
        return result
    if endpoint is None:
        raise DfeApiError("the DfE API is not set up: set dfe_api_base_url, dfe_api_token_url and dfe_api_client_id")
    refused: DfeApiError | None = None
    with Sender(endpoint, la_code, transport=transport, **({"sleep": sleep} if sleep else {})) as sender:
        for batch in result.batches:
            try:
                answer = sender.post(batch_body(la_code, batch.children))
            except DfeApiError as error:  # the token, or the API with a fresh one, refused: nothing more can be sent
                if isinstance(error, ApiRefused):  # this batch was posted, and refused
                    batch.status, batch.answer = "failed", str(error)
                refused = error
                break
            batch.status, batch.http_status, batch.attempts, batch.answer = (
                answer.status,
                answer.http_status,
                answer.attempts,
                answer.answer,
            )
            if answer.status == "failed":  # the DfE did not answer after every retry: stop, send again later
                result.message = f"batch {batch.batch_number} had no answer after {answer.attempts} tries"
                break
    result.finished_at = _now()
    statuses = {batch.status for batch in result.batches}
    if refused is not None:
        result.status, result.message = "failed", str(refused)
    elif statuses == {"accepted"}:
        result.status = "accepted"
    elif "failed" in statuses or "not sent" in statuses:
        result.status = "failed"
    elif statuses == {"rejected"}:
        result.status = "rejected"
    else:
        result.status = "partly rejected"
    _record(store, result, sleep)
    if refused is not None:
        raise refused
    return result


RECORD_TRIES = 10  # a busy hub (another write holding the store) is waited for this many times


def _record(store: Store, result: SendResult, sleep: Callable[[float], None] | None) -> None:
    """Record the send through the hub, waiting while another write holds the store: what was posted must be
    recorded, or the next send would send it again."""
    import time

    from childhub.errors import StoreBusy
    from childhub.hub import record_dfe_send

    for tries in range(1, RECORD_TRIES + 1):
        try:
            record_dfe_send(store, result)
            return
        except StoreBusy as busy:
            if tries == RECORD_TRIES:
                raise
            (sleep or time.sleep)(busy.retry_after)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
