"""Accounts, roles, sessions, API tokens and sign-in throttling, kept in the hub database.

Roles, least privilege first:

- ``scrutiny``: aggregates only, small numbers suppressed; never a child's record.
- ``practitioner``: the children allocated to them or their team, with those children's
  cross-service summary.
- ``manager``: every child in their teams and service areas.
- ``analyst``: all data, the cohort builder and the SQL console.
- ``admin``: everything, and the audit log.

Passwords are hashed with argon2id (argon2-cffi). A session, API token or feed token is a random
secret shown once; only its SHA-256 is stored. A feed token belongs to no account: it may push records
to one feed (``POST /api/v1/feeds/{feed}/records``) and do nothing else. After ``MAX_FAILURES``
failed sign-ins for one account, or ``MAX_CLIENT_FAILURES`` from one client address, within
``THROTTLE_MINUTES``, further attempts are refused until the window passes, whatever the password.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from childhub.errors import ChildhubError
from childhub.store import HubDatabase, utc_now

Role = Literal["admin", "analyst", "manager", "practitioner", "scrutiny"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "manager", "practitioner", "scrutiny")
SESSION_HOURS = 8
MAX_FAILURES = 5  # for one account
MAX_CLIENT_FAILURES = 20  # from one client address, whatever the accounts tried
_CHECKING = 2  # login_attempt.succeeded while the password is being checked (0 failed, 1 succeeded)
THROTTLE_MINUTES = 15
MIN_PASSWORD_LENGTH = 12


class AccountError(ChildhubError):
    """An account could not be created or changed as asked; ``field`` names the input at fault, where one is
    (username, role, password, worker, teams, service_areas, label), so a form can point at it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NoSuchAccount(AccountError):
    """There is no account of that name."""


class SignInRefused(ChildhubError):
    """A sign-in failed: wrong name or password, a disabled account, or too many attempts."""


@dataclass(frozen=True)
class Scope:
    """What an account works in: a practitioner's worker ID and teams, a manager's teams and service areas."""

    worker_id: str | None = None
    teams: tuple[str, ...] = ()
    service_areas: tuple[str, ...] = ()

    def as_details(self) -> dict[str, object]:
        """The scope as the audit log records it."""
        return {"worker": self.worker_id, "teams": list(self.teams), "service_areas": list(self.service_areas)}


@dataclass(frozen=True)
class Account:
    account_id: int
    username: str
    display_name: str
    role: Role
    worker_id: str | None
    teams: tuple[str, ...]
    service_areas: tuple[str, ...]
    disabled: bool

    @property
    def sees_children(self) -> bool:
        """Whether the role may see any child's record at all."""
        return self.role != "scrutiny"

    @property
    def sees_all_children(self) -> bool:
        return self.role in ("admin", "analyst")

    @property
    def scope(self) -> Scope:
        return Scope(self.worker_id, self.teams, self.service_areas)


@dataclass(frozen=True)
class ApiToken:
    """An account's API token as an admin sees it: its ID, label and dates (its secret is never kept)."""

    token_id: int
    username: str
    label: str
    created_at: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class FeedToken:
    """A token that may push records to one feed and do nothing else (its secret is never kept)."""

    token_id: int
    feed: str
    name: str
    created_at: str
    created_by: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


FEED_TOKEN_PREFIX = "chfeed_"


