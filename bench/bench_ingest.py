"""Benchmark: ingesting every extract of a synthetic authority.

    .venv/bin/python bench/bench_ingest.py [--size large] [--repeats 3] [--authority DIR]

Target (issue 3): all extracts of the `large` authority in under 60 s on this 2-core
machine, with peak memory under 4 GB. Baseline, in the same run on the same files: pandas
reads each CSV as text and DuckDB stores the frame as it is (no detection, no checks, no
canonical model, no history) — the naive way; XML files are left out of it, so the ratio
flatters the baseline. Needs pandas: pip install -e '.[bench]'. Writes its table into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from datetime import date
from pathlib import Path

from common import time_python, write_section

INGEST = """
from pathlib import Path
from childhub.hub import ingest
from childhub.store import Store
from childhub.synth import EXTRACTS, mapping_files
reports = ingest(Store(Path({store!r})), [Path({authority!r}) / EXTRACTS], mapping_files=mapping_files())
failed = [r for r in reports if not r.ok]
assert not failed, failed
"""
BASELINE = """
from pathlib import Path
import duckdb, pandas
Path({database!r}).unlink(missing_ok=True)  # a fresh database each run
conn = duckdb.connect({database!r})
for number, path in enumerate(sorted((Path({authority!r}) / "extracts").rglob("*.csv"))):
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
    conn.execute(f"CREATE TABLE t{{number}} AS SELECT * FROM frame")
conn.close()
"""
RATES = """
import json
from pathlib import Path
from childhub.store import Store
with Store(Path({store!r})).reader() as conn:
    rows = conn.execute(
        "SELECT source_kind, sum(rows_read), sum(epoch(finished_at) - epoch(started_at)) FROM ingest_batch "
        "GROUP BY source_kind ORDER BY 2 DESC"
    ).fetchall()
Path({out!r}).write_text(json.dumps(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--authority", type=Path, help="an authority already generated (else one is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        authority = args.authority
        if authority is None:
            from childhub.synth import generate

            authority = temp / "authority"
            generate(args.size, 1, date(2026, 3, 31), authority)
        manifest = json.loads((authority / "manifest.json").read_text())
        records = sum(n for name, n in manifest["files"].items() if name != "truth.csv")
        stores = [temp / f"store{i}" for i in range(args.repeats)]
        timings = []
        for store in stores:  # a fresh store each time
            timings.append(time_python(INGEST.format(store=str(store), authority=str(authority)), 1))
            print(f"ingest: {timings[-1].seconds[0]:.1f} s, peak {timings[-1].peak_mb[0]:,.0f} MB", flush=True)
        baseline = time_python(
            BASELINE.format(database=str(temp / "baseline.duckdb"), authority=str(authority)), args.repeats
        )
        rates_file = temp / "rates.json"
        time_python(RATES.format(store=str(stores[0]), out=str(rates_file)), 1)
        rates = json.loads(rates_file.read_text())
    seconds = statistics.median(t.seconds[0] for t in timings)
    peak = statistics.median(t.peak_mb[0] for t in timings)
    lines = [
        f"`bench/bench_ingest.py --size {args.size} --repeats {args.repeats}`: every extract of the `{args.size}` "
        f"authority ({manifest['children_0_17']:,} children, {records:,} records in "
        f"{len(manifest['files']) - 1} files), each run into a fresh store in a fresh process. "
        "Targets for `large`: under 60 s and 4 GB.",
        "",
        "| run | median s | peak MB | ratio to baseline |",
        "| --- | ---: | ---: | ---: |",
        f"| childhub ingest (detect, check, quarantine, canonical model, history, archive) | {seconds:.1f} "
        f"| {peak:,.0f} | {seconds / baseline.median_seconds:.2f}x |",
        f"| baseline: pandas read_csv + DuckDB table per CSV, no checks | {baseline.median_seconds:.1f} "
        f"| {baseline.median_peak_mb:,.0f} | 1.00x |",
        "",
        "Rows per second by kind (first run, from each batch's own start and finish times):",
        "",
        "| kind | rows | seconds | rows per second |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, rows, spent in rates:
        lines.append(f"| {kind} | {int(rows):,} | {spent:.2f} | {int(rows) / spent if spent else 0:,.0f} |")
    print("\n".join(lines))
    write_section("ingest", "## Ingest\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
