"""Looking after the hub: accounts (``users``), the audit log (``audit``, ``audit verify``), the store
(``status``) and analysts' read-only queries (``sql``).

Each of these that shows children's data, the audit log or changes an account is itself written to the
audit log, before anything is shown (so nothing is seen that the log does not hold).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from childhub.cli.options import DataDirOption, OutputFormat, settings_for, store_for
from childhub.cli.output import csv_out, rows_out

users_app = typer.Typer(help="Accounts that can sign in to the web app and the API.", no_args_is_help=True)
TABLE_CHILD_KEYS = 5  # child keys an event shows in the audit table (CSV and JSON show them all)
audit_app = typer.Typer(help="The audit log: who saw or exported which children's data.", no_args_is_help=False)


def _audit(data_dir: Path, action: str, **event: Any) -> None:
    """Record that the operating-system account running this command did ``action``."""
    from childhub.audit import record_command_line

    record_command_line(data_dir, action, **event)


def sql(
    query: Annotated[str, typer.Argument(help="One read-only SELECT statement.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a read-only query over the store (it cannot write, read files or reach the network)."""
    from childhub.errors import QueryError

    settings = settings_for()
    store = store_for(data_dir)
    try:
        result = store.query(
            query,
            timeout_seconds=settings.query_timeout_seconds,
            row_limit=settings.query_row_limit,
            byte_limit=settings.query_byte_limit,
            memory_mb=settings.query_memory_mb,
        )
    except QueryError as refused:
        _audit(store.data_dir, "query", details={"sql": query, "refused": str(refused), "format": output.value})
        raise
    keys = [row[result.columns.index("child_key")] for row in result.rows] if "child_key" in result.columns else []
    _audit(
        store.data_dir,
        "query",
        child_count=len(set(keys)) if keys else None,
        details={"sql": query, "rows": len(result.rows), "truncated": result.truncated, "format": output.value},
        children=keys,
    )
    if output is OutputFormat.csv:
        csv_out(result.columns, result.rows)
    else:
        typer.echo(result.to_text(output.value), nl=False)
    if result.truncated:
        typer.echo(f"({result.note()})", err=True)


def status(data_dir: DataDirOption = None) -> None:
    """Show the store: where it is, its schema version and how many rows each table holds; warn of any file
    in the data folder that other accounts could read."""
    store = store_for(data_dir)  # only read: a store at an older schema stays as it is, and none is made
    typer.echo(f"store: {store.database_path}")
    for line in _open_to_others(store.data_dir):
        typer.echo(f"warning: {line}", err=True)
    if not store.database_path.exists():
        typer.echo("schema version: none (there is no store here yet: childhub ingest or childhub demo makes one)")
        return
    pending = store.pending_migrations()
    older = f" (older than this childhub: the next command that writes applies {', '.join(pending)})" if pending else ""
    typer.echo(f"schema version: {store.schema_version()}{older}")
    for table, rows in store.table_sizes():
        typer.echo(f"  {table:32s} {rows:>10,}")
    if pending:
        typer.echo("feeds: shown once the store is brought up to date")
        return
    _feeds_status(store)


def _feeds_status(store) -> None:
    """Each feed's data as at, last delivery and state, judged now (``childhub.feeds.freshness``). The exit code
    stays 0 whatever their state: ``status`` describes the hub; monitoring asks ``GET /healthz``."""
    from datetime import datetime

    from childhub.errors import ChildhubError
    from childhub.feeds import LOCAL_TIME, Feeds, feeds_path, freshness, load_feeds, when

    try:
        feeds = load_feeds(feeds_path(store.data_dir, settings_for(store.data_dir)))
    except ChildhubError as error:
        typer.echo(f"warning: {'; '.join(str(error).splitlines())} (feeds are shown without their cadence)", err=True)
        feeds = Feeds()
    now = datetime.now(LOCAL_TIME)
    with store.reader() as conn:
        judged = freshness(conn, feeds, now)
    if not judged:
        typer.echo("feeds: none declared (feeds.yml) and none delivered yet")
        return
    rows = [
        {
            "feed": feed.name,
            "data as at": feed.as_at_text,
            "last delivered": feed.last_delivered_text + (" (failed)" if feed.last_delivery_failed else ""),
            "state": feed.label,
            "in words": feed.summary,
        }
        for feed in judged
    ]
    rows_out(rows, OutputFormat.table, title=f"Feeds at {when(now)} (UK time)")