@dataclass(frozen=True)
class Session:
    account: Account
    csrf_token: str
    expires_at: str


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _account(row) -> Account:
    return Account(
        account_id=row["account_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        worker_id=row["worker_id"],
        teams=tuple(json.loads(row["teams_json"])),
        service_areas=tuple(json.loads(row["service_areas_json"])),
        disabled=bool(row["disabled"]),
    )


class Accounts:
    """The accounts of the hub in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.db = HubDatabase(data_dir)

    # --- managing accounts ------------------------------------------------------------------

    def add(
        self,
        username: str,
        role: str,
        password: str,
        *,
        display_name: str | None = None,
        worker_id: str | None = None,
        teams: tuple[str, ...] = (),
        service_areas: tuple[str, ...] = (),
        workforce: Workforce | None = None,
    ) -> Account:
        """A new account. ``workforce`` (the case system's teams and workers) refuses a scope naming one it does
        not know; without it the IDs are taken as given."""
        _check_username(username)
        _check_role(role)
        scope = Scope(worker_id or None, tuple(teams), tuple(service_areas))
        _check_scope(role, scope, workforce)
        _check_password(password)
        now = utc_now()
        with self.db.connect() as conn:
            if conn.execute("SELECT 1 FROM account WHERE username = ?", [username]).fetchone():
                raise AccountError(f"there is already an account called {username!r}", "username")
            conn.execute(
                "INSERT INTO account (username, display_name, role, password_hash, worker_id, teams_json, "
                "service_areas_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    username,
                    display_name or username,
                    role,
                    _hasher().hash(password),
                    worker_id,
                    json.dumps(list(teams)),
                    json.dumps(list(service_areas)),
                    now,
                    now,
                ],
            )
        return self.get(username)

    def get(self, username: str) -> Account:
        with self.db.connect(write=False) as conn:
            row = conn.execute("SELECT * FROM account WHERE username = ?", [username]).fetchone()
        if row is None:
            raise NoSuchAccount(f"there is no account called {username!r}")
        return _account(row)

    def find(self, username: str) -> Account | None:
        """The account called ``username``, or None."""
        try:
            return self.get(username)
        except NoSuchAccount:
            return None

    def list(self) -> list[Account]:
        with self.db.connect(write=False) as conn:
            return [_account(row) for row in conn.execute("SELECT * FROM account ORDER BY username")]

    def set_role(
        self, username: str, role: str, scope: Scope | None = None, *, workforce: Workforce | None = None
    ) -> Account:
        """Change the account's role (and its scope with it, if ``scope`` is given), checked as ``add`` checks a
        new account's; its sessions end and its API tokens are revoked. Refused if it would leave no admin."""
        _check_role(role)
        account = self.get(username)
        scope = account.scope if scope is None else scope
        _check_scope(role, scope, workforce)
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE account SET role = ?, worker_id = ?, teams_json = ?, service_areas_json = ?, updated_at = ? "
                "WHERE username = ?",
                [
                    role,
                    scope.worker_id,
                    json.dumps(list(scope.teams)),
                    json.dumps(list(scope.service_areas)),
                    utc_now(),
                    username,
                ],
            )
            _keep_an_admin(conn, account, "change the role of")
            _end_access(conn, username)  # a new role starts with a new sign-in and new tokens
        return self.get(username)

    def set_scope(self, username: str, scope: Scope, *, workforce: Workforce | None = None) -> Account:
        """Change what the account works in, checked as ``add`` checks it; its sessions and tokens carry on, and
        see by the new scope from their next request."""
        account = self.get(username)
        _check_scope(account.role, scope, workforce)
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE account SET worker_id = ?, teams_json = ?, service_areas_json = ?, updated_at = ? "
                "WHERE username = ?",
                [
                    scope.worker_id,
                    json.dumps(list(scope.teams)),
                    json.dumps(list(scope.service_areas)),
                    utc_now(),
                    username,
                ],
            )
        return self.get(username)

    def disable(self, username: str) -> Account:
        """Stop the account signing in; its sessions end and its API tokens are revoked. Refused if it would
        leave no admin."""
        account = self.get(username)
        with self.db.connect() as conn:
            conn.execute("UPDATE account SET disabled = 1, updated_at = ? WHERE username = ?", [utc_now(), username])
            _keep_an_admin(conn, account, "disable")
            _end_access(conn, username)
        return self.get(username)

    def enable(self, username: str) -> Account:
        """Let a disabled account sign in again (with its password; its old tokens stay revoked)."""
        self.get(username)
        with self.db.connect() as conn:
            conn.execute("UPDATE account SET disabled = 0, updated_at = ? WHERE username = ?", [utc_now(), username])
        return self.get(username)

    def last_sign_ins(self) -> dict[str, str]:
        """When each account last signed in (UTC, ISO 8601), for those that ever have."""
        with self.db.connect(write=False) as conn:
            rows = conn.execute(
                "SELECT a.username, max(l.attempted_at) FROM account a "
                "JOIN login_attempt l ON l.username = a.username AND l.succeeded = 1 GROUP BY a.username"
            ).fetchall()
        return {username: at for username, at in rows}

    def set_password(self, username: str, password: str) -> None:
        _check_password(password)
        self.get(username)
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE account SET password_hash = ?, updated_at = ? WHERE username = ?",
                [_hasher().hash(password), utc_now(), username],
            )
            _end_access(conn, username)  # whoever knew the old password is signed out

    # --- signing in -------------------------------------------------------------------------

    def sign_in(self, username: str, password: str, client: str) -> tuple[str, Session]:
        """Check the password (throttled); a new session's token (for the cookie) and the session."""
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        now = datetime.now(UTC).replace(tzinfo=None)
        since = (now - timedelta(minutes=THROTTLE_MINUTES)).isoformat(timespec="seconds")
        with self.db.connect() as conn:
            by_account, by_client = conn.execute(
                "SELECT "
                "(SELECT count(*) FROM login_attempt WHERE username = ? AND attempted_at >= ? AND succeeded <> 1), "
                "(SELECT count(*) FROM login_attempt WHERE client = ? AND attempted_at >= ? AND succeeded = 0)",
                [username, since, client, since],
            ).fetchone()
            throttled = by_account >= MAX_FAILURES or by_client >= MAX_CLIENT_FAILURES
            # Counted and recorded in one transaction as being checked (succeeded = 2), which the account's
            # limit counts as a failure, so parallel guesses at one account cannot all slip under it; the
            # address's limit counts only failures decided, so people signing in at once from one office
            # (one address) are not refused while their passwords are checked. The check then settles it.
            attempt = conn.execute(
                "INSERT INTO login_attempt VALUES (?, ?, ?, ?) RETURNING rowid",
                [utc_now(), username, client, _CHECKING],
            ).fetchone()[0]
            row = conn.execute("SELECT * FROM account WHERE username = ?", [username]).fetchone()
        if throttled:
            with self.db.connect() as conn:
                conn.execute("UPDATE login_attempt SET succeeded = 0 WHERE rowid = ?", [attempt])
            raise SignInRefused(f"too many failed sign-ins; try again in {THROTTLE_MINUTES} minutes")
        hasher = _hasher()
        ok = False
        if row is not None:
            try:
                ok = hasher.verify(row["password_hash"], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        else:
            # the same work for an unknown name, so timing does not tell which names exist
            with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
                hasher.verify(_DUMMY_HASH(), password)
        ok = ok and not row["disabled"]
        if not ok:
            with self.db.connect() as conn:
                conn.execute("UPDATE login_attempt SET succeeded = 0 WHERE rowid = ?", [attempt])
            raise SignInRefused("the name or password is not right, or the account is disabled")
        with self.db.connect() as conn:
            conn.execute("UPDATE login_attempt SET succeeded = 1 WHERE rowid = ?", [attempt])
            if hasher.check_needs_rehash(row["password_hash"]):
                conn.execute(
                    "UPDATE account SET password_hash = ? WHERE account_id = ?",
                    [hasher.hash(password), row["account_id"]],
                )
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            expires = (now + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
            conn.execute(
                "INSERT INTO web_session VALUES (?, ?, ?, ?, ?, ?)",
                [_digest(token), row["account_id"], csrf, utc_now(), utc_now(), expires],
            )
        return token, Session(_account(row), csrf, expires)

    def session(self, token: str) -> Session | None:
        """The live session of a cookie's token (None if unknown, expired or the account is disabled)."""
        if not token:
            return None
        with self.db.connect(write=False) as conn:
            row = conn.execute(
                "SELECT a.*, s.csrf_token, s.expires_at, s.last_seen_at FROM web_session s "
                "JOIN account a USING (account_id) WHERE s.token_hash = ?",
                [_digest(token)],
            ).fetchone()
        now = utc_now()
        if row is None or row["disabled"] or row["expires_at"] < now:
            return None
        if row["last_seen_at"][:16] != now[:16]:  # note activity at most once a minute, not on every request
            with self.db.connect() as conn:
                conn.execute("UPDATE web_session SET last_seen_at = ? WHERE token_hash = ?", [now, _digest(token)])
        return Session(_account(row), row["csrf_token"], row["expires_at"])

    def sign_out(self, token: str) -> None:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM web_session WHERE token_hash = ?", [_digest(token)])

    # --- API tokens -------------------------------------------------------------------------

    def issue_token(self, username: str, label: str) -> str:
        """A new API token for the account: shown once, only its hash kept."""
        account = self.get(username)
        if account.disabled:
            raise AccountError(f"{username} is disabled")
        if not label or len(label) > 100 or not label.isprintable():
            raise AccountError("a token's label is 1 to 100 printable characters", "label")
        token = "chub_" + secrets.token_urlsafe(32)
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO api_token (token_hash, account_id, label, created_at, token_id) "
                "VALUES (?, ?, ?, ?, (SELECT coalesce(max(token_id), 0) + 1 FROM api_token))",
                [_digest(token), account.account_id, label, utc_now()],
            )
        return token

    def tokens(self, username: str | None = None) -> list[ApiToken]:
        """The API tokens issued (revoked ones too), of ``username`` or of every account, oldest first."""
        with self.db.connect(write=False) as conn:
            rows = conn.execute(
                "SELECT t.token_id, a.username, t.label, t.created_at, t.revoked_at FROM api_token t "
                "JOIN account a USING (account_id) WHERE ? IS NULL OR a.username = ? ORDER BY t.token_id",
                [username, username],
            ).fetchall()
        return [ApiToken(*row) for row in rows]

    def revoke_token(self, username: str, token_id: int) -> ApiToken:
        """Stop one of the account's API tokens working, at once (revoking one already revoked changes nothing)."""
        self.get(username)
        if not any(token.token_id == token_id for token in self.tokens(username)):
            raise AccountError(f"there is no API token {token_id} of {username}", "token")
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE api_token SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", [utc_now(), token_id]
            )
        return next(token for token in self.tokens(username) if token.token_id == token_id)

    def token_account(self, token: str) -> Account | None:
        with self.db.connect(write=False) as conn:
            row = conn.execute(
                "SELECT a.* FROM api_token t JOIN account a USING (account_id) "
                "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
                [_digest(token)],
            ).fetchone()
        if row is None or row["disabled"]:
            return None
        return _account(row)

    # --- feed tokens ------------------------------------------------------------------------

    def issue_feed_token(self, feed: str, name: str, created_by: str) -> tuple[FeedToken, str]:
        """A new token that may push records to ``feed`` only: the token's record and its secret (shown once)."""
        if not name or len(name) > 100 or not name.isprintable():
            raise AccountError("a feed token's name is 1 to 100 printable characters")
        token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.connect() as conn:
            token_id = conn.execute(
                "INSERT INTO feed_token (token_hash, feed, name, created_at, created_by) VALUES (?, ?, ?, ?, ?) "
                "RETURNING token_id",
                [_digest(token), feed, name, utc_now(), created_by],
            ).fetchone()[0]
        return self.feed_token_by_id(token_id), token

    def feed_token_by_id(self, token_id: int) -> FeedToken:
        with self.db.connect(write=False) as conn:
            row = conn.execute("SELECT * FROM feed_token WHERE token_id = ?", [token_id]).fetchone()
        if row is None:
            raise AccountError(f"there is no feed token {token_id}")
        return _feed_token(row)

    def feed_tokens(self, feed: str | None = None) -> list[FeedToken]:
        """Every feed token issued (revoked ones too), of ``feed`` or of every feed, oldest first."""
        with self.db.connect(write=False) as conn:
            rows = conn.execute(
                "SELECT * FROM feed_token WHERE ? IS NULL OR feed = ? ORDER BY token_id", [feed, feed]
            ).fetchall()
        return [_feed_token(row) for row in rows]

    def revoke_feed_token(self, token_id: int) -> FeedToken:
        """Stop a feed token working, at once (revoking one already revoked changes nothing)."""
        self.feed_token_by_id(token_id)
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE feed_token SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", [utc_now(), token_id]
            )
        return self.feed_token_by_id(token_id)

    def feed_token(self, token: str) -> FeedToken | None:
        """The live feed token whose secret is ``token`` (None if unknown or revoked)."""
        if not token.startswith(FEED_TOKEN_PREFIX):
            return None
        with self.db.connect(write=False) as conn:
            row = conn.execute(
                "SELECT * FROM feed_token WHERE token_hash = ? AND revoked_at IS NULL", [_digest(token)]
            ).fetchone()
        return None if row is None else _feed_token(row)


