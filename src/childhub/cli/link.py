"""Identity: ``childhub link``, the review of pairs it could not decide, lists of people, its evaluation against
truth, and the identities it gave (``export identities``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childhub.cli.options import DataDirOption, authority_of, store_for
from childhub.cli.output import with_progress
from childhub.errors import ChildhubError

review_app = typer.Typer(help="Pairs of records the linkage could not decide alone.", no_args_is_help=False)
export_app = typer.Typer(help="Take data out of the store.", no_args_is_help=True)


def link_command(
    threshold: Annotated[
        float, typer.Option("--threshold", help="Match probability at which a scored pair links (0.5-0.9999).")
    ] = 0.9,
    new_only: Annotated[
        bool, typer.Option("--new-only", help="Match only records that arrived since the last run, at once.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Give every source record a stable child ID, and group children into families."""
    from childhub.hub import link, link_new_records

    if not 0.5 <= threshold < 1:
        raise ChildhubError("--threshold must be at least 0.5 and below 1")
    if new_only:
        store = store_for(data_dir)
        matches = link_new_records(store, threshold=threshold, authority=authority_of(store))
        outcomes = {kind: sum(1 for m in matches if m.outcome == kind) for kind in ("joined", "new", "review")}
        typer.echo(
            f"Matched {len(matches):,} new records: {outcomes['joined']:,} joined existing children, "
            f"{outcomes['new']:,} became new children, {outcomes['review']:,} went to review."
        )
        return
    store = store_for(data_dir)
    result = with_progress(
        "Linking", lambda say: link(store, threshold=threshold, authority=authority_of(store), progress=say)
    )
    typer.echo(
        f"Linked {result.records:,} source records into {result.children:,} children in {result.families:,} "
        f"families ({result.pairs_scored:,} pairs scored; {result.queued:,} pairs await review; "
        f"{result.seconds:.1f}s, run {result.run_id})."
    )
    for rule, count in result.comparisons_by_rule.items():
        typer.echo(f"  blocking on {rule}: {count:,} comparisons")


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="How many pairs a page shows.", min=1)] = 20,
    page: Annotated[int, typer.Option("--page", help="Which page of the queue to show.", min=1)] = 1,
    twins: Annotated[
        str, typer.Option("--twins", help="The likely twins or siblings: last (after the rest), hide or only.")
    ] = "last",
    data_dir: DataDirOption = None,
) -> None:
    """Show open pairs side by side with the evidence per field (match weights): the pairs to settle first,
    the likely twins or siblings last."""
    if ctx.invoked_subcommand is not None:
        return
    from childhub.audit import record_command_line
    from childhub.link import REVIEW_FIELDS, review_queue

    store = store_for(data_dir)
    with store.reader() as conn:
        queue = review_queue(conn, page, limit, twins)
    record_command_line(
        store.data_dir,
        "view_review_queue",
        child_count=2 * len(queue.pairs),
        details={"pairs": [pair["pair_key"] for pair in queue.pairs], "limit": limit, "page": queue.page},
    )
    if not queue.total:
        typer.echo("No pairs await review.")
        return
    typer.echo(
        f"{queue.total:,} open {'pair' if queue.total == 1 else 'pairs'} ({queue.to_settle:,} to settle, "
        f"{queue.twins:,} likely twins or siblings{' listed last' if twins == 'last' else ''}); "
        + (
            f"showing {queue.first:,} to {queue.last:,}, page {queue.page:,} of {queue.pages:,}."
            if queue.pairs
            else f"there is no page {queue.page:,} of {queue.pages:,}."
        )
    )
    for pair in queue.pairs:
        twins_mark = "; likely twins or siblings" if pair["likely_twins"] else ""
        typer.echo(
            f"pair {pair['pair_key']}: probability {pair['match_probability']:.3f}; {pair['reason']}{twins_mark}"
        )
        for name in REVIEW_FIELDS:
            typer.echo(f"  {name:18s} {str(pair['left'][name] or ''):28s} {str(pair['right'][name] or '')}")
        weights = ", ".join(
            f"{name} {item['weight']:+.1f}" for name, item in pair["evidence"].items() if item.get("weight") is not None
        )
        typer.echo(f"  evidence: {weights}")
    typer.echo("Decide with: childhub review decide PAIR same|different")


