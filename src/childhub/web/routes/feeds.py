"""How fresh each feed is, for an authority's monitoring and its people.

``GET /healthz`` needs no sign-in and names no child: 200 while the store is readable and every declared feed
is fresh or late, 503 when any is overdue or has never delivered, or the store cannot be read. It gives each
feed's name, state, as-at and last delivery: a monitoring system needs the names to say which source stopped,
and they are the authority's own words for its sources, not data about children (an authority that would
rather not show them should let only its monitoring reach ``/healthz``). ``GET /api/v1/feeds`` gives the full
detail (cadence, rows in the last batch, whether it failed, the tables each feed fills) to the admins who run
the feeds and the analysts who answer for the figures; the overview shows every role the as-at and state of
each source (``feed_freshness``, used by the overview and indicator pages too).

The store is read once per snapshot (``childhub.feeds.deliveries``, cached with the snapshot) and judged on
every request against the time now, so a feed turns late while nothing is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from childhub.errors import ChildhubError
from childhub.web.deps import Signed, context, open_to_anyone, require, signed_in

if TYPE_CHECKING:
    from childhub.feeds import FeedFreshness, Feeds
    from childhub.web.served import Snapshot

ROLES = ("admin", "analyst")
router = APIRouter(tags=["feeds"], dependencies=[Depends(open_to_anyone)])
api_router = APIRouter(prefix="/api/v1", tags=["feeds"], dependencies=[Depends(require(*ROLES))])
State = Literal["fresh", "late", "overdue", "never", "no cadence"]
log = logging.getLogger("childhub.web")


@dataclass(frozen=True)
class Judged:
    """Every feed as judged now, and what is wrong with ``feeds.yml`` if it cannot be read (its feeds are then
    left out, and the feeds the store holds are shown without a cadence)."""

    feeds: list[FeedFreshness]
    checked_at: datetime
    problem: str | None = None


def feed_freshness(request: Request) -> Judged:
    """Each feed's freshness now, from the served snapshot (read once per snapshot) and ``feeds.yml``."""
    from childhub.feeds import judge

    ctx = context(request)
    snapshot = ctx.served.current()
    feeds, problem = _declared(ctx.data_dir, ctx.settings)
    now = _now()
    return Judged(judge(feeds, _deliveries(snapshot), now), now, problem)


def _now() -> datetime:
    from childhub.feeds import LOCAL_TIME

    return datetime.now(LOCAL_TIME)


def _deliveries(snapshot: Snapshot):
    from childhub.feeds import deliveries

    return snapshot.memo(("feed_deliveries",), lambda: deliveries(snapshot.cursor()))


def _declared(data_dir: Path, settings) -> tuple[Feeds, str | None]:
    """The feeds ``feeds.yml`` declares (read again only when the file changes), or none and the problem."""
    from childhub.feeds import feeds_path

    path = feeds_path(data_dir, settings)
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        changed = None
    return _read_feeds(path, changed)


_READ: dict[Path, tuple[int | None, tuple[Feeds, str | None]]] = {}


def _read_feeds(path: Path, changed: int | None) -> tuple[Feeds, str | None]:
    from childhub.feeds import Feeds, load_feeds

    kept = _READ.get(path)
    if kept is not None and kept[0] == changed:
        return kept[1]
    try:
        found: tuple[Feeds, str | None] = (load_feeds(path), None)
    except ChildhubError as error:
        found = (Feeds(), str(error))
    _READ[path] = (changed, found)
    return found


# --- the models of the OpenAPI schema ------------------------------------------------------------------


class FeedHealth(BaseModel):
    """One feed as monitoring sees it."""

    state: State = Field(
        description="fresh, late (amber), overdue (red), never (declared, nothing yet: red), "
        "or no cadence (not declared)"
    )
    as_at: datetime | date | None = Field(description="what its data are as at: a date, or a time for changes")
    last_delivered: datetime | None = Field(description="when its last batch finished, loaded or not")


class Health(BaseModel):
    """The hub's health: ok (every declared feed fresh), degraded (one late: 200; one overdue or never: 503),
    or down (the store cannot be read: 503)."""

    status: Literal["ok", "degraded", "down"]
    feeds: dict[str, FeedHealth]
    problem: str | None = Field(None, description="why the feeds' declaration could not be read, if it could not")


