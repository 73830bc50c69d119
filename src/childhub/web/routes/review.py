"""The linkage review queue: uncertain pairs of source records, side by side, for a person to decide.

A pair is named by its identity (``pair_key``, from its two source records), the same after every relink:
``/review/<key>`` is the pair's own page. An address with a pair's old number (from before a relink) leads to
the pair's current row; one that names no pair is a clean 404.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from childhub.codes import label
from childhub.errors import StoreError
from childhub.hub import decide
from childhub.link import REVIEW_PAGE_SIZE, find_pair, review_labels, review_pair, review_pairs, review_queue
from childhub.web.deps import Conflict, NotFound, Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.pages.shared import service_name

ROLES = ("admin", "analyst")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["review"], dependencies=[Depends(require(*ROLES))])
RECENT = 20
MAX_PAGE = 10_000
TwinsChoice = Literal["last", "hide", "only"]  # childhub.link.TWINS


# How the pages name each field of a record (childhub.link.REVIEW_FIELDS).
FIELD_LABEL = {
    "source_system": "System",
    "source_record_id": "Record ID in the system",
    "forename": "First name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "upn": "UPN",
    "nhs_number": "NHS number",
}


def _words() -> dict:
    """What the templates name fields, systems and sexes with."""
    return {
        "field_label": FIELD_LABEL,
        "service_name": service_name,
        "sex_label": lambda code: label("sex", code) or code,
    }


class Decision(BaseModel):
    decision: Literal["same", "different"]


def queue_for(request: Request, signed: Signed, page: int = 1, twins: str = "last") -> dict:
    """A page of the open pairs (the pairs to settle first, the likely twins last) with the total, and the
    latest decisions; audited as a view of children's records."""
    snapshot = context(request).served.current()
    cursor = snapshot.cursor()
    labels = snapshot.memo(("review", "labels"), lambda: review_labels(cursor))
    queue = review_queue(cursor, page, REVIEW_PAGE_SIZE, twins, labels)
    decided = review_pairs(cursor, "decided", RECENT, labels)
    audit(
        request,
        signed,
        "view_review_queue",
        child_count=2 * len(queue.pairs),
        children=_child_keys(cursor, [*queue.pairs, *decided]),
        pairs=len(queue.pairs),
        pair_keys=[pair["pair_key"] for pair in queue.pairs],
        page=queue.page,
        decided=len(decided),
    )
    return {
        "total": queue.total,
        "to_settle": queue.to_settle,
        "twins_count": queue.twins,
        "twins": twins,
        "page": queue.page,
        "pages": queue.pages,
        "page_size": queue.page_size,
        "first": queue.first,
        "last": queue.last,
        "pairs": queue.pairs,
        "decided": decided,
    }


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


def _found(request: Request, reference: str) -> dict:
    """The current row of the pair ``reference`` names (a key, or an old number), or NotFound."""
    found = find_pair(context(request).served.current().cursor(), reference)
    if found is None:
        raise NotFound(f"there is no pair {reference} in the review queue")
    return found


def pair_for(request: Request, signed: Signed, reference: str) -> dict:
    """One pair side by side with its evidence; audited as a view of the two records' children."""
    snapshot = context(request).served.current()
    cursor = snapshot.cursor()
    found = _found(request, reference)
    labels = snapshot.memo(("review", "labels"), lambda: review_labels(cursor))
    pair = review_pair(cursor, found["pair_id"], labels)
    if pair is None:  # its records are no longer in the store
        raise NotFound(f"the records of pair {found['pair_key']} are no longer held")
    audit(
        request,
        signed,
        "view_review_pair",
        subject=found["pair_key"],
        child_count=2,
        children=_child_keys(cursor, [pair]),
    )
    return pair


def decide_pair(request: Request, signed: Signed, reference: str, decision: str) -> str:
    """Record the decision on the pair ``reference`` names through ``childhub.hub`` (which publishes a new
    snapshot); its key. Conflict if another process writes."""
    ctx = context(request)
    found = _found(request, reference)
    try:
        decide(ctx.store, found["pair_id"], decision, signed.account.username)
    except StoreError as busy:
        raise Conflict(str(busy)) from busy
    audit(request, signed, "review_decision", subject=found["pair_key"], child_count=2, decision=decision)
    ctx.served.look_now()  # so the next page shows the decision
    return found["pair_key"]


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    twins: TwinsChoice = "last",
    signed: Signed = Depends(signed_in),
):
    return render(request, "review.html", signed, **_words(), **queue_for(request, signed, page, twins))


@router.get("/review/{pair}", response_class=HTMLResponse)
def review_pair_page(request: Request, pair: str, signed: Signed = Depends(signed_in)):
    found = _found(request, pair)
    if pair != found["pair_key"]:  # an old number, or the key in capitals: the pair's own address
        return RedirectResponse(f"/review/{found['pair_key']}", status_code=301)
    return render(request, "review_pair.html", signed, **_words(), pair=pair_for(request, signed, pair))


@router.post("/review/{pair}")
def review_decision(
    request: Request,
    pair: str,
    decision: Literal["same", "different"] = Form(...),
    signed: Signed = Depends(csrf_protected),
):
    try:
        key = decide_pair(request, signed, pair, decision)
    except Conflict as busy:
        return render(
            request, "review.html", signed, status_code=409, error=str(busy), **_words(), **queue_for(request, signed)
        )
    return RedirectResponse(f"/review?decided={key}#decided", status_code=303)


@api_router.get("/review", summary="The review queue: a page of open pairs and the latest decisions")
def review_json(
    request: Request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    twins: TwinsChoice = "last",
    signed: Signed = Depends(signed_in),
) -> dict:
    """Open pairs with both records and the per-field evidence, 20 a page: the pairs to settle first (least
    certain first), then the likely twins or siblings (`likely_twins`; `twins=hide` leaves them out, `twins=only`
    lists only them). `total` counts the open pairs listed, `pages` the pages; `decided` the latest decisions."""
    found = queue_for(request, signed, page, twins)
    return {key: value for key, value in found.items() if key not in ("first", "last")}


@api_router.get("/review/{pair}", summary="One review pair, by its key")
def review_pair_json(request: Request, pair: str, signed: Signed = Depends(signed_in)) -> dict:
    """One pair (by its `pair_key`, or a number it once had) with both records and the per-field evidence."""
    return pair_for(request, signed, pair)


@api_router.post("/review/{pair}", summary="Decide a review pair")
def review_decision_json(request: Request, pair: str, body: Decision, signed: Signed = Depends(csrf_protected)) -> dict:
    """Decide a pair (by its `pair_key`): `{"decision": "same"}` or `"different"`; the next linkage run applies it."""
    key = decide_pair(request, signed, pair, body.decision)
    found = _found(request, key)
    decided_by = signed.account.username
    return {"pair_key": key, "pair_id": found["pair_id"], "status": body.decision, "decided_by": decided_by}
