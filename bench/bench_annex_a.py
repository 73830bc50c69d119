"""Benchmark: Annex A (Lists 1-11, xlsx) with its check, on a large authority, and where the time goes.

    .venv/bin/python bench/bench_annex_a.py [--size large] [--seed 43] [--repeats 5] [--store DIR]
        [--before-src DIR] [--no-write]

Target (issue 12): Annex A for the `large` authority with its check in under 2 s. Each figure is the
median of ``--repeats`` runs, each in a fresh process on a fresh read-only connection to a store that
keeps its facts (as every store does after an ingest or link). Measured: the workbook without the check
and with it; and, to say where the time goes, the list queries alone (every row fetched, nothing
converted), the rows as cells (``annex_a_rows``) and the check over rows in hand. The store is prepared
(generated, ingested, linked) once, as bench/bench_indicators.py prepares it, or taken from ``--store``
(a folder holding authority/ and store/). ``--before-src`` names another copy of childhub's ``src``
folder (``git archive <commit> src | tar -x -C DIR``) whose ``write_annex_a`` is timed the same way, with the
check and without, on the same store, in the same session: the figures before a change. Each run reports
its wall time and its CPU time (every thread of the process: the machine is shared, and CPU time moves
less with other people's load); the table says the load average when the runs began and ended. Writes its
table into docs/benchmarks.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_indicators import AS_AT, prepared  # the same large authority, prepared the same way
from common import ROOT, write_section

COMMON = """
import json, time
from datetime import date
from pathlib import Path
from childhub.store import Store
store = Store(Path({store!r}))
as_at = date.fromisoformat({as_at!r})
"""

WORKBOOK = """
from childhub.annex_a.export import write_annex_a
started, cpu = time.perf_counter(), time.process_time()
report = write_annex_a(store, as_at, Path({out!r}){check})
seconds = time.perf_counter() - started
result = {{"seconds": seconds, "cpu": time.process_time() - cpu, "rows": sum(report.rows.values()),
          "findings": len(report.check.findings) if getattr(report, "check", None) else 0}}
"""

QUERIES = """
from childhub.annex_a import template, version_for
from childhub.annex_a.export import _prepare, list_queries
from childhub.store import quote_identifier
annex = template(version_for(as_at))
with store.reader() as conn:
    started = time.perf_counter()
    _prepare(conn)
    rows = 0
    for annex_list in annex.lists:
        sql = list_queries()[annex_list.number].sql.rstrip().rstrip(";")
        columns = ", ".join(quote_identifier(c.id) for c in annex_list.columns)
        parameters = {{"as_at": as_at}} if "$as_at" in sql else {{}}
        rows += len(conn.execute(f"SELECT {{columns}} FROM ({{sql}}) AS q", parameters).fetchall())
    result = {{"seconds": time.perf_counter() - started, "rows": rows}}
"""

ROWS = """
from childhub.annex_a.export import annex_a_rows
with store.reader() as conn:
    started = time.perf_counter()
    lists = annex_a_rows(conn, as_at)
    result = {{"seconds": time.perf_counter() - started, "rows": sum(len(x.rows) for x in lists)}}
"""

CHECK = """
from childhub.annex_a import template, version_for
from childhub.annex_a.export import annex_a_rows, check_lists
with store.reader() as conn:
    lists = annex_a_rows(conn, as_at)
    started = time.perf_counter()
    in_hand = [(x.annex_list, x.rows, x.hidden) for x in lists]  # hidden columns too, as the export checks them
    checked = check_lists(template(version_for(as_at)), as_at, in_hand, conn)
    result = {{"seconds": time.perf_counter() - started, "rows": sum(len(x.rows) for x in lists),
              "findings": len(checked.findings)}}
