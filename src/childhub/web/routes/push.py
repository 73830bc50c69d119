"""Records pushed by source systems: ``POST /api/v1/feeds/{feed}/records`` (docs/feeds.md).

A source system sends rows of one feed declared in ``feeds.yml`` with a feed token (``childhub feeds token
FEED``), the only credential this route takes and the only route a feed token opens. The rows become one batch
of the feed through ``childhub.hub.push_records``, committed before the answer goes out; the answer names every
rejected row (its number in the request, the field and the message) while the good rows load. Refusals write
nothing and answer one JSON error: 400 malformed JSON, 401 no token, 403 a token that is not this feed's, 404 no
such feed, 405 a feed that takes files only, 409 an idempotency key used with other rows, 413 too large, 422 not
``{"rows": [...]}`` or a row that cannot be a record of the feed, 429 the hub busy with another write.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from childhub.accounts import FeedToken
from childhub.web.deps import SESSION_COOKIE, Forbidden, NotSignedIn, RoleCheck, context

ROLES: tuple[str, ...] = ()  # no account's role may push: only a feed token, for its own feed
IDEMPOTENCY_KEY = r"^[\x20-\x7e]{1,200}$"  # printable ASCII


class FeedTokenOnly(RoleCheck):
    """The push route's declared roles (none: no session or API token of any role may push) and its check: a live
    feed token in ``Authorization: Bearer``. Which feed it may push to is the route's to check."""

    def __init__(self) -> None:
        super().__init__(ROLES)

    def __call__(self, request: Request) -> FeedToken:  # type: ignore[override]
        ctx = context(request)
        header = request.headers.get("authorization", "")
        secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = ctx.accounts.feed_token(secret) if secret else None
        if token is not None:
            return token
        if secret and ctx.accounts.token_account(secret) is not None:
            raise Forbidden("only a feed token may push records (childhub feeds token FEED); an API token may not")
        if secret:
            raise NotSignedIn("that feed token is not valid (unknown or revoked)")
        if ctx.accounts.session(request.cookies.get(SESSION_COOKIE, "")) is not None:
            raise Forbidden("only a feed token may push records (childhub feeds token FEED); a person may not")
        raise NotSignedIn("send a feed token as Authorization: Bearer <token> (childhub feeds token FEED)")


feed_token_only = FeedTokenOnly()
# Pushes waiting for the writer at once; more are answered busy at once (the app's threads serve pages too).
_WAITING = threading.BoundedSemaphore(4)
router = APIRouter(dependencies=[Depends(feed_token_only)])  # no pages: a feed token opens none
api_router = APIRouter(prefix="/api/v1", tags=["feeds"], dependencies=[Depends(feed_token_only)])


Value = str | int | float | bool | None


class PushRequest(BaseModel):
    """The rows to push: each a map of the feed's fields to their values."""

    rows: list[dict[str, Value]] = Field(
        min_length=1,
        description="Each row one record of the feed: its fields (an SSD table's columns, or the source columns "
        "of the feed's mapping) and their values, as text, numbers, true/false or null. A field left out is "
        "empty. Row 1 is the first.",
    )

    model_config = {"extra": "forbid"}


class _Sent(BaseModel):
    """The body as read: rows of any values, so ``childhub.hub`` names a value that is not one by row and field."""

    rows: list[dict[str, Any]] = Field(min_length=1)

    model_config = {"extra": "forbid"}


class RowProblem(BaseModel):
    row: int = Field(description="The row's number in the request (1 = the first).")
    field: str | None = Field(description="The field the problem is in.")
    message: str


class PushAnswer(BaseModel):
    """What became of a push: its batch, the rows received and loaded, and every rejected row."""

    feed: str
    batch_id: int = Field(description="The batch the rows are in (childhub batch N shows it).")
    idempotency_key: str
    received: int = Field(description="Rows received.")
    loaded: int = Field(description="Rows loaded (received less those rejected).")
    rejected: list[RowProblem] = Field(description="Each problem that kept a row out, by row, field and message.")
    warnings: list[RowProblem] = Field(description="Values taken as unknown in rows that did load.")
    replayed: bool = Field(description="True when this key was pushed before: this is that push's answer.")


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorAnswer(BaseModel):
    error: ErrorBody


def _refusal(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _refusal("The body is not JSON."),
    401: _refusal("No feed token, or one unknown or revoked."),
    403: _refusal("A token for another feed, an API token, or a signed-in person: only the feed's token may push."),
    404: _refusal("No such feed in feeds.yml."),
    405: _refusal("The feed takes files only (a kind: feed)."),
    409: _refusal("The idempotency key was used on this feed with other rows."),
    413: _refusal("More than push_max_bytes of body, or more than push_max_rows rows."),
    422: _refusal(
        'The body is not {"rows": [...]} with at least one row, the Idempotency-Key is missing or not 1-200 printable '
        "characters, or a row has a field the feed does not have or a value that is not one value."
    ),
    429: {
        **_refusal("The hub is busy with another write: try again after Retry-After seconds."),
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    },
}


