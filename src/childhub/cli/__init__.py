"""The ``childhub`` command line.

Commands call childhub's own public functions; heavy libraries are imported inside
commands so ``childhub --help`` starts fast. Errors meant for users (``ChildhubError``)
print as one plain line with a non-zero exit; ``--debug`` shows the traceback.

The commands live by capability: ``ingest`` (ingest, batches, batch), ``link`` (link, review,
link-lists, match-list, evaluate-linkage, export identities), ``reconcile`` (duplicates, return), ``dfe_api`` (dfe-api
preview, send, sends), ``measure`` (indicators, indicator, annex-a), ``admin`` (users, audit, status, sql),
``feeds`` (feeds list, feeds token, feeds run), ``pull`` (pull, watch), ``serve`` (serve, demo) and ``synth``.
What they share on the way in (options, dates, the settings and the store) is in ``options``, on the way out
(tables, CSV through ``childhub.exports``, JSON, the progress bar) in
``output``. This module is the edge:
the ``app``, the order ``childhub --help`` lists the commands in, and ``main``, the console script.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Annotated

import typer

from childhub import __version__
from childhub.cli import (
    admin,
    clusters,
    comparators,  # issue 16: benchmarking
    dfe_api,
    dq,
    feeds,
    ingest,
    link,
    measure,
    nhs,
    pull,
    reconcile,
    region,  # issue 17: a region on Spark
    returns,
    scrutiny,  # issue 16: the scrutiny pack
    serve,
    synth,
    synth_region,  # issue 17: a synthetic region
)
from childhub.cli import (
    leaders as leaders_cli,
)
from childhub.errors import ChildhubError

__all__ = ["app", "main"]

app = typer.Typer(
    name="childhub",
    help="A live, multi-agency children's data hub for English local authorities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class _ErrorEdge:
    """How ``main`` reports a failure: ``debug`` is the root ``--debug`` option, set by ``_root`` as it parses."""

    debug: bool = False


_edge = _ErrorEdge()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"childhub {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback when something fails.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """A live, multi-agency children's data hub for English local authorities."""
    _edge.debug = debug


app.command()(synth.synth)
app.command("synth-region")(synth_region.synth_region)
app.command()(admin.sql)
app.command()(admin.status)
app.command()(ingest.ingest)
app.command()(ingest.batches)
app.command()(ingest.batch)
app.command()(pull.pull)
app.command()(pull.watch)

app.command("link")(link.link_command)
app.add_typer(link.review_app, name="review")
app.command("link-lists")(link.link_lists_command)
app.command("match-list")(link.match_list_command)
app.command("evaluate-linkage")(link.evaluate_linkage)
app.add_typer(link.export_app, name="export")
link.export_app.command("pooled")(region.export_pooled)
app.add_typer(region.region_app, name="region")
app.add_typer(reconcile.reconcile_app, name="reconcile")
app.command("indicators")(measure.indicators_command)
app.command("indicator")(measure.indicator_command)
app.command()(serve.demo)
app.command("annex-a")(measure.annex_a_command)
app.command("scrutiny-pack")(scrutiny.scrutiny_pack_command)
app.command()(dq.validate)
app.command("dq")(dq.dq_command)
app.command()(returns.returns)
app.command("nhs-readiness")(nhs.nhs_readiness_command)
app.command("nhs-trace")(nhs.nhs_trace_command)
app.add_typer(dfe_api.dfe_api_app, name="dfe-api")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.audit_app, name="audit")
feeds.feeds_app.command("run")(pull.feeds_run)
app.add_typer(feeds.feeds_app, name="feeds")
app.command()(serve.serve)
app.add_typer(clusters.clusters_app, name="clusters")
app.add_typer(comparators.comparators_app, name="comparators")
# issue 16, leaders: the commentary on an indicator and the self-evaluation
app.add_typer(leaders_cli.commentary_app, name="commentary")
app.add_typer(leaders_cli.self_evaluation_app, name="self-evaluation")


def main() -> None:
    """The console script: a failure is one plain line and a non-zero exit; ``childhub --debug`` raises it."""
    _edge.debug = False
    os.umask(0o077)  # whatever childhub writes is the hub account's alone (the store's modes are the first line)
    try:
        app(prog_name="childhub")
    except ChildhubError as error:
        if _edge.debug:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # the last line of defence: no traceback without --debug
        if _edge.debug:
            raise
        typer.echo(
            f"error: unexpected {type(error).__name__}: {error} (run again with --debug to see the traceback)",
            err=True,
        )
        sys.exit(1)