class FeedDetail(BaseModel):
    """One feed in full."""

    name: str = Field(description="the name feeds.yml declares, or the batches' feed name for one it does not")
    description: str
    declared: bool
    batch_feed: str = Field(description="the name its batches are recorded under")
    cadence: str | None = Field(description="how often a delivery is due, in words ('every hour')")
    cadence_seconds: int | None
    red_after: float | None = Field(description="overdue after this many times its cadence")
    state: State
    label: str = Field(description="the state in a word or two: Fresh, Late, Overdue, Never delivered")
    flag: Literal["amber", "red"] | None
    summary: str = Field(description="the state in words: 'late: due every hour; last delivered 3 hours ago'")
    as_at: datetime | date | None
    as_at_text: str
    last_delivered: datetime | None
    last_delivery_failed: bool
    last_loaded: datetime | None = Field(description="when its last loaded batch finished")
    rows_read: int | None = Field(description="rows in its last batch")
    rows_loaded: int | None
    rows_rejected: int | None
    batches: int = Field(description="loaded batches")
    tables: list[str] = Field(description="the canonical tables its batches fill")


class FeedList(BaseModel):
    """Every feed, judged at ``checked_at``."""

    checked_at: datetime
    feeds: list[FeedDetail]
    problem: str | None = Field(None, description="why feeds.yml could not be read, if it could not")


def detail(feed: FeedFreshness) -> FeedDetail:
    """A feed's freshness as the API gives it."""
    return FeedDetail(
        name=feed.name,
        description=feed.description,
        declared=feed.declared,
        batch_feed=feed.batch_feed,
        cadence=feed.cadence_text if feed.cadence is not None else None,
        cadence_seconds=int(feed.cadence.total_seconds()) if feed.cadence is not None else None,
        red_after=feed.red_after,
        state=feed.state,
        label=feed.label,
        flag=feed.flag,
        summary=feed.summary,
        as_at=feed.as_at,
        as_at_text=feed.as_at_text,
        last_delivered=feed.last_delivered,
        last_delivery_failed=feed.last_delivery_failed,
        last_loaded=feed.last_loaded,
        rows_read=feed.rows_read,
        rows_loaded=feed.rows_loaded,
        rows_rejected=feed.rows_rejected,
        batches=feed.batches,
        tables=list(feed.tables),
    )


# --- the routes -------------------------------------------------------------------------------------------


@router.get(
    "/healthz",
    summary="The hub's health and each feed's freshness, for monitoring (no sign-in)",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "a declared feed is overdue or never delivered, or the store cannot be read",
        }
    },
)
def healthz(request: Request) -> JSONResponse:
    """200 while the store is readable and every declared feed is fresh or late; 503 otherwise."""
    from childhub.feeds import health, healthy

    try:
        judged = feed_freshness(request)
    except Exception:  # whatever keeps the store from being read, monitoring is told it is down
        log.exception("healthz could not read the store")
        return JSONResponse(Health(status="down", feeds={}).model_dump(mode="json"), status_code=503)
    shown = Health(
        status="degraded" if judged.problem else health(judged.feeds),
        feeds={
            feed.name: FeedHealth(state=feed.state, as_at=feed.as_at, last_delivered=feed.last_delivered)
            for feed in judged.feeds
        },
        problem="the feeds' declaration (feeds.yml) cannot be read" if judged.problem else None,
    )
    ok = healthy(judged.feeds) and judged.problem is None
    return JSONResponse(shown.model_dump(mode="json"), status_code=200 if ok else 503)


@api_router.get("/feeds", summary="Every feed: as-at, last delivery, state and what it fills", response_model=FeedList)
def feeds_json(request: Request, signed: Signed = Depends(signed_in)) -> FeedList:
    """Each declared feed, then each other feed the store holds, judged now."""
    judged = feed_freshness(request)
    return FeedList(checked_at=judged.checked_at, feeds=[detail(f) for f in judged.feeds], problem=judged.problem)
