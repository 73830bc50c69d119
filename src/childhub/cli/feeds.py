"""The feeds the hub expects (``childhub feeds list``) and the tokens that push to them (``childhub feeds token``).

A feed is declared in ``feeds.yml`` (docs/feeds.md). A feed token may push records to its one feed
(``POST /api/v1/feeds/{feed}/records``) and open nothing else; it is printed once and only its hash kept.
Issuing and revoking one is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, OutputFormat, settings_for, store_for
from childhub.cli.output import rows_out

feeds_app = typer.Typer(
    help="The feeds the hub expects, and the tokens source systems push to them with.", no_args_is_help=True
)


def _declared(data_dir):
    from childhub.feeds import feeds_path, load_feeds

    return load_feeds(feeds_path(data_dir, settings_for(data_dir)))


@feeds_app.command("list")
def feeds_list(
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Every feed declared in feeds.yml: what its records are, how often one is due, and whether it takes pushes."""
    folder = store_for(data_dir).data_dir
    feeds = _declared(folder)
    if not feeds.feeds:
        typer.echo(f"No feeds are declared: write {feeds.file or 'feeds.yml'} (see docs/feeds.md).", err=True)
        return
    rows = [
        {
            "feed": feed.name,
            "takes": _takes(feed),
            "cadence": _cadence(feed.cadence),
            "takes pushes": "yes" if feed.takes_pushes else "no",
            "description": feed.description,
        }
        for feed in feeds.feeds.values()
    ]
    rows_out(rows, output, title="Feeds")


def _takes(feed) -> str:
    if feed.table is not None:
        return f"SSD table {feed.table}"
    if feed.mapping is not None:
        return f"mapping {feed.mapping.name}"
    return f"{feed.kind} files"


def _cadence(cadence) -> str:
    """A cadence as feeds.yml writes it (30m, 4h, 1d), or "none"."""
    if cadence is None:
        return "none"
    minutes = int(cadence.total_seconds() // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


@feeds_app.command("token")
def feeds_token(
    feed: Annotated[str, typer.Argument(help="The feed's name in feeds.yml.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Who the token is for (the audit log names pushes by it).")
    ] = None,
    revoke: Annotated[int | None, typer.Option("--revoke", help="Revoke the feed's token with this ID.")] = None,
    list_tokens: Annotated[bool, typer.Option("--list", help="List the feed's tokens (never their secrets).")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Issue a token that may push records to FEED and do nothing else (printed once), or list or revoke them."""
    from childhub.accounts import Accounts
    from childhub.audit import command_line_user, record_command_line
    from childhub.errors import ChildhubError

    folder = store_for(data_dir).data_dir
    accounts = Accounts(folder)
    if list_tokens:
        for token in accounts.feed_tokens(feed):
            state = f"revoked {token.revoked_at}" if token.revoked else "live"
            issued = f"issued {token.created_at} by {token.created_by}"
            typer.echo(f"{token.token_id:>5}  {token.name:30s} {issued}  {state}")
        return
    if revoke is not None:
        token = accounts.feed_token_by_id(revoke)
        if token.feed != feed:
            raise ChildhubError(f"feed token {revoke} is feed {token.feed}'s, not {feed}'s")
        token = accounts.revoke_feed_token(revoke)
        record_command_line(folder, "revoke_feed_token", subject=feed, details={"feed_token": revoke})
        typer.echo(f"Revoked feed token {revoke} ({token.name}): it pushes nothing more.")
        return
    declared = _declared(folder).get(feed)
    if not declared.takes_pushes:
        raise ChildhubError(f"feed {feed} takes {declared.kind} files only, so a token could push nothing to it")
    token, secret = accounts.issue_feed_token(feed, name or feed, command_line_user())
    record_command_line(
        folder, "issue_feed_token", subject=feed, details={"feed_token": token.token_id, "name": token.name}
    )
    typer.echo(f"Feed token {token.token_id} ({token.name}) may push records to {feed} only; shown once:", err=True)
    typer.echo(secret)