# --- changes an admin makes, in the audit log's words ---------------------------------------------------------

ACCESS_ENDED = {"sessions_ended": True, "tokens_revoked": True}


@dataclass(frozen=True)
class Change:
    """A change to an account as the audit log records it: the same action, subject and details whoever makes it
    (``childhub users`` at the command line, or an admin on the accounts page; only the actor and channel differ)."""

    action: str
    subject: str
    details: dict[str, Any]


class Administration:
    """The changes an admin makes to accounts, each checked by ``Accounts``' rules and described as a ``Change`` for
    the audit log: the one place the command line and the web app both call."""

    def __init__(self, accounts: Accounts, workforce: Workforce | None = None) -> None:
        self.accounts = accounts
        self.workforce = workforce  # the case system's teams and workers: a scope naming others is refused

    def add(self, username: str, role: str, password: str, *, display_name: str | None, scope: Scope) -> Change:
        account = self.accounts.add(
            username,
            role,
            password,
            display_name=display_name or None,
            worker_id=scope.worker_id,
            teams=scope.teams,
            service_areas=scope.service_areas,
            workforce=self.workforce,
        )
        return Change("add_account", account.username, {"role": account.role})

    def disable(self, username: str) -> Change:
        self.accounts.disable(username)
        return Change("disable_account", username, dict(ACCESS_ENDED))

    def enable(self, username: str) -> Change:
        self.accounts.enable(username)
        return Change("enable_account", username, {})

    def set_role(self, username: str, role: str, scope: Scope | None = None) -> Change:
        """A new role, and a new scope with it if ``scope`` is given (one event: ``set_role``)."""
        before = self.accounts.get(username)
        after = self.accounts.set_role(username, role, scope, workforce=self.workforce)
        details: dict[str, Any] = {"from": before.role, "to": after.role}
        if after.scope != before.scope:
            details |= {"scope_from": before.scope.as_details(), "scope_to": after.scope.as_details()}
        return Change("set_role", username, details | ACCESS_ENDED)

    def set_scope(self, username: str, scope: Scope) -> Change:
        before = self.accounts.get(username)
        after = self.accounts.set_scope(username, scope, workforce=self.workforce)
        return Change("set_scope", username, {"from": before.scope.as_details(), "to": after.scope.as_details()})

    def set_password(self, username: str, password: str) -> Change:
        self.accounts.set_password(username, password)
        return Change("set_password", username, dict(ACCESS_ENDED))

    def issue_token(self, username: str, label: str) -> tuple[str, Change]:
        """The token (shown once) and its change."""
        secret = self.accounts.issue_token(username, label)
        with self.accounts.db.connect(write=False) as conn:
            token_id = conn.execute(
                "SELECT token_id FROM api_token WHERE token_hash = ?", [_digest(secret)]
            ).fetchone()[0]
        return secret, Change("issue_token", username, {"label": label, "token": token_id})

    def revoke_token(self, username: str, token_id: int) -> Change:
        token = self.accounts.revoke_token(username, token_id)
        return Change("revoke_token", username, {"label": token.label, "token": token.token_id})


