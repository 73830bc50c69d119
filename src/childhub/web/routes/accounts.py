"""Accounts for admins: add, disable and enable, change role or scope, reset a password, issue and revoke API
tokens; ``GET /api/v1/accounts`` lists them for other systems (no password hashes, no token secrets).

Every change goes through ``childhub.accounts.Administration``, the same code ``childhub users`` calls: one set of
rules decides (a practitioner needs a worker ID or a team, a manager a team or a service area, every one of them
known to the case system's data; the last admin cannot be disabled or demoted), and the change is written to the
audit log with the same action, subject and details as at the command line, the signed-in admin its actor.
Every change is a form post carrying the session's CSRF token. A password or token made here is shown once, on the
page that answers the post, and never again.

Accounts live in the hub database (SQLite), not the analytical store, so they change the same way whether or not
``childhub serve`` holds the store; the teams and workers a scope may name are read from the served facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from childhub.accounts import ROLES as ACCOUNT_ROLES
from childhub.accounts import (
    Account,
    AccountError,
    Accounts,
    Administration,
    Change,
    NoSuchAccount,
    Scope,
    Workforce,
    new_password,
)
from childhub.errors import StoreError
from childhub.web.deps import NotFound, Signed, audit, context, csrf_protected, render, require, signed_in

ROLES = ("admin",)
router = APIRouter(dependencies=[Depends(require(*ROLES))], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["accounts"], dependencies=[Depends(require(*ROLES))])

# Each role in words, with what it may see (the account pages and the API's role_label).
ROLE_LABELS = {
    "admin": "Administrator",
    "analyst": "Analyst",
    "manager": "Manager",
    "practitioner": "Practitioner",
    "scrutiny": "Scrutiny",
}
ROLE_HINTS = {
    "admin": "everything, the audit log and these accounts",
    "analyst": "every child, cohorts and the SQL console",
    "manager": "the children of their teams and service areas",
    "practitioner": "the children allocated to them or their team",
    "scrutiny": "figures only, small numbers hidden; never a child",
}
# What the page says after a change that shows nothing once (the post redirects here: ?done=<action>).
DONE = {
    "enable_account": "The account is enabled: they can sign in again with their password.",
    "disable_account": "The account is disabled: its sessions ended and its API tokens were revoked.",
    "set_role": "The role is changed: their sessions ended and their API tokens were revoked.",
    "set_scope": "What they work in is changed: they see by it from their next page.",
    "revoke_token": "The API token is revoked: it no longer works.",
    "nothing": "Nothing was changed: the role and what they work in were as given.",
}
# Where the error summary links for each field ``AccountError`` names.
FIELD_IDS = {
    "username": "username",
    "display_name": "display_name",
    "role": "role",
    "password": "password",
    "worker": "worker",
    "teams": "teams",
    "service_areas": "service_areas",
    "label": "label",
    "token": "tokens",
}


@dataclass(frozen=True)
class Problem:
    """One line for the error summary, and the field it links to (None: the form as a whole)."""

    message: str
    field: str | None


def _problem(error: AccountError) -> Problem:
    message = str(error)
    return Problem(message[:1].upper() + message[1:] + ".", FIELD_IDS.get(error.field or ""))


def _known(request: Request) -> Workforce | None:
    """The case system's teams and workers, as the served facts hold them (read once per state of those facts);
    None before any data is published (accounts can be managed then too, their IDs taken as given, as
    ``childhub users`` takes them with no store yet)."""
    from childhub.accounts import workforce

    try:
        snapshot = context(request).served.current()
    except StoreError:
        return None
    return snapshot.memo(("account_workforce",), lambda: workforce(snapshot.cursor()), reads=("team", "worker"))


def _workforce(request: Request) -> Workforce:
    """What the pages name teams and workers by (none known before any data is published: their IDs)."""
    return _known(request) or Workforce({}, {})


def _administration(request: Request, *, checking_scope: bool = False) -> Administration:
    ctx = context(request)
    return Administration(ctx.accounts, _known(request) if checking_scope else None)


def _record(request: Request, signed: Signed, change: Change) -> None:
    """The change in the audit log as ``childhub users`` records it; the actor is the signed-in admin."""
    audit(request, signed, change.action, change.subject, **change.details)


def _account(accounts: Accounts, username: str) -> Account:
    try:
        return accounts.get(username)
    except NoSuchAccount as missing:
        raise NotFound(str(missing)) from None


def _when(stamp: str | None) -> str:
    """A time the hub database keeps (UTC, ISO 8601) in words, UK time: "5 December 2026 at 14:05"."""
    if not stamp:
        return ""
    from childhub.feeds import when

    return when(datetime.fromisoformat(stamp).replace(tzinfo=UTC))


def _scope_of(worker: str, teams: list[str], service_areas: list[str]) -> Scope:
    return Scope(
        worker.strip() or None,
        tuple(dict.fromkeys(t.strip() for t in teams if t.strip())),
        tuple(dict.fromkeys(a.strip() for a in service_areas if a.strip())),
    )


def _choices(known: Workforce, scope: Scope) -> dict[str, Any]:
    """The teams and service areas a scope form offers: every one the case system knows, and any the account
    names that it no longer does (so they can be taken away)."""
    teams = [(team_id, name, area) for team_id, (name, area) in sorted(known.teams.items())]
    teams += [
        (team_id, f"{team_id} (not in the case system's data)", None)
        for team_id in scope.teams
        if team_id not in known.teams
    ]
    areas = [(area, area) for area in known.service_areas]
    areas += [
        (area, f"{area} (not in the case system's data)")
        for area in scope.service_areas
        if area not in known.service_areas
    ]
    return {"team_choices": teams, "area_choices": areas}


def _roles() -> list[tuple[str, str, str]]:
    return [(role, ROLE_LABELS[role], ROLE_HINTS[role]) for role in ACCOUNT_ROLES]


# --- the pages -----------------------------------------------------------------------------------------------


@router.get("/accounts")
def accounts_page(request: Request, role: str = "", signed: Signed = Depends(signed_in)) -> Response:
    """Every account (or those of one role): role and what they work in, in words; state; last sign-in; tokens."""
    if role and role not in ACCOUNT_ROLES:
        raise AccountError(f"there is no role {role!r}; the roles are {', '.join(ACCOUNT_ROLES)}", "role")
    accounts = context(request).accounts
    known = _workforce(request)
    last = accounts.last_sign_ins()
    live_tokens: dict[str, int] = {}
    for token in accounts.tokens():
        if not token.revoked:
            live_tokens[token.username] = live_tokens.get(token.username, 0) + 1
    rows = [
        {
            "account": account,
            "role": ROLE_LABELS[account.role],
            "works_in": known.describe(account),
            "last_sign_in": _when(last.get(account.username)),
            "tokens": live_tokens.get(account.username, 0),
        }
        for account in accounts.list()
        if not role or account.role == role
    ]
    return render(request, "accounts.html", signed, rows=rows, roles=_roles(), chosen_role=role)


@router.get("/accounts/new")
def new_account_page(request: Request, signed: Signed = Depends(signed_in)) -> Response:
    return _new_form(request, signed, {"role": "", "scope": Scope()})


def _new_form(request: Request, signed: Signed, typed: dict[str, Any], problem: Problem | None = None) -> Response:
    return render(
        request,
        "account.html",
        signed,
        status_code=200 if problem is None else 400,
        account=None,
        typed=typed,
        problem=problem,
        roles=_roles(),
        **_choices(_workforce(request), typed["scope"]),
    )


@router.post("/accounts")
def add_account(
    request: Request,
    signed: Signed = Depends(csrf_protected),
    username: str = Form("", max_length=200),
    display_name: str = Form("", max_length=200),
    role: str = Form("", max_length=40),
    worker: str = Form("", max_length=200),
    teams: list[str] = Form([]),
    service_areas: list[str] = Form([]),
    password: str = Form("", max_length=1024),
) -> Response:
    """Add an account: a password typed here, or one made and shown once."""
    scope = _scope_of(worker, teams, service_areas)
    typed = {"username": username.strip(), "display_name": display_name.strip(), "role": role, "scope": scope}
    made = new_password() if not password else None
    try:
        change = _administration(request, checking_scope=True).add(
            typed["username"], role, password or made, display_name=typed["display_name"], scope=scope
        )
    except AccountError as error:
        return _new_form(request, signed, typed, _problem(error))
    _record(request, signed, change)
    shown = {"what": "password", "value": made} if made else None
    message = "The account is added." + ("" if made else " They sign in with the password you gave.")
    return _account_page(request, signed, change.subject, done=message, shown_once=shown, status_code=201)


@router.get("/accounts/{username}")
def account_page(request: Request, username: str, done: str = "", signed: Signed = Depends(signed_in)) -> Response:
    return _account_page(request, signed, username, done=DONE.get(done))


def _account_page(
    request: Request,
    signed: Signed,
    username: str,
    *,
    done: str | None = None,
    shown_once: dict[str, str] | None = None,
    problem: Problem | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    accounts = context(request).accounts
    account = _account(accounts, username)
    known = _workforce(request)
    typed = typed or {"role": account.role, "scope": account.scope}
    return render(
        request,
        "account.html",
        signed,
        status_code=status_code,
        account=account,
        role_label=ROLE_LABELS[account.role],
        works_in=known.describe(account),
        last_sign_in=_when(accounts.last_sign_ins().get(account.username)),
        tokens=[
            {"token": token, "issued": _when(token.created_at), "revoked": _when(token.revoked_at)}
            for token in accounts.tokens(account.username)
        ],
        is_me=account.username.lower() == signed.account.username.lower(),
        done=done,
        shown_once=shown_once,
        problem=problem,
        typed=typed,
        roles=_roles(),
        **_choices(known, typed["scope"]),
    )


def _done(username: str, action: str) -> Response:
    return RedirectResponse(f"/accounts/{quote(username, safe='')}?done={action}", status_code=303)


def _refused(request: Request, signed: Signed, username: str, error: AccountError, **typed: Any) -> Response:
    return _account_page(request, signed, username, problem=_problem(error), typed=typed or None, status_code=400)


@router.post("/accounts/{username}/access")
def change_access(
    request: Request,
    username: str,
    signed: Signed = Depends(csrf_protected),
    role: str = Form("", max_length=40),
    worker: str = Form("", max_length=200),
    teams: list[str] = Form([]),
    service_areas: list[str] = Form([]),
) -> Response:
    """Change the role, what the account works in, or both (one form, checked together)."""
    account = _account(context(request).accounts, username)
    scope = _scope_of(worker, teams, service_areas)
    administration = _administration(request, checking_scope=scope != account.scope)
    try:
        if role != account.role:
            change = administration.set_role(account.username, role, scope if scope != account.scope else None)
        elif scope != account.scope:
            change = administration.set_scope(account.username, scope)
        else:
            return _done(account.username, "nothing")
    except AccountError as error:
        return _refused(request, signed, account.username, error, role=role, scope=scope)
    _record(request, signed, change)
    return _done(account.username, change.action)


@router.post("/accounts/{username}/disable")
def disable_account(request: Request, username: str, signed: Signed = Depends(csrf_protected)) -> Response:
    account = _account(context(request).accounts, username)
    try:
        change = _administration(request).disable(account.username)
    except AccountError as error:
        return _refused(request, signed, account.username, error)
    _record(request, signed, change)
    return _done(account.username, change.action)


@router.post("/accounts/{username}/enable")
def enable_account(request: Request, username: str, signed: Signed = Depends(csrf_protected)) -> Response:
    account = _account(context(request).accounts, username)
    change = _administration(request).enable(account.username)
    _record(request, signed, change)
    return _done(account.username, change.action)


@router.post("/accounts/{username}/password")
def reset_password(request: Request, username: str, signed: Signed = Depends(csrf_protected)) -> Response:
    """A new password, made here and shown once; the account's sessions end and its API tokens are revoked."""
    account = _account(context(request).accounts, username)
    password = new_password()
    change = _administration(request).set_password(account.username, password)
    _record(request, signed, change)
    return _account_page(
        request,
        signed,
        account.username,
        done="The password is reset: their sessions ended and their API tokens were revoked.",
        shown_once={"what": "password", "value": password},
    )