@review_app.command("decide")
def review_decide(
    pair: Annotated[str, typer.Argument(help="The pair's key (as childhub review shows it), or its number.")],
    decision: Annotated[str, typer.Argument(help="same or different")],
    by: Annotated[str, typer.Option("--by", help="Who decided (for the audit trail).")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Record that a pair is the same child or different children; every later run keeps to it."""
    from childhub.audit import command_line_user, record_command_line
    from childhub.hub import decide
    from childhub.link import find_pair

    store = store_for(data_dir)
    with store.reader() as conn:
        found = find_pair(conn, pair)
    if found is None:
        raise ChildhubError(f"there is no pair {pair} in the review queue; childhub review lists them")
    decide(store, found["pair_id"], decision, by or command_line_user())
    record_command_line(
        store.data_dir,
        "review_decision",
        subject=found["pair_key"],
        child_count=2,
        details={"decision": decision},
        account=by or None,
    )
    typer.echo(f"Pair {found['pair_key']} recorded as {decision}; the next childhub link applies it.")


def link_lists_command(
    files: Annotated[list[Path], typer.Argument(help="CSV files of people.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="Which columns hold names, birth dates, identifiers.")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: every input row with its cluster.")],
    threshold: Annotated[float, typer.Option("--threshold", help="Match probability at which rows link.")] = 0.9,
) -> None:
    """Link rows of any lists of people to each other (no store is touched)."""
    from childhub.link import link_lists

    rows, groups = with_progress("Linking lists", lambda say: link_lists(files, mapping, out, threshold))
    typer.echo(f"Linked {rows:,} rows into {groups:,} people; wrote {out}.")


def match_list_command(
    file: Annotated[Path, typer.Argument(help="The list: a CSV file or an Excel workbook (its first sheet).")],
    mapping: Annotated[Path, typer.Option("--mapping", help="Which columns hold names, birth dates, identifiers.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write every row with its match: .csv or .xlsx.")],
    threshold: Annotated[
        float, typer.Option("--threshold", help="Match probability at which a row matches a child (0.5-0.9999).")
    ] = 0.9,
    data_dir: DataDirOption = None,
) -> None:
    """Match each row of a list against the children the store knows: the child (or none), how sure, why, and
    the services the child is known to. Read-only; written to the audit log."""
    from childhub.audit import record_command_line
    from childhub.facts import prepare
    from childhub.link import load_list_mapping, match_list, read_list, write_result

    if not 0.5 <= threshold < 1:
        raise ChildhubError("--threshold must be at least 0.5 and below 1")
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise ChildhubError(f"{out.name}: --out is a .csv or an .xlsx file")
    read = read_list(file, load_list_mapping(mapping))
    store = store_for(data_dir)

    def matched(say):
        with store.reader() as conn:
            prepare(conn, ["child", "person"])
            return match_list(conn, read, threshold=threshold, system_name=_service_words)

    result = with_progress("Matching the list", matched)
    write_result(result, out)
    counts = result.counts()
    record_command_line(
        store.data_dir,
        "match_list",
        subject=file.name,
        child_count=len(result.child_keys),
        children=result.child_keys,
        details={"rows": len(result.rows), **counts, "out": str(out), "threshold": threshold},
    )
    typer.echo(
        f"Matched {counts['matched']:,} of {len(result.rows):,} rows to children ({counts['uncertain']:,} possible "
        f"matches to check, {counts['none']:,} with no match) by {result.model}, in {result.seconds:.1f}s; "
        f"wrote {out}."
    )


def evaluate_linkage(
    truth: Annotated[Path, typer.Option("--truth", help="A synthetic authority's truth.csv.")],
    data_dir: DataDirOption = None,
) -> None:
    """Pairwise and cluster precision, recall and F1 for children and families, against truth."""
    from childhub.link import evaluate

    for name, scores in evaluate(store_for(data_dir), truth).items():
        typer.echo(
            f"{name}: pairwise precision {scores.precision:.4f}, recall {scores.recall:.4f}, F1 {scores.f1:.4f} "
            f"({scores.false_positives:,} false and {scores.false_negatives:,} missed pairs); "
            f"clusters: precision {scores.cluster_precision:.4f}, recall {scores.cluster_recall:.4f}"
        )


@export_app.command("identities")
def export_identities_command(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    data_dir: DataDirOption = None,
) -> None:
    """source, source_record_id, child_id and family_id for every source record."""
    from childhub.audit import record_command_line
    from childhub.link import export_identities

    store = store_for(data_dir)
    rows = export_identities(store, out)
    keys = _child_keys_in(out)
    record_command_line(
        store.data_dir,
        "export_identities",
        subject=str(out),
        child_count=len(keys),
        details={"rows": rows},
        children=keys,
    )
    typer.echo(f"Wrote {rows:,} source records with their child and family IDs to {out}.")


def _child_keys_in(identities: Path) -> set[str]:
    """The child keys (``C`` and the child ID) of an identities file just written, for the audit log."""
    import csv

    with identities.open(encoding="utf-8-sig", newline="") as handle:
        return {f"C{row['child_id']}" for row in csv.DictReader(handle) if row["child_id"]}


def _service_words(system: str) -> str:
    """A source system as the people reading a matched list know it: "Children's social care"."""
    from childhub.codes import label

    return label("service", system) or system
