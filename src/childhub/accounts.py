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
from typing import Literal

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
    """An account could not be created or changed as asked."""


class SignInRefused(ChildhubError):
    """A sign-in failed: wrong name or password, a disabled account, or too many attempts."""


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
    ) -> Account:
        _check_role(role)
        _check_username(username)
        _check_password(password)
        if role == "practitioner" and not (worker_id or teams):
            raise AccountError("a practitioner needs --worker or --team: their caseload is what they may see")
        if role == "manager" and not (teams or service_areas):
            raise AccountError("a manager needs --team or --service-area: their teams are what they may see")
        now = utc_now()
        with self.db.connect() as conn:
            if conn.execute("SELECT 1 FROM account WHERE username = ?", [username]).fetchone():
                raise AccountError(f"there is already an account called {username!r}")
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
            raise AccountError(f"there is no account called {username!r}")
        return _account(row)

    def list(self) -> list[Account]:
        with self.db.connect(write=False) as conn:
            return [_account(row) for row in conn.execute("SELECT * FROM account ORDER BY username")]

    def set_role(self, username: str, role: str) -> Account:
        _check_role(role)
        self.get(username)
        with self.db.connect() as conn:
            conn.execute("UPDATE account SET role = ?, updated_at = ? WHERE username = ?", [role, utc_now(), username])
            _end_access(conn, username)  # a new role starts with a new sign-in and new tokens
        return self.get(username)

    def disable(self, username: str) -> Account:
        self.get(username)
        with self.db.connect() as conn:
            conn.execute("UPDATE account SET disabled = 1, updated_at = ? WHERE username = ?", [utc_now(), username])
            _end_access(conn, username)
        return self.get(username)

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
        token = "chub_" + secrets.token_urlsafe(32)
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO api_token (token_hash, account_id, label, created_at) VALUES (?, ?, ?, ?)",
                [_digest(token), account.account_id, label, utc_now()],
            )
        return token

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


def _feed_token(row) -> FeedToken:
    return FeedToken(
        token_id=row["token_id"],
        feed=row["feed"],
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
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
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")


def _check_username(username: str) -> None:
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        raise AccountError("a username is 1 to 64 letters, digits and . _ - @")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def new_password() -> str:
    """A random password to hand to a new user."""
    return secrets.token_urlsafe(12)