def _feed_token(row) -> FeedToken:
    return FeedToken(
        token_id=row["token_id"],
        feed=row["feed"],
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
    )


def _keep_an_admin(conn, account: Account, doing: str) -> None:
    """Refuse (inside the caller's transaction, so it rolls back) a change that left no enabled admin."""
    if account.role != "admin" or account.disabled:
        return
    if conn.execute("SELECT count(*) FROM account WHERE role = 'admin' AND disabled = 0").fetchone()[0] == 0:
        raise AccountError(
            f"cannot {doing} {account.username}: it is the last admin, and without one nobody could manage "
            "accounts; make another account admin first"
        )


def _end_access(conn, username: str) -> None:
    """End the account's sessions and revoke its API tokens (inside the caller's transaction)."""
    account_id = conn.execute("SELECT account_id FROM account WHERE username = ?", [username]).fetchone()[0]
    conn.execute("DELETE FROM web_session WHERE account_id = ?", [account_id])
    conn.execute(
        "UPDATE api_token SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL", [utc_now(), account_id]
    )


_dummy: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802 - a constant made once, lazily
    if not _dummy:
        _dummy.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}", "role")


def _check_username(username: str) -> None:
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        raise AccountError("a username is 1 to 64 letters, digits and . _ - @", "username")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", "password")


