"""The linkage review queue: uncertain pairs of source records, side by side, for a person to decide."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from childhub.errors import StoreError
from childhub.hub import decide
from childhub.link import review_labels, review_pair_status, review_pairs
from childhub.web.deps import Conflict, NotFound, Signed, audit, context, csrf_protected, render, require, signed_in

ROLES = ("admin", "analyst")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["review"], dependencies=[Depends(require(*ROLES))])
QUEUE_LENGTH = 50
RECENT = 20


class Decision(BaseModel):
    decision: Literal["same", "different"]


def queue_for(request: Request, signed: Signed) -> dict:
    """Open pairs (least certain first) and the latest decisions; audited as a view of children's records."""
    snapshot = context(request).served.current()
    cursor = snapshot.cursor()
    labels = snapshot.memo(("review", "labels"), lambda: review_labels(cursor))
    pairs = review_pairs(cursor, "open", QUEUE_LENGTH, labels)
    decided = review_pairs(cursor, "decided", RECENT, labels)
    audit(
        request,
        signed,
        "view_review_queue",
        child_count=2 * len(pairs),
        children=_child_keys(cursor, [*pairs, *decided]),
        pairs=len(pairs),
        decided=len(decided),
    )
    return {"pairs": pairs, "decided": decided}


def _child_keys(cursor, pairs: list[dict]) -> list[str]:
    """The child keys of the records in ``pairs`` as the facts know them (a record not linked has the key
    ``system:record``)."""
    records = [f"{side['source_system']}:{side['source_record_id']}" for p in pairs for side in (p["left"], p["right"])]
    if not records:
        return []
    found = cursor.execute(
        "SELECT DISTINCT child_key FROM fact_person WHERE list_contains(?, source_system || ':' || person_id)",
        [records],
    )
    return [key for (key,) in found.fetchall()]


def decide_pair(request: Request, signed: Signed, pair_id: int, decision: str) -> None:
    """Record the decision through ``childhub.hub`` (which publishes a new snapshot); Conflict if another
    process writes."""

    ctx = context(request)
    if review_pair_status(ctx.served.current().cursor(), pair_id) is None:
        raise NotFound(f"there is no pair {pair_id} in the review queue")
    try:
        decide(ctx.store, pair_id, decision, signed.account.username)
    except StoreError as busy:
        raise Conflict(str(busy)) from busy
    audit(request, signed, "review_decision", subject=str(pair_id), child_count=2, decision=decision)
    ctx.served.look_now()  # so the next page shows the decision


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, signed: Signed = Depends(signed_in)):
    return render(request, "review.html", signed, **queue_for(request, signed))


@router.post("/review/{pair_id}")
def review_decision(
    request: Request,
    pair_id: int,
    decision: Literal["same", "different"] = Form(...),
    signed: Signed = Depends(csrf_protected),
):
    try:
        decide_pair(request, signed, pair_id, decision)
    except Conflict as busy:
        return render(request, "review.html", signed, status_code=409, error=str(busy), **queue_for(request, signed))
    return RedirectResponse(f"/review?decided={pair_id}#decided", status_code=303)


@api_router.get("/review")
def review_json(request: Request, signed: Signed = Depends(signed_in)) -> dict:
    """Open pairs with both records and the per-field evidence; the latest decisions."""
    return queue_for(request, signed)


@api_router.post("/review/{pair_id}")
def review_decision_json(
    request: Request, pair_id: int, body: Decision, signed: Signed = Depends(csrf_protected)
) -> dict:
    """Decide a pair: ``{"decision": "same"}`` or ``"different"``; the next linkage run applies it."""
    decide_pair(request, signed, pair_id, body.decision)
    return {"pair_id": pair_id, "status": body.decision, "decided_by": signed.account.username}
