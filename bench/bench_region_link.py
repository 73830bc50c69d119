"""Benchmark: the cross-authority link of a region, on encodings and on the clear data, on DuckDB and Spark.

    .venv/bin/python bench/bench_region_link.py [--authorities 3] [--children 1500] [--seed 11]
                                                [--engines duckdb,spark]

A region drawn by tests/region/region_fixture.py (its authorities share children who moved, with truth; until
``childhub synth-region`` lands), each authority's pooled export written by that fixture's encoder. Each run, in a
fresh process: ``childhub.region.link_children`` on the pooled exports (encodings), then on the same children's
clear table (names and full dates of birth compared by Jaro-Winkler and edit distance), timed (the link only, not
the drawing) and scored against truth with ``childhub.region.score_region``: pairwise precision, recall and F1 of
the pairs of children in different authorities. Peak memory is the whole process tree's (Python and Spark's JVM),
sampled every 0.2 s. Writes its table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, write_section

RUN = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {fixture!r})
import pyarrow.compute as pc
from region_fixture import KEY, clear_table, draw_region, truth, write_pooled_export
from childhub.region import link_children, score_region
records = draw_region({seed}, children={children}, authorities={authorities})
codes = sorted({{r.authority_code for r in records}})
with tempfile.TemporaryDirectory() as work:
    if {kind!r} == "encoded":
        children = {{c: write_pooled_export(Path(work, c), KEY, records, c) / "children.parquet" for c in codes}}
    else:
        table = clear_table(KEY, records)
        children = {{c: table.filter(pc.equal(table.column("authority_code"), c)) for c in codes}}
    started = time.perf_counter()
    linkage = link_children(children, engine={engine!r})
    seconds = time.perf_counter() - started
scores = score_region({{p: (a, linkage.region_child[p]) for a, p, _ in linkage.records}}, truth(KEY, records))
comparisons = sum(linkage.comparisons_by_rule.values())
print(json.dumps({{"seconds": seconds, "children": len(records), "comparisons": comparisons,
                  "precision": scores.precision, "recall": scores.recall, "f1": scores.f1,
                  "pairs": scores.true_positives + scores.false_negatives, "refused": linkage.refused}}))
"""


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in kB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path("/proc", entry, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        children.setdefault(int(fields["PPid"]), []).append(int(entry))
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(code: str) -> tuple[dict, float]:
    """Run ``code`` in a fresh Python; its printed JSON and the process tree's peak memory in MB."""
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.2)
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"benchmark run failed ({process.returncode})")
    return json.loads(output.strip().splitlines()[-1]), peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=3)
    parser.add_argument("--children", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    fixture = str(ROOT / "tests" / "region")
    rows = []
    for engine in args.engines.split(","):
        for kind in ("encoded", "clear"):
            code = RUN.format(
                fixture=fixture,
                seed=args.seed,
                children=args.children,
                authorities=args.authorities,
                kind=kind,
                engine=engine,
            )
            result, peak_mb = measure(code)
            print(engine, kind, json.dumps(result), f"peak {peak_mb:.0f} MB", flush=True)
            rows.append((engine, kind, result, peak_mb))
    lines = [
        f"Region link (`bench/bench_region_link.py --authorities {args.authorities} --children {args.children} "
        f"--seed {args.seed}`): {rows[0][2]['children']:,} children, {rows[0][2]['pairs']:,} true pairs across "
        "authorities; precision, recall and F1 of those pairs against truth; time of the link alone; peak memory of "
        "the process tree (Python and Spark's JVM).",
        "",
        "| engine | data | comparisons | precision | recall | F1 | joins refused | seconds | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, kind, result, peak_mb in rows:
        lines.append(
            f"| {engine} | {kind} | {result['comparisons']:,} | {result['precision']:.4f} | {result['recall']:.4f} "
            f"| {result['f1']:.4f} | {result['refused']} | {result['seconds']:.1f} | {peak_mb:.0f} |"
        )
    write_section("region-link", "\n".join(lines))


if __name__ == "__main__":
    main()
