"""Looking after the hub: accounts (``users``), the audit log (``audit``), the store (``status``) and analysts'
read-only queries (``sql``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, settings_for, store_for
from childhub.cli.output import csv_out, rows_out

users_app = typer.Typer(help="Accounts that can sign in to the web app and the API.", no_args_is_help=True)


def sql(
    query: Annotated[str, typer.Argument(help="One read-only SELECT statement.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Answer a read-only query over the store (it cannot write, read files or reach the network)."""
    settings = settings_for()
    result = store_for(data_dir).query(
        query,
        timeout_seconds=settings.query_timeout_seconds,
        row_limit=settings.query_row_limit,
        byte_limit=settings.query_byte_limit,
        memory_mb=settings.query_memory_mb,
    )
    if output is OutputFormat.csv:
        csv_out(result.columns, result.rows)
    else:
        typer.echo(result.to_text(output.value), nl=False)
    if result.truncated:
        typer.echo(f"({result.note()})", err=True)


def status(data_dir: DataDirOption = None) -> None:
    """Show the store: where it is, its schema version and how many rows each table holds."""
    store = store_for(data_dir)  # only read: a store at an older schema stays as it is, and none is made
    typer.echo(f"store: {store.database_path}")
    if not store.database_path.exists():
        typer.echo("schema version: none (there is no store here yet: childhub ingest or childhub demo makes one)")
        return
    pending = store.pending_migrations()
    older = f" (older than this childhub: the next command that writes applies {', '.join(pending)})" if pending else ""
    typer.echo(f"schema version: {store.schema_version()}{older}")
    for table, rows in store.table_sizes():
        typer.echo(f"  {table:32s} {rows:>10,}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The name they sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, manager, practitioner or scrutiny.")],
    name: Annotated[str | None, typer.Option("--name", help="Their name as pages show it.")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="A team ID they work in (repeatable).")] = None,
    service_area: Annotated[
        list[str] | None, typer.Option("--service-area", help="A service area a manager runs (repeatable).")
    ] = None,
    worker: Annotated[
        str | None, typer.Option("--worker", help="A practitioner's worker ID in the case system.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (else one is made).")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Add an account; prints the password made for it unless --password-stdin gives one."""
    from childhub.accounts import Accounts, new_password

    password = sys.stdin.readline().rstrip("\n") if password_stdin else new_password()
    account = Accounts(store_for(data_dir).data_dir).add(
        username,
        role,
        password,
        display_name=name,
        worker_id=worker,
        teams=tuple(team or ()),
        service_areas=tuple(service_area or ()),
    )
    typer.echo(f"Added {account.username} ({account.role}).")
    if not password_stdin:
        typer.echo(f"Password: {password}  (shown once; they can be given a new one with childhub users password)")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Stop an account signing in; its sessions and API tokens end at once."""
    from childhub.accounts import Accounts

    Accounts(store_for(data_dir).data_dir).disable(username)
    typer.echo(f"Disabled {username}; their sessions and API tokens no longer work.")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin, analyst, manager, practitioner or scrutiny.")],
    data_dir: DataDirOption = None,
) -> None:
    """Change an account's role; they sign in again to use it."""
    from childhub.accounts import Accounts

    account = Accounts(store_for(data_dir).data_dir).set_role(username, role)
    typer.echo(f"{account.username} is now {account.role}.")


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Give an account a new password, read from standard input."""
    from childhub.accounts import Accounts

    Accounts(store_for(data_dir).data_dir).set_password(username, sys.stdin.readline().rstrip("\n"))
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
    from childhub.accounts import Accounts

    token = Accounts(store_for(data_dir).data_dir).issue_token(username, label)
    typer.echo(token)


def audit_command(
    limit: Annotated[int, typer.Option("--limit", help="How many events, newest first.")] = 50,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this account's (or user's) events.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. view_child.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """The audit log: who saw or exported which children's data, when and how."""
    from dataclasses import asdict

    from childhub.audit import events

    rows = [asdict(event) for event in events(store_for(data_dir).data_dir, limit=limit, actor=actor, action=action)]
    rows_out(rows, output, title="Audit log")