"""

FINISH = """
Path({result_file!r}).write_text(json.dumps(result))
"""


def measure(name: str, body: str, repeats: int, fields: dict, src: Path | None = None, **extra) -> list[dict]:
    """``repeats`` runs of ``body``, each in a fresh process (importing childhub from ``src`` if given)."""
    runs = []
    environment = dict(os.environ, PYTHONPATH=str(src)) if src else None
    with tempfile.TemporaryDirectory() as scratch:
        result_file = Path(scratch) / "result.json"
        for repeat in range(repeats):
            out = str(Path(scratch) / f"annex_a_{repeat}.xlsx")
            code = (COMMON + body + FINISH).format(**fields, **extra, out=out, result_file=str(result_file))
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=environment)
            runs.append(json.loads(result_file.read_text()))
            print(f"{name} run {repeat + 1}: {runs[-1]}", flush=True)
    return runs


def _load(averages: tuple[float, float, float]) -> str:
    return ", ".join(f"{average:.2f}" for average in averages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--store", type=Path, help="A prepared folder (authority/ and store/) to reuse.")
    parser.add_argument("--before-src", type=Path, help="Another childhub src folder to time as 'before'.")
    parser.add_argument("--no-write", action="store_true", help="Print the figures; leave docs/benchmarks.md.")
    args = parser.parse_args()

    authority, store, manifest = prepared(args.store, args.size, args.seed, "childhub-bench-annex-a-")
    fields = {"store": str(store), "as_at": AS_AT.isoformat()}

    load_before = os.getloadavg()
    checked = measure("workbook with its check", WORKBOOK, args.repeats, fields, check=", check=True")
    plain = measure("workbook", WORKBOOK, args.repeats, fields, check="")
    before_checked, before = [], []
    if args.before_src:
        check = ", check=True"
        before_checked = measure("before, with its check", WORKBOOK, args.repeats, fields, args.before_src, check=check)
        before = measure("before", WORKBOOK, args.repeats, fields, args.before_src, check="")
    queries = measure("list queries", QUERIES, args.repeats, fields)
    rows = measure("rows as cells", ROWS, args.repeats, fields)
    check = measure("check over rows in hand", CHECK, args.repeats, fields)
    load_after = os.getloadavg()

    def median(runs: list[dict], field: str = "seconds") -> float:
        return statistics.median(run[field] for run in runs)

    def cpu(runs: list[dict]) -> str:
        return f"{median(runs, 'cpu'):.2f} s" if runs and "cpu" in runs[0] else ""

    table = [
        ("Annex A with its check, Lists 1-11 (xlsx)", checked, "2 s", f"{checked[0]['findings']:,} findings"),
        ("Annex A without the check (xlsx)", plain, "", f"{plain[0]['rows']:,} rows"),
        *(
            [
                (
                    "before (--before-src): Annex A with its check",
                    before_checked,
                    "",
                    f"{before_checked[0]['findings']:,} findings",
                ),
                ("before (--before-src): Annex A without the check", before, "", f"{before[0]['rows']:,} rows"),
            ]
            if before
            else []
        ),
        ("of which: the list queries, every row fetched", queries, "", f"{queries[0]['rows']:,} rows"),
        ("of which: the rows as cells (queries included)", rows, "", ""),
        ("the check alone, over rows in hand", check, "", f"{check[0]['findings']:,} findings"),
    ]
    lines = "\n".join(
        f"| {name} | {median(runs):.2f} s | {cpu(runs)} | {target} | {what} |" for name, runs, target, what in table
    )
    markdown = f"""
## Annex A and its check ({args.size})

`bench/bench_annex_a.py --size {args.size} --seed {args.seed} --repeats {args.repeats}`: a `{args.size}` authority
({manifest["children_0_17"]:,} children aged 0-17, as at {AS_AT}), ingested and linked, its facts kept in the store.
Each time is the median of {args.repeats} runs, each in a fresh process on a new read-only connection; "before" is
another copy of childhub's code (`--before-src`) timed on the same store in the same session. Load average (1, 5,
15 minutes) when the runs began: {_load(load_before)}; when they ended: {_load(load_after)}.

| what | median wall | median CPU | target | size |
| --- | ---: | ---: | ---: | --- |
{lines}
"""
    print(markdown)
    if not args.no_write:
        write_section(f"annex-a-{args.size}", markdown)


if __name__ == "__main__":
    main()
