"""Benchmark: the scrutiny pack (``childhub scrutiny-pack``): building it, then writing it as PDF and as Word.

    .venv/bin/python bench/bench_scrutiny_pack.py [--size small] [--seed 43] [--repeats 3] [--store DIR] [--no-write]

Target (issue 16): the pack for the `large` authority written in under 10 s. Each figure is the median of
``--repeats`` runs, each in a fresh process on a fresh read-only connection (nothing counted before: what the
command line pays; the web app reads the same figures from its per-snapshot cache, warmed before a snapshot
serves). Timed: ``build_pack`` (every indicator's figure and monthly trend, the audits and surveys), the
document (``pack_document``), the PDF and the Word file, and the command's whole work for one file (build and
PDF), each as wall time and as CPU time of every thread of the process (the machine is shared: CPU time
moves less with other people's load). The store is prepared (generated, ingested, linked) once, as
bench/bench_indicators.py prepares it, or taken from ``--store`` (a folder holding authority/ and store/).
Writes its table into docs/benchmarks.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_indicators import AS_AT, prepared
from common import ROOT, write_section

RUN = """
import json, time
from datetime import date
from pathlib import Path
from childhub.documents import docx_bytes, pdf_bytes
from childhub.indicators import AuthoritySettings, calculator
from childhub.leaders import CalculatorCounts, build_pack, pack_document
from childhub.store import HubDatabase, Store
store = Store(Path({store!r}))
authority = AuthoritySettings(name="Benchmark", population_0_17={population})
result = {{}}

def timed(key, work):
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    result[key], result[key + "_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
    return done

def build():
    with calculator(store, authority) as calc:
        return build_pack(CalculatorCounts(calc), as_at=date.fromisoformat({as_at!r}), authority=authority,
                          threshold=5, hub=HubDatabase(store.data_dir), cursor=calc.conn)

pack = timed("build", build)
doc = timed("document", lambda: pack_document(pack))
pdf = timed("pdf", lambda: pdf_bytes(doc))
word = timed("docx", lambda: docx_bytes(doc))
for end in ("", "_cpu"):
    result["command_pdf" + end] = result["build" + end] + result["document" + end] + result["pdf" + end]
result["indicators"] = pack.summary.indicators
result["pdf_kb"], result["docx_kb"] = len(pdf) / 1024, len(word) / 1024
print("RESULT " + json.dumps(result))
"""

ROWS = (
    ("build_pack: every figure and 12 monthly points, audits, surveys", "build"),
    ("the document (pack_document)", "document"),
    ("the PDF (pdf_bytes)", "pdf"),
    ("the Word file (docx_bytes)", "docx"),
    ("**the command for one PDF: build, document, PDF**", "command_pdf"),
)


def run_once(fields: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", RUN.format(**fields)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    # DuckDB's progress bar may share the last line (it ends with a carriage return, not a line end)
    return json.loads(out.rpartition("RESULT ")[2].splitlines()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--store", type=Path, help="A prepared folder (authority/ and store/) to reuse.")
    parser.add_argument("--no-write", action="store_true", help="Print the table; leave docs/benchmarks.md alone.")
    args = parser.parse_args()

    _, store, manifest = prepared(args.store, args.size, args.seed, "childhub-bench-scrutiny-")
    fields = {"store": str(store), "as_at": AS_AT.isoformat(), "population": manifest["children_0_17"]}
    load_before = os.getloadavg()[0]
    runs = [run_once(fields) for _ in range(args.repeats)]
    load_after = os.getloadavg()[0]
    lines = [
        f"## The scrutiny pack ({args.size})",
        "",
        f"`bench/bench_scrutiny_pack.py --size {args.size} --seed {args.seed} --repeats {args.repeats}`: the pack "
        f"as at {AS_AT.isoformat()} ({runs[0]['indicators']} indicators; PDF {runs[0]['pdf_kb']:,.0f} KB, Word "
        f"{runs[0]['docx_kb']:,.0f} KB), each run in a fresh process with nothing counted before. Target for "
        f"`large`: under 10 s. Load average (1 minute) {load_before:.1f} when the runs began and {load_after:.1f} when "
        f"they ended, on {os.cpu_count()} cores: wall time is CPU time stretched by everyone else's work.",
        "",
        "| step | median wall | median CPU (every thread) | wall of each run |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, key in ROWS:
        seconds = [run[key] for run in runs]
        cpu = statistics.median(run[key + "_cpu"] for run in runs)
        each = ", ".join(f"{s:.2f}" for s in seconds)
        lines.append(f"| {label} | {statistics.median(seconds):.2f} s | {cpu:.2f} s | {each} |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_section(f"scrutiny-pack-{args.size}", table)


if __name__ == "__main__":
    main()