@router.post("/accounts/{username}/tokens")
def issue_token(
    request: Request,
    username: str,
    signed: Signed = Depends(csrf_protected),
    label: str = Form("", max_length=200),
) -> Response:
    """A new API token for the account, shown once (only its hash is kept)."""
    account = _account(context(request).accounts, username)
    try:
        token, change = _administration(request).issue_token(account.username, label.strip())
    except AccountError as error:
        return _refused(request, signed, account.username, error)
    _record(request, signed, change)
    return _account_page(
        request,
        signed,
        account.username,
        done=f"API token {change.details['token']} is issued.",
        shown_once={"what": "API token", "value": token},
        status_code=201,
    )


@router.post("/accounts/{username}/tokens/{token_id}/revoke")
def revoke_token(request: Request, username: str, token_id: int, signed: Signed = Depends(csrf_protected)) -> Response:
    account = _account(context(request).accounts, username)
    try:
        change = _administration(request).revoke_token(account.username, token_id)
    except AccountError as error:
        return _refused(request, signed, account.username, error)
    _record(request, signed, change)
    return _done(account.username, change.action)


# --- the API -------------------------------------------------------------------------------------------------


class TeamOut(BaseModel):
    team_id: str
    team_name: str | None = Field(description="the team's name in the case system (None if it does not know it)")
    service_area: str | None