def _open_to_others(data_dir: Path) -> list[str]:
    """One line for the data folder itself and one for each thing in it that other accounts can open."""
    from childhub.exports import readable_by_others

    found = readable_by_others(data_dir)
    lines = []
    if data_dir in found:
        lines.append(f"the data folder {data_dir} is open to other accounts (chmod 700 it)")
    by_entry: dict[str, int] = {}
    for path in found:
        if path != data_dir:
            entry = path.relative_to(data_dir).parts[0]
            by_entry[entry] = by_entry.get(entry, 0) + 1
    for entry, count in sorted(by_entry.items()):
        lines.append(
            f"{data_dir / entry} can be read by other accounts ({count:,} file(s) or folder(s)); "
            f"any childhub command that writes makes it private, or: chmod -R go-rwx {data_dir / entry}"
        )
    return lines


def _record(data_dir: Path, change) -> None:
    """Record an account's ``childhub.accounts.Change`` as the web app records the same change."""
    _audit(data_dir, change.action, subject=change.subject, details=change.details)


def _administration(store, *, checking_scope: bool = False):
    """``childhub.accounts.Administration`` for the store's hub; ``checking_scope`` reads the case system's teams
    and workers from the store (its snapshot while a server holds it), so a scope naming others is refused."""
    from childhub.accounts import Accounts, Administration, workforce

    known = None
    if checking_scope and store.database_path.exists():
        from childhub.facts import prepare

        with store.reader() as conn:
            prepare(conn, ["team", "worker"])
            known = workforce(conn)
    return Administration(Accounts(store.data_dir), known)


TeamOption = Annotated[list[str] | None, typer.Option("--team", help="A team ID they work in (repeatable).")]
ServiceAreaOption = Annotated[
    list[str] | None, typer.Option("--service-area", help="A service area a manager runs (repeatable).")
]
WorkerOption = Annotated[str | None, typer.Option("--worker", help="A practitioner's worker ID in the case system.")]


def _scope(team: list[str] | None, service_area: list[str] | None, worker: str | None):
    from childhub.accounts import Scope

    return Scope(worker or None, tuple(team or ()), tuple(service_area or ()))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The name they sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, manager, practitioner or scrutiny.")],
    name: Annotated[str | None, typer.Option("--name", help="Their name as pages show it.")] = None,
    team: TeamOption = None,
    service_area: ServiceAreaOption = None,
    worker: WorkerOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (else one is made).")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Add an account; prints the password made for it unless --password-stdin gives one. Teams, service areas
    and workers must be ones the case system's data in the store name."""
    from childhub.accounts import new_password

    password = sys.stdin.readline().rstrip("\n") if password_stdin else new_password()
    store = store_for(data_dir)
    change = _administration(store, checking_scope=True).add(
        username, role, password, display_name=name, scope=_scope(team, service_area, worker)
    )
    _record(store.data_dir, change)
    typer.echo(f"Added {change.subject} ({role}).")
    if not password_stdin:
        typer.echo(f"Password: {password}  (shown once; they can be given a new one with childhub users password)")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Stop an account signing in; its sessions and API tokens end at once (the last admin cannot be)."""
    store = store_for(data_dir)
    _record(store.data_dir, _administration(store).disable(username))
    typer.echo(f"Disabled {username}; their sessions and API tokens no longer work.")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Let a disabled account sign in again with its password (its old API tokens stay revoked)."""
    store = store_for(data_dir)
    _record(store.data_dir, _administration(store).enable(username))
    typer.echo(f"Enabled {username}; they can sign in again.")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin, analyst, manager, practitioner or scrutiny.")],
    team: TeamOption = None,
    service_area: ServiceAreaOption = None,
    worker: WorkerOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an account's role (and what it works in, if --team, --service-area or --worker is given); they sign
    in again to use it. A manager needs a team or service area, a practitioner a worker ID or team."""
    store = store_for(data_dir)
    scoped = bool(team or service_area or worker)
    scope = _scope(team, service_area, worker) if scoped else None
    change = _administration(store, checking_scope=scoped).set_role(username, role, scope)
    _record(store.data_dir, change)
    typer.echo(f"{username} is now {change.details['to']}.")


@users_app.command("set-scope")
def users_set_scope(
    username: Annotated[str, typer.Argument()],
    team: TeamOption = None,
    service_area: ServiceAreaOption = None,
    worker: WorkerOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change what an account works in (its teams, service areas and worker ID, all given afresh); it sees by
    them from its next request."""
    store = store_for(data_dir)
    change = _administration(store, checking_scope=True).set_scope(username, _scope(team, service_area, worker))
    _record(store.data_dir, change)
    typer.echo(f"Changed what {username} works in.")


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Give an account a new password, read from standard input."""
    store = store_for(data_dir)
    _record(store.data_dir, _administration(store).set_password(username, sys.stdin.readline().rstrip("\n")))
    typer.echo(f"Changed the password of {username}.")


@users_app.command("list")
def users_list(data_dir: DataDirOption = None) -> None:
    """Every account, its role and what it works in."""
    from childhub.accounts import Accounts

    for account in Accounts(store_for(data_dir).data_dir).list():
        scope = ", ".join([*account.teams, *account.service_areas, *([account.worker_id] if account.worker_id else [])])
        state = " (disabled)" if account.disabled else ""
        typer.echo(f"{account.username:24s} {account.role:13s} {scope}{state}")


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "api",
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token for another system to call /api/v1/ as this account (shown once)."""
    store = store_for(data_dir)
    token, change = _administration(store).issue_token(username, label)
    _record(store.data_dir, change)
    typer.echo(token)


