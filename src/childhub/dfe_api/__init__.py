"""The DfE's daily children's social care API: records built from the hub, sent when they change.

``build_records(conn, as_at)`` builds each child's record in the DfE's structure for the DfE's cohort and window
(``window_start``), one SQL file per section over the facts (``dfe_api/sql``); ``plan(conn, as_at)`` says what a send
would do (new, changed, unchanged, purge; the records failing the DfE's rules; the children held under two or more
case-management IDs); ``send(store, endpoint, ...)`` posts it in batches (``Sender``: OAuth2 client credentials,
retries with backoff) and records it through ``childhub.hub.record_dfe_send`` (``write_send``). ``endpoint_from``
and ``la_code_of`` read the settings and the authority file. See docs/dfe-api.md.
"""

from childhub.dfe_api.client import BatchAnswer, Endpoint, Sender
from childhub.dfe_api.plan import Plan, Planned, last_accepted, plan
from childhub.dfe_api.record import sends, write_send
from childhub.dfe_api.records import (
    Built,
    ChildRecord,
    DfeApiError,
    Window,
    build_records,
    payload_hash,
    purge_record,
    window_start,
)
from childhub.dfe_api.send import SendResult, SentBatch, batch_body, send
from childhub.dfe_api.settings import endpoint_from, la_code_of

__all__ = [
    "BatchAnswer",
    "Built",
    "ChildRecord",
    "DfeApiError",
    "Endpoint",
    "Plan",
    "Planned",
    "SendResult",
    "Sender",
    "SentBatch",
    "Window",
    "batch_body",
    "build_records",
    "endpoint_from",
    "la_code_of",
    "last_accepted",
    "payload_hash",
    "plan",
    "purge_record",
    "send",
    "sends",
    "window_start",
    "write_send",
]