class AccountOut(BaseModel):
    """An account as other systems see it: no password hash, no token secrets."""

    username: str
    display_name: str
    role: str
    role_label: str = Field(description="the role in words")
    works_in: str = Field(description="what the account may see, in words: team and worker names")
    worker_id: str | None
    worker_name: str | None
    teams: list[TeamOut]
    service_areas: list[str]
    disabled: bool
    last_sign_in: datetime | None = Field(description="UTC; None if it has never signed in")
    api_tokens: int = Field(description="API tokens it holds that are not revoked")


class AccountList(BaseModel):
    accounts: list[AccountOut]


@api_router.get("/accounts", summary="Every account: role, what it works in, state (no hashes, no tokens)")
def accounts_json(request: Request, signed: Signed = Depends(signed_in)) -> AccountList:
    accounts = context(request).accounts
    known = _workforce(request)
    last = accounts.last_sign_ins()
    live = [token.username for token in accounts.tokens() if not token.revoked]
    return AccountList(
        accounts=[
            AccountOut(
                username=account.username,
                display_name=account.display_name,
                role=account.role,
                role_label=ROLE_LABELS[account.role],
                works_in=known.describe(account),
                worker_id=account.worker_id,
                worker_name=known.workers.get(account.worker_id) if account.worker_id else None,
                teams=[
                    TeamOut(
                        team_id=team,
                        team_name=known.teams.get(team, (None, None))[0],
                        service_area=known.teams.get(team, (None, None))[1],
                    )
                    for team in account.teams
                ],
                service_areas=list(account.service_areas),
                disabled=account.disabled,
                last_sign_in=datetime.fromisoformat(last[account.username]) if account.username in last else None,
                api_tokens=live.count(account.username),
            )
            for account in accounts.list()
        ]
    )
