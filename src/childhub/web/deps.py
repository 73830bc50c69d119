"""What every route shares: who is signed in, what their role allows, CSRF, the audit log, rendering.

A router declares its roles once (``dependencies=[Depends(require("admin", "analyst"))]``) and each
route takes the ``Signed`` identity it needs with ``signed: Signed = Depends(signed_in)``. Pages
and the API share the same identities: a session cookie (browser) or ``Authorization: Bearer``
with an API token (other systems). Form posts from a browser must carry the session's CSRF token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from childhub.accounts import Account, Accounts
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from childhub.indicators.targets import AuthoritySettings
    from childhub.settings import Settings
    from childhub.web.served import Served

SESSION_COOKIE = "childhub_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# What each role is shown in the navigation (and allowed, by each router's own require()).
NAVIGATION: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Overview", "/", ("admin", "analyst", "manager", "practitioner", "scrutiny")),
    ("Find a child", "/search", ("admin", "analyst", "manager", "practitioner")),
    ("Caseloads", "/caseloads", ("admin", "analyst", "manager")),
    ("Cohorts", "/cohorts", ("admin", "analyst")),
    ("SQL", "/sql", ("admin", "analyst")),
    ("Annex A", "/annex-a", ("admin", "analyst")),
    ("Review", "/review", ("admin", "analyst")),
    ("Audit log", "/audit", ("admin",)),
    ("API", "/api", ("admin", "analyst", "manager", "practitioner", "scrutiny")),
)


class NotSignedIn(ChildhubError):
    """No valid session or token: pages redirect to sign in, the API answers 401."""


class Forbidden(ChildhubError):
    """Signed in, but the role does not allow this: 403."""


class Conflict(ChildhubError):
    """The store is busy with another writer (an ingest): 409, try again shortly."""


class NotFound(ChildhubError):
    """No such thing (or not one the user may know exists): 404."""


@dataclass(frozen=True)
class Signed:
    """The signed-in identity of one request."""

    account: Account
    channel: str  # web (session cookie) or api (token)
    csrf_token: str | None  # web only

    @property
    def role(self) -> str:
        return self.account.role


@dataclass
class WebContext:
    """What the app was started with: its settings, the authority's settings, the hub's accounts and
    snapshots, the page templates."""

    settings: Settings
    authority: AuthoritySettings
    accounts: Accounts
    served: Served
    templates: Jinja2Templates

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def secure_cookies(self) -> bool:
        return self.settings.secure_cookies

    @property
    def small_number(self) -> int:
        return self.settings.small_number_threshold

    @property
    def authority_name(self) -> str:
        return self.authority.name


def context(request: Request) -> WebContext:
    return request.app.state.childhub


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def signed_in(request: Request) -> Signed:
    """The request's identity, from an API token or the session cookie; NotSignedIn if neither holds."""
    cached = getattr(request.state, "signed", None)
    if cached is not None:
        return cached
    ctx = context(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        account = ctx.accounts.token_account(header[7:].strip())
        if account is None:
            raise NotSignedIn("that API token is not valid (unknown, revoked, or its account is disabled)")
        signed = Signed(account, "api", None)
    else:
        session = ctx.accounts.session(request.cookies.get(SESSION_COOKIE, ""))
        if session is None:
            raise NotSignedIn("sign in to continue")
        signed = Signed(session.account, "web", session.csrf_token)
    request.state.signed = signed
    return signed


def require(*roles: str):
    """A dependency that lets only ``roles`` through (403 for any other signed-in role)."""

    def check(signed: Signed = Depends(signed_in)) -> Signed:
        if signed.role not in roles:
            raise Forbidden(f"your role ({signed.role}) cannot open this page")
        return signed

    return check


async def csrf_protected(request: Request, signed: Signed = Depends(signed_in)) -> Signed:
    """For a browser's form post: the form (or header) must carry this session's CSRF token."""
    if signed.channel == "api":
        return signed  # a bearer token cannot be sent by another site's form
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = str(form.get(CSRF_FIELD, ""))
    if not signed.csrf_token or not hmac.compare_digest(sent, signed.csrf_token):
        raise Forbidden("the form was out of date or not sent from this site; reload the page and try again")
    return signed


def audit(
    request: Request,
    signed: Signed,
    action: str,
    subject: str | None = None,
    child_count: int | None = None,
    **details: Any,
) -> None:
    """Record in the audit log that ``signed`` did ``action`` (a view, search, export or query)."""
    from childhub.audit import record

    record(
        context(request).data_dir,
        actor=signed.account.username,
        role=signed.role,
        channel=signed.channel,
        action=action,
        subject=subject,
        child_count=child_count,
        details={"path": request.url.path, **details},
    )


def render(
    request: Request, template: str, signed: Signed | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A page: ``template`` with the signed-in user, their navigation and the CSRF token."""
    ctx = context(request)
    navigation = []
    if signed is not None:
        navigation = [(label, href) for label, href, roles in NAVIGATION if signed.role in roles]
    return ctx.templates.TemplateResponse(
        request,
        template,
        {
            "signed": signed,
            "navigation": navigation,
            "csrf_token": signed.csrf_token if signed else None,
            "authority_name": ctx.authority_name,
            "small_number": ctx.small_number,
            **values,
        },
        status_code=status_code,
    )


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")
