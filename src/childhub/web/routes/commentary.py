"""Commentary on an indicator: what the service says about the figure, per period, with every earlier version.

Beside the figure on the indicator page (``commentary_view``, ``_indicator_commentary.html``) and in its API: the
commentary for the month of the page's as-at (``leaders.period_of``), who wrote it and when, and for the roles that
write (``ROLES``) a form to write a new version. Every role that sees the indicator reads it (``READERS``: scrutiny
too) and opens its history, ``/indicators/{id}/commentary`` (every version of every period, each with what it
changed from the one before, word by word). A write is a form post with the session's CSRF token (or JSON to
``POST /api/v1/indicators/{id}/commentary`` with an API token), kept as a new version and audited
(``write_commentary``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from childhub.calendar import long_date
from childhub.indicators import Indicator
from childhub.web.deps import EVERY_ROLE, Signed, audit, context, csrf_protected, render, require, signed_in

ROLES = ("admin", "analyst", "manager")  # who may write; every role that sees the indicator reads it
READERS = EVERY_ROLE  # the indicator page's own roles (routes/indicators.py)

readers = APIRouter(dependencies=[Depends(require(*READERS))])
writers = APIRouter(dependencies=[Depends(require(*ROLES))])
readers_api = APIRouter(prefix="/api/v1", tags=["commentary"], dependencies=[Depends(require(*READERS))])
writers_api = APIRouter(prefix="/api/v1", tags=["commentary"], dependencies=[Depends(require(*ROLES))])


class CommentIn(BaseModel):
    """A commentary sent as JSON: its period (YYYY-MM) and text."""

    period: str
    text: str


def _hub(request: Request):
    return context(request).accounts.db


def _known(indicator_id: str) -> Indicator:
    from childhub.web.routes.indicators import known_indicator

    return known_indicator(indicator_id)


def _when(written_at: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(written_at)
    return f"{long_date(moment.date())} at {moment:%H:%M} UTC"


def _shown(comment) -> dict[str, Any]:
    return {
        "indicator_id": comment.indicator_id,
        "period": comment.period,
        "period_label": _month(comment.period),
        "text": comment.text,
        "paragraphs": [part for part in comment.text.split("\n") if part.strip()],
        "written_by": comment.written_by,
        "written_at": comment.written_at,
        "written_when": _when(comment.written_at),
        "version": comment.version,
    }


def _month(period: str) -> str:
    """ "2026-11" as "November 2026"."""
    year, month = period.split("-")
    return date(int(year), int(month), 1).strftime("%B %Y")


def commentary_view(request: Request, signed: Signed, ind: Indicator, as_at: date) -> dict[str, Any] | None:
    """The commentary on ``ind`` for the period of ``as_at``, as the page and the API show it: the current version
    (None when nothing is written), how many versions the period has, whether ``signed`` may write."""
    from childhub.leaders import comment_history, period_of

    period = period_of(as_at)
    versions = comment_history(_hub(request), ind.id, period)
    return {
        "period": period,
        "period_label": _month(period),
        "current": _shown(versions[0]) if versions else None,
        "versions": len(versions),
        "may_write": signed.role in ROLES,
        "history": f"/indicators/{ind.id}/commentary",
    }


def _history(request: Request, ind: Indicator) -> list[dict[str, Any]]:
    from childhub.leaders import comment_history, with_changes

    return [
        {**_shown(comment), "changes": [{"kind": c.kind, "text": c.text} for c in changed]}
        for comment, changed in with_changes(comment_history(_hub(request), ind.id))
    ]


def _write(request: Request, signed: Signed, ind: Indicator, period: str, text: str):
    from childhub.leaders import current_comment, write_comment

    hub = _hub(request)
    before = current_comment(hub, ind.id, period.strip())
    written = write_comment(hub, ind.id, period, text, signed.account.username)
    if before is None or written.version != before.version:
        audit(request, signed, "write_commentary", subject=ind.id, period=written.period, version=written.version)
    return written


@readers.get("/indicators/{indicator_id}/commentary", response_class=HTMLResponse)
def history_page(request: Request, indicator_id: str, signed: Signed = Depends(signed_in)):
    """Every version of the commentary on the indicator, every period, newest first, with what each changed."""
    ind = _known(indicator_id)
    return render(
        request,
        "commentary_history.html",
        signed,
        ind=ind,
        versions=_history(request, ind),
        may_write=signed.role in ROLES,
    )


@writers.post("/indicators/{indicator_id}/commentary")
def write_page(
    request: Request,
    indicator_id: str,
    period: str = Form(...),
    text: str = Form(...),
    as_at: str = Form(""),
    signed: Signed = Depends(csrf_protected),
):
    """Keep a new version of the commentary for the period; back to the indicator page as at the same date."""
    ind = _known(indicator_id)
    _write(request, signed, ind, period, text)
    try:
        back = f"?as_at={date.fromisoformat(as_at).isoformat()}"
    except ValueError:
        back = ""
    return RedirectResponse(f"/indicators/{ind.id}{back}#commentary", status_code=303)


@readers_api.get("/indicators/{indicator_id}/commentary", summary="Every version of an indicator's commentary")
def history_json(request: Request, indicator_id: str, signed: Signed = Depends(signed_in)) -> dict:
    """Every version of the commentary on the indicator (every period, newest first), with what each changed."""
    ind = _known(indicator_id)
    return {"indicator": ind.id, "versions": _history(request, ind)}


@writers_api.post("/indicators/{indicator_id}/commentary", summary="Write a new version of the commentary")
def write_json(
    request: Request, indicator_id: str, comment: CommentIn, signed: Signed = Depends(csrf_protected)
) -> dict:
    """Keep a new version of the commentary for ``period`` (YYYY-MM); the version kept."""
    ind = _known(indicator_id)
    return _shown(_write(request, signed, ind, comment.period, comment.text))


router = APIRouter()
router.include_router(readers)
router.include_router(writers)
api_router = APIRouter()
api_router.include_router(readers_api)
api_router.include_router(writers_api)