class _TooLarge(Exception):
    pass


@api_router.post(
    "/feeds/{feed}/records",
    summary="Push records to a feed",
    response_model=PushAnswer,
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PushRequest.model_json_schema()}},
        }
    },
)
async def push(
    request: Request,
    feed: str,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY,
            description="1-200 printable characters naming this push: sending the same key again with the same "
            "rows returns the first answer and changes nothing.",
        ),
    ],
    token: FeedToken = Depends(feed_token_only),
):
    """Load rows of a feed as one batch (new versions of its records, by their source key). Answered once the
    batch is committed; rejected rows come back with row, field and message while the others load. Only the
    feed's own token (``childhub feeds token FEED``) may push."""
    from childhub.errors import StoreBusy
    from childhub.feeds import feeds_path, load_feeds
    from childhub.hub import PushConflict, PushRefused, push_records

    ctx = context(request)

    async def refuse(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        await run_in_threadpool(_audit_refusal, ctx.data_dir, token, feed, idempotency_key, status, message)
        return _error(status, message, headers)

    feeds = load_feeds(feeds_path(ctx.data_dir, ctx.settings))
    if feed not in feeds.feeds:
        known = ", ".join(sorted(feeds.feeds)) or "none is declared"
        return await refuse(404, f"there is no feed {feed!r} in the hub's feeds file ({known})")
    declared = feeds.get(feed)
    if token.feed != feed:
        return await refuse(403, f"this token may push records to feed {token.feed} only, not to {feed}")
    if not declared.takes_pushes:
        return await refuse(405, f"feed {feed} takes {declared.kind} files only, not pushed records")
    try:
        body = await _body(request, ctx.settings.push_max_bytes)
    except _TooLarge:
        return await refuse(
            413, f"the request is larger than {ctx.settings.push_max_bytes:,} bytes; send fewer rows a time"
        )
    try:
        sent = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return await refuse(400, f"the body is not JSON ({error})")
    except RecursionError:
        return await refuse(400, "the body is not JSON childhub can read (nested too deeply)")
    try:
        rows = _Sent.model_validate(sent).rows
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(part) for part in first["loc"]) or "body"
        return await refuse(422, f'the body should be {{"rows": [...]}} with at least one row: {place}: {first["msg"]}')
    if len(rows) > ctx.settings.push_max_rows:
        return await refuse(413, f"{len(rows):,} rows is more than {ctx.settings.push_max_rows:,} in one push")
    if not _WAITING.acquire(blocking=False):  # the threads serve pages too: only a few pushes wait for the writer
        return await refuse(429, "the hub is busy with other pushes; try again shortly", {"Retry-After": "2"})
    try:
        result = await run_in_threadpool(
            push_records, ctx.store, declared, rows, idempotency_key, authority=ctx.authority
        )
    except StoreBusy as busy:
        return await refuse(429, str(busy), {"Retry-After": str(busy.retry_after)})
    except PushConflict as conflict:
        return await refuse(409, str(conflict))
    except PushRefused as refused:
        return await refuse(422, str(refused))
    finally:
        _WAITING.release()
    await run_in_threadpool(_audit, ctx.data_dir, token, result)
    ctx.served.look_now()
    return PushAnswer(
        feed=result.feed,
        batch_id=result.batch_id,
        idempotency_key=result.idempotency_key,
        received=result.received,
        loaded=result.loaded,
        rejected=[RowProblem(row=p.row, field=p.field, message=p.message) for p in result.rejected],
        warnings=[RowProblem(row=p.row, field=p.field, message=p.message) for p in result.warnings],
        replayed=result.replayed,
    )


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused (``_TooLarge``) as soon as it says or proves to be over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


def _audit_refusal(data_dir, token: FeedToken, feed: str, key: str, status: int, message: str) -> None:
    """A push refused to a valid feed token, in the audit log (a token tried on another feed among them)."""
    from childhub.audit import record

    details = {"feed_token": token.token_id, "idempotency_key": key, "status": status, "message": message}
    record(data_dir, actor=token.name, channel="api", action="push_refused", subject=feed, details=details)


def _audit(data_dir, token: FeedToken, result) -> None:
    """The push in the audit log: who (the token's name), the feed, the batch and its rows."""
    from childhub.audit import record

    record(
        data_dir,
        actor=token.name,
        channel="api",
        action="push_records",
        subject=result.feed,
        details={
            "feed_token": token.token_id,
            "batch_id": result.batch_id,
            "idempotency_key": result.idempotency_key,
            "received": result.received,
            "loaded": result.loaded,
            "rejected_rows": len({p.row for p in result.rejected}),
            "replayed": result.replayed,
        },
    )