def _check_scope(role: str, scope: Scope, workforce: Workforce | None) -> None:
    """The one rule for what an account of ``role`` must work in, and (given the case system's ``workforce``)
    that every team, service area and worker it names is one the case system knows."""
    if role == "practitioner" and not (scope.worker_id or scope.teams):
        raise AccountError(
            "a practitioner needs a worker ID (--worker) or a team (--team): their caseload is what they may see",
            "worker",
        )
    if role == "manager" and not (scope.teams or scope.service_areas):
        raise AccountError(
            "a manager needs a team (--team) or a service area (--service-area): their teams are what they may see",
            "teams",
        )
    if workforce is not None:
        workforce.check(scope)


@dataclass(frozen=True)
class Workforce:
    """The teams (with their names and service areas) and the workers (with their names) the case system knows,
    as its facts hold them (``workforce``): what an account's scope may name, and the words pages show for it."""

    teams: dict[str, tuple[str, str | None]]  # team ID -> (team name, service area)
    workers: dict[str, str]  # worker ID -> worker name

    @property
    def service_areas(self) -> list[str]:
        return sorted({area for _name, area in self.teams.values() if area})

    def check(self, scope: Scope) -> None:
        """Refuse, in one line, the first team, service area or worker the case system does not know."""
        for team in scope.teams:
            if team not in self.teams:
                raise AccountError(f"there is no team {team!r} in the case system ({_some(self.teams)})", "teams")
        for area in scope.service_areas:
            if area not in self.service_areas:
                raise AccountError(
                    f"there is no service area {area!r} in the case system ({_some(self.service_areas)})",
                    "service_areas",
                )
        if scope.worker_id and scope.worker_id not in self.workers:
            raise AccountError(
                f"there is no worker {scope.worker_id!r} in the case system ({_some(self.workers)})", "worker"
            )

    def describe(self, account: Account) -> str:
        """What ``account`` works in, in words: team and worker names, not IDs."""
        if account.role in ("admin", "analyst"):
            return "every child"
        if account.role == "scrutiny":
            return "figures only, no child"
        parts = []
        if account.worker_id:
            parts.append(f"caseload of {self.workers.get(account.worker_id, account.worker_id)}")
        parts += [f"team {self.teams.get(team, (team, None))[0]}" for team in account.teams]
        parts += [f"service area {area}" for area in account.service_areas]
        return ", ".join(parts) or "nothing yet"


def workforce(cursor) -> Workforce:
    """The case system's teams and workers, from a cursor with the ``team`` and ``worker`` facts prepared."""
    teams = {
        team_id: (name or team_id, area)
        for team_id, name, area in cursor.execute("SELECT team_id, team_name, service_area FROM fact_team").fetchall()
    }
    workers = {
        worker_id: name or worker_id
        for worker_id, name in cursor.execute("SELECT worker_id, worker_name FROM fact_worker").fetchall()
    }
    return Workforce(teams, workers)


def _some(known) -> str:
    """A few of the IDs the case system knows, to say what was meant."""
    names = sorted(known)
    if not names:
        return "it knows none yet"
    shown = ", ".join(names[:8])
    return f"it knows {shown}" + (f" and {len(names) - 8:,} more" if len(names) > 8 else "")


def new_password() -> str:
    """A random password to hand to a new user."""
    return secrets.token_urlsafe(12)
