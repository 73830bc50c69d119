"""What every route shares: who is signed in, what their role allows, CSRF, the audit log, rendering.

A route module declares its roles once (``ROLES = ("admin", "analyst")``) and its routers require
them (``dependencies=[Depends(require(*ROLES))]``); the navigation and the route-by-role tests read
those declarations from the app's routes (``allowed``). Each route takes the ``Signed`` identity it
needs with ``signed: Signed = Depends(signed_in)``. Pages and the API share the same identities: a
session cookie (browser) or ``Authorization: Bearer`` with an API token (other systems). Form posts
from a browser must carry the session's CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from childhub.accounts import ROLES, Account, Accounts
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from childhub.indicators import AuthoritySettings
    from childhub.settings import Settings
    from childhub.store import Store
    from childhub.web.served import Served

SESSION_COOKIE = "childhub_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# The navigation; each role is shown the pages its role may open, as their routers declare (``navigation_for``).
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Overview", "/"),
    ("My cases", "/my-cases"),
    ("My team", "/my-team"),
    ("Find a child", "/search"),
    ("Caseloads", "/caseloads"),
    ("Front door", "/front-door"),
    ("Care projection", "/care-projection"),
    ("Clusters", "/clusters"),
    ("Practice quality", "/practice-quality"),
    ("Scrutiny pack", "/scrutiny"),
    ("Self-evaluation", "/self-evaluation"),
    ("Cohorts", "/cohorts"),
    ("SQL", "/sql"),
    ("Annex A", "/annex-a"),
    ("Review", "/review"),
    ("Match a list", "/match-list"),
    ("Reconciliation", "/reconciliation"),
    ("Data quality", "/data-quality"),
    ("Audit log", "/audit"),
    ("Accounts", "/accounts"),
    ("API", "/api"),
)
EVERY_ROLE = ROLES
SIGNED_OUT = "signed out"  # not a role: who else a route open to anyone lets in


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
    live: Store | None = None  # the store ``childhub serve`` holds, when it does

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def store(self) -> Store:
        """The store every write of the app goes through (``childhub.hub``'s functions take it): the one the server
        holds, or else the data folder's."""
        if self.live is not None:
            return self.live
        from childhub.store import Store

        return Store(self.data_dir)

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


def client_address(request: Request) -> str:
    """The address the request came from, as uvicorn gives it (a trusted proxy's forwarded one, or the
    connection's own); "unknown" where there is none."""
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
        if account is None and ctx.accounts.feed_token(header[7:].strip()) is not None:
            raise Forbidden("a feed token may only push records to its feed (POST /api/v1/feeds/{feed}/records)")
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


class RoleCheck:
    """A router's declared roles, as its dependency: lets only ``roles`` through (403 for any other
    signed-in role; the signed-out are asked to sign in)."""

    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = frozenset(roles)

    def __call__(self, signed: Signed = Depends(signed_in)) -> Signed:
        if signed.role not in self.roles:
            raise Forbidden(f"your role ({signed.role}) cannot open this page")
        return signed


def require(*roles: str) -> RoleCheck:
    """A dependency that lets only ``roles`` through (403 for any other signed-in role)."""
    return RoleCheck(roles)


def open_to_anyone() -> None:
    """Declares a route anyone may open, signed in or not: signing in, and the app's own script files."""


def allowed(dependencies: Iterable[Any]) -> frozenset[str] | None:
    """Who may open a route with these dependencies (its routers' and its own ``Depends``): the roles
    every ``require()`` among them lets through, or every role and ``SIGNED_OUT`` for a route open to
    anyone; None if it declares neither."""
    checks = [dependency.dependency for dependency in dependencies]
    if open_to_anyone in checks:
        return frozenset((*EVERY_ROLE, SIGNED_OUT))
    declared = [check.roles for check in checks if isinstance(check, RoleCheck)]
    return frozenset.intersection(*declared) if declared else None


def navigation_for(app: FastAPI, role: str) -> list[tuple[str, str]]:
    """The links of ``NAVIGATION`` whose page ``role`` may open, as the page's routers declare."""
    from fastapi.routing import APIRoute, iter_route_contexts

    page_roles = {
        route.path: allowed(route.dependencies)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and "GET" in (route.methods or ())
    }
    return [(label, href) for label, href in NAVIGATION if role in (page_roles.get(href) or ())]


async def csrf_protected(request: Request, signed: Signed = Depends(signed_in)) -> Signed:
    """For a browser's form post: the form (or header) must carry this session's CSRF token."""
    if signed.channel == "api":
        return signed  # a bearer token cannot be sent by another site's form
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = str(form.get(CSRF_FIELD, ""))
    if not signed.csrf_token or not same_token(sent, signed.csrf_token):
        raise Forbidden("the form was out of date or not sent from this site; reload the page and try again")
    return signed


def same_token(sent: str, expected: str) -> bool:
    """Whether ``sent`` is ``expected``, compared in constant time; any text may be sent (compared as
    UTF-8 bytes: ``hmac.compare_digest`` refuses non-ASCII str)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def audit(
    request: Request,
    signed: Signed,
    action: str,
    subject: str | None = None,
    child_count: int | None = None,
    *,
    children: Iterable[str] = (),
    **details: Any,
) -> None:
    """Record in the audit log that ``signed`` did ``action`` (a view, search, export or query), naming the
    ``children`` (child keys) it showed: every key of a list or download, up to ``childhub.audit``'s cap."""
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
        children=children,
    )


def render(
    request: Request, template: str, signed: Signed | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A page: ``template`` with the signed-in user, their navigation and the CSRF token."""
    ctx = context(request)
    navigation = []
    if signed is not None:
        navigation = navigation_for(request.app, signed.role)
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
