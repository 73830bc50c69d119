"""The web app: ``create_app(settings)`` builds the FastAPI application ``childhub serve`` runs.

Server-rendered pages (Jinja2) and a REST API under ``/api/v1/`` over the same functions.
Every script and style is served by childhub itself: its own files in ``static/`` and Plotly's
``plotly.min.js`` from the installed ``plotly`` package. Each router checks its roles; errors
become one error page (or one JSON shape under ``/api/``), never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from childhub import __version__
from childhub.accounts import Accounts
from childhub.calendar import long_date
from childhub.errors import ChildhubError
from childhub.settings import Settings
from childhub.web.deps import Conflict, Forbidden, NotFound, NotSignedIn, WebContext, open_to_anyone, render, wants_json
from childhub.web.served import LiveServed, Served
from childhub.web.words import register as register_words

if TYPE_CHECKING:
    from childhub.store import LiveStore

HERE = Path(__file__).parent
# One module per resource in routes/, each with a ``router`` (its pages) and, where it has JSON for
# other systems, an ``api_router`` under /api/v1/.
ROUTERS = (
    "auth",
    "overview",
    "indicators",
    "children",
    "families",
    "search",
    "caseloads",
    "frontline",
    "demand",
    "clusters",
    "practice",
    "comparators",
    "commentary",
    "scrutiny",
    "evaluation",
    "cohorts",
    "sql",
    "annex_a",
    "review",
    "match_list",
    "reconciliation",
    "data_quality",
    "audit",
    "accounts",
    "feeds",
    "api",
    "push",
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
log = logging.getLogger("childhub.web")


def plotly_script() -> Path:
    """plotly.min.js as the installed plotly package ships it."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(settings: Settings, *, warm_first: bool = False, live: LiveStore | None = None) -> FastAPI:
    """The app for the hub in ``settings.data_dir`` (its published snapshot, accounts and audit log).

    The caller reads the settings (``childhub serve`` from the environment, tests build their own);
    the app honours every one of them, the authority settings file included. ``warm_first`` counts
    what the overview and indicator pages show on the published snapshot before the app is returned
    (``childhub serve`` does), so the first visitors do not wait. ``live``: the store the server holds
    (``childhub.live.LiveHub``): pages read it as each write commits and write through it; without it the app
    reads the published snapshots (tests, and an app run beside another process that holds the store).
    """
    from childhub.indicators import authority_for
    from childhub.web.measures import warm as warm_measures
    from childhub.web.routes.frontline import warm as warm_frontline

    def warm(snapshot, authority, **options) -> None:
        """What the overview and indicator pages show, then My cases' and My team's counts."""
        warm_measures(snapshot, authority, **options)
        warm_frontline(snapshot, authority)

    data_dir = Path(settings.data_dir)
    os.umask(0o077)  # downloads staged on disk and anything else the app writes: the hub account's alone
    app = FastAPI(
        title="childhub",
        version=__version__,
        description="A live, multi-agency children's data hub. The REST API lives under /api/v1/.",
        docs_url=None,  # the interactive docs would load scripts from a CDN; the schema is at /api/v1/openapi.json
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(_dates_in_range)],
    )
    authority = authority_for(data_dir, settings)
    if live is not None:
        served = LiveServed(live, data_dir, warm=lambda view: warm(view, authority, breakdowns=False))
    else:
        served = Served(data_dir, warm=lambda snapshot: warm(snapshot, authority))
    app.state.childhub = WebContext(
        settings=settings,
        authority=authority,
        accounts=Accounts(data_dir),
        served=served,
        templates=Jinja2Templates(directory=str(HERE / "templates")),
        live=live,
    )
    app.state.childhub.templates.env.globals["version"] = __version__
    register_words(app.state.childhub.templates.env)
    if warm_first:
        from childhub.store import current_snapshot

        if live is not None or current_snapshot(data_dir) is not None:
            warm(app.state.childhub.served.current(), authority)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False, dependencies=[Depends(open_to_anyone)])
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_script(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        try:
            response = await call_next(request)
        except Exception:  # the last line of defence: one error page, and the connection stays open
            log.exception("unexpected error on %s", request.url.path)
            response = _error(request, 500, "something went wrong on the server; it has been logged")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith(("/static/", "/vendor/")):
            response.headers["Cache-Control"] = "no-store"  # pages hold children's data
        return response

    _error_handlers(app)
    for name in ROUTERS:
        module = importlib.import_module(f"childhub.web.routes.{name}")
        app.include_router(module.router)
        if hasattr(module, "api_router"):  # the resource's JSON under /api/v1/, beside its pages
            app.include_router(module.api_router)
    return app


EARLIEST = date(1900, 1, 1)  # the first day a page counts from (periods reach back a year from the date asked)


def _dates_in_range(request: Request) -> None:
    """Refuse an ``as_at`` before ``EARLIEST`` in words (a year starting in the year 0 cannot be counted)."""
    text = request.query_params.get("as_at")
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return  # not a date: the route's own validation says so
    if day is not None and day < EARLIEST:
        raise ChildhubError(f"as_at: {text} is before {long_date(EARLIEST)}; ask for a date from then on")


def _error(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    from childhub.web.deps import signed_in

    try:
        signed = signed_in(request)
    except ChildhubError:
        signed = None
    return render(request, "error.html", signed, status_code=status, status=status, message=message)


def _error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"error": {"status": 401, "message": str(error)}}, status_code=401)
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return _error(request, 403, str(error))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, error: Conflict) -> Response:
        return _error(request, 409, str(error))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _error(request, 404, str(error))

    @app.exception_handler(ChildhubError)
    async def childhub_error(request: Request, error: ChildhubError) -> Response:
        return _error(request, 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'][1:]) or 'request'}: {item['msg']}" for item in error.errors()
        )
        return _error(request, 422, f"the request was not understood: {problems}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        message = "there is no such page" if error.status_code == 404 else str(error.detail)
        return _error(request, error.status_code, message)