@users_app.command("tokens")
def users_tokens(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """An account's API tokens: ID, label, when issued and whether revoked (never their secrets)."""
    from childhub.accounts import Accounts

    accounts = Accounts(store_for(data_dir).data_dir)
    accounts.get(username)
    for token in accounts.tokens(username):
        state = f"revoked {token.revoked_at}" if token.revoked else "live"
        typer.echo(f"{token.token_id:>5}  {token.label:30s} issued {token.created_at}  {state}")


@users_app.command("revoke-token")
def users_revoke_token(
    username: Annotated[str, typer.Argument()],
    token_id: Annotated[int, typer.Argument(help="The token's ID, as users tokens lists it.")],
    data_dir: DataDirOption = None,
) -> None:
    """Stop one of an account's API tokens working, at once."""
    store = store_for(data_dir)
    _record(store.data_dir, _administration(store).revoke_token(username, token_id))
    typer.echo(f"Revoked API token {token_id} of {username}.")


@audit_app.callback(invoke_without_command=True)
def audit_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="How many events, newest first.")] = 50,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this account's (or user's) events.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. view_child.")] = None,
    child: Annotated[
        str | None, typer.Option("--child", help="Only events concerning this child key: who looked at C2964?")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """The audit log: who saw or exported which children's data, when and how (reading it is audited too)."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from childhub.audit import events

    folder = store_for(data_dir).data_dir
    found = events(folder, limit=limit, actor=actor, action=action, child=child)
    filters = {"limit": limit, "actor": actor, "action": action, "child": child, "format": output.value}
    _audit(
        folder,
        "view_audit",
        subject=child,
        details={key: value for key, value in filters.items() if value is not None} | {"rows": len(found)},
        children=[child] if child else [],
    )
    rows = [asdict(event) for event in found]
    if output is OutputFormat.table:  # a list of thousands of children would fill the screen
        for row in rows:
            shown = row["children"][:TABLE_CHILD_KEYS]
            more = len(row["children"]) - len(shown)
            row["children"] = ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")
    rows_out(rows, output, title="Audit log")


@audit_app.command("verify")
def audit_verify(data_dir: DataDirOption = None) -> None:
    """Check the audit log's hash chain: intact, or the first broken link (and a non-zero exit)."""
    from childhub.audit import verify

    folder = store_for(data_dir).data_dir
    verdict = verify(folder)
    if not verdict.intact:
        typer.echo(f"error: {verdict}", err=True)
        raise typer.Exit(1)
    typer.echo(str(verdict))
    typer.echo(f"newest hash: {verdict.head_hash} (keep a copy elsewhere: a later verify can be compared with it)")
    _audit(folder, "verify_audit", details={"events": verdict.events, "head_hash": verdict.head_hash})
