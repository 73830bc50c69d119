"""Signing in and out. The sign-in form is protected by a double-submit CSRF cookie of its own.

Every sign-in (a success as ``sign_in`` by the account, a failure as ``sign_in_failed`` by ``anonymous``
with the name that was tried) and every sign-out is written to the audit log, with the client address.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from childhub.accounts import SESSION_HOURS, SignInRefused
from childhub.audit import record
from childhub.settings import PLAIN_HTTP_ADVICE
from childhub.web.deps import (
    EVERY_ROLE,
    SESSION_COOKIE,
    Signed,
    audit,
    client_address,
    context,
    csrf_protected,
    open_to_anyone,
    render,
    require,
    same_token,
)

router = APIRouter(include_in_schema=False)
OPEN = [Depends(open_to_anyone)]  # signing in: for anyone
SIGNED_IN = [Depends(require(*EVERY_ROLE))]  # signing out: for anyone signed in
LOGIN_CSRF_COOKIE = "childhub_login_csrf"
_PLAIN_HTTP = (
    "Signing in cannot work at http://{host}: childhub's sign-in cookies are marked Secure, and a browser keeps "
    "Secure cookies over plain HTTP only from its own computer (localhost). Ask whoever runs childhub to "
    + PLAIN_HTTP_ADVICE
    + "."
)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no '//' (an open redirect otherwise)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _plain_http(request: Request) -> str | None:
    """Why signing in cannot work, when the browser reached childhub over plain HTTP at a network address."""
    if request.url.scheme == "http" and context(request).settings.sign_in_refused_over_http(request.url.hostname):
        return _PLAIN_HTTP.format(host=request.url.hostname)
    return None


def _login_page(request: Request, next_path: str, message: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", None, status_code=status_code, next_path=next_path, login_csrf=token, message=message
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        secure=context(request).secure_cookies,
        samesite="strict",
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=OPEN)
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
    return _login_page(request, _safe_next(next), _plain_http(request))


@router.post("/login", dependencies=OPEN)
def login(
    request: Request,
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    next_path: str = Form("/", max_length=2048),
    login_csrf: str = Form("", max_length=128),
) -> Response:
    ctx = context(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not same_token(login_csrf, cookie):
        stale = _plain_http(request) or "The form was out of date; please sign in again."
        return _login_page(request, _safe_next(next_path), stale, 400)
    client = client_address(request)
    name = username.strip()
    try:
        token, session = ctx.accounts.sign_in(name, password, client)
    except SignInRefused as refused:
        record(
            ctx.data_dir,
            actor="anonymous",
            channel="web",
            action="sign_in_failed",
            subject=name,
            details={"client": client, "reason": str(refused)},
        )
        return _login_page(request, _safe_next(next_path), str(refused).capitalize() + ".", 401)
    record(
        ctx.data_dir,
        actor=session.account.username,
        role=session.account.role,
        channel="web",
        action="sign_in",
        details={"client": client},
    )
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=ctx.secure_cookies,
        samesite="lax",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=SIGNED_IN)
def logout(request: Request, signed: Signed = Depends(csrf_protected)) -> Response:
    context(request).accounts.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    audit(request, signed, "sign_out", client=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
