"""Benchmark: generating the synthetic authority at each size.

    .venv/bin/python bench/bench_synth.py [--sizes tiny,small,medium,large] [--repeats 3]

Target (issue 2): `large` (about 300,000 children) in under 3 minutes on this 2-core
machine. Baseline, in the same run: Python's csv module writing the same number of rows
(ten short fields each) that the generator wrote for that size, the bare cost of
producing the files; the ratio says how much the simulation adds to it.
Writes its table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import time_python, write_section

GENERATE = """
from datetime import date
from pathlib import Path
from childhub.synth import generate
generate({size!r}, 1, date(2026, 3, 31), Path({out!r}))
"""
BASELINE = """
import csv
with open({out!r}, "w", newline="") as handle:
    writer = csv.writer(handle)
    row = ["P0000001", "Oliver", "Smith", "2012-05-01", "M", "WBRI", "QX12 4AB", "2025-01-01", "N1", "PR1"]
    for _ in range({rows}):
        writer.writerow(row)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,small,medium,large")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lines = [
        "| size | children 0-17 | records written | generate, median s | peak MB "
        "| baseline (csv writer, same rows), median s | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as temp:
            out = Path(temp) / "authority"
            timing = time_python(GENERATE.format(size=size, out=str(out)), args.repeats)
            manifest = json.loads((out / "manifest.json").read_text())
            rows = sum(manifest["files"].values())
            baseline = time_python(BASELINE.format(out=str(Path(temp) / "baseline.csv"), rows=rows), args.repeats)
        ratio = timing.median_seconds / baseline.median_seconds
        lines.append(
            f"| {size} | {manifest['children_0_17']:,} | {rows:,} | {timing.median_seconds:.1f} "
            f"| {timing.median_peak_mb:,.0f} | {baseline.median_seconds:.2f} | {ratio:.1f}x |"
        )
        print(lines[-1], flush=True)
    note = (
        f"`bench/bench_synth.py --sizes {args.sizes} --repeats {args.repeats}`: medians of {args.repeats} runs, "
        "each in a fresh process. Target: `large` in under 180 s."
    )
    write_section("synth", "## Synthetic authority generation\n\n" + note + "\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
