"""The web app: ``childhub serve`` over the store's latest snapshot, and ``childhub demo``, which prepares a
synthetic authority first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from childhub.cli.options import DataDirOption, Size, date_or_today, settings_for, store_for
from childhub.cli.output import with_progress

if TYPE_CHECKING:
    from childhub.settings import Settings
    from childhub.store import Store


def demo(
    size: Annotated[Size, typer.Option("--size", help="Size of the synthetic authority.")] = Size.small,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    as_at: Annotated[str, typer.Option("--as-at", help="YYYY-MM-DD (default: today).")] = "",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after preparing (for scripts).")] = False,
    host: Annotated[str, typer.Option("--host", help="The address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to serve on.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Generate a synthetic authority into the data folder, prepare the store for it, and serve the web app."""
    from childhub.demo import ACCOUNTS_FILE, demo_accounts, run_demo

    day = date_or_today(as_at)
    store = store_for(data_dir)
    steps = with_progress(
        "Demo", lambda say: run_demo(store, size.value, seed, day, progress=say, settings=settings_for(store.data_dir))
    )
    for line in steps:
        typer.echo(line)
    accounts = demo_accounts(store)
    typer.echo(f"Demo accounts, one per role (also in {store.data_dir / ACCOUNTS_FILE}, readable by you only):")
    for account in accounts:
        typer.echo(f"  {account.line()}")
    if no_serve:
        typer.echo(f"Not serving (--no-serve): childhub serve --data-dir {store.data_dir} serves it.")
        return
    _serve(store, host, port)


def serve(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the web app and the REST API (/api/v1/), holding the store: every write shows as it commits."""
    _serve(store_for(data_dir), host, port)


def _serve(store: Store, host: str, port: int) -> None:
    import uvicorn

    from childhub.errors import StoreBusy
    from childhub.live import LiveHub
    from childhub.settings import PLAIN_HTTP_ADVICE
    from childhub.web import create_app

    settings = settings_for(store.data_dir)
    hub = LiveHub(
        store.data_dir,
        write_wait=settings.write_wait_seconds,
        snapshot_every=settings.snapshot_every_seconds,
        tasks=_pull_schedules(store, settings),
    )
    typer.echo("Holding the store and bringing its facts up to date...")
    try:
        hub.start(wait=1.0)
    except StoreBusy:
        typer.echo("another childhub process is writing to the store; waiting for it to finish...", err=True)
        hub.start(wait=24 * 3600.0)
    try:
        typer.echo("Counting what the overview and indicator pages show...")
        app = create_app(settings, warm_first=True, live=hub.store)
        typer.echo(f"Serving childhub at http://{host}:{port}/ (Ctrl+C stops it).")
        if settings.sign_in_refused_over_http(host) and not settings.trusted_proxies:
            typer.echo(
                f"note: {host} is a network address and this is plain HTTP: browsers elsewhere will not keep the "
                f"sign-in cookies (they are Secure), so signing in will not work from them. To use it from other "
                f"computers, {PLAIN_HTTP_ADVICE}.",
                err=True,
            )
        uvicorn.run(app, host=host, port=port, log_level="warning", **proxy_options(settings))
    finally:
        hub.stop()


def _pull_schedules(store: Store, settings: Settings) -> tuple:
    """The sources' pull schedules as a task of the server (every 30 seconds, whatever is due runs), when
    ``pull_schedules_in_serve`` says so (by default: when there is a sources file)."""
    from datetime import datetime

    from childhub.cli.options import authority_of
    from childhub.ingest import SSD_TABLES
    from childhub.pull import load_sources, run_due, sources_path

    path = sources_path(store.data_dir, settings)
    wanted = settings.pull_schedules_in_serve
    if wanted is False or (wanted is None and not path.exists()):
        return ()
    sources = load_sources(path, ssd_tables=SSD_TABLES)
    authority, shrink = authority_of(store), settings.shrink_refuse_below
    typer.echo(f"Pulling on the schedules in {path} while serving.")

    def run(held: Store) -> None:
        run_due(held, sources, datetime.now(), shrink_refuse_below=shrink, authority=authority)

    return ((30.0, run),)


def proxy_options(settings: Settings) -> dict[str, object]:
    """uvicorn's options for proxies: believe X-Forwarded-For and -Proto only from ``settings.trusted_proxies``
    (uvicorn itself would believe them from 127.0.0.1), so a sign-in is throttled by its real address."""
    trusted = settings.trusted_proxies.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}
