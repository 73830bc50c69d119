"""Benchmark: the indicator table, 24 monthly points of every indicator, and Annex A, on a large authority.

    .venv/bin/python bench/bench_indicators.py [--size large] [--seed 43] [--repeats 3] [--store DIR]

Targets (issue 5), `large` authority (about 300,000 children), one as-at date: the whole
indicator table in under 5 s (with the facts the store keeps, and with them built on the fly);
24 monthly points of every indicator in under 30 s; Annex A (Lists 1-11, xlsx) in under 10 s.
Each figure is the median of ``--repeats`` runs, each in a fresh process on a fresh read-only
connection. Baseline, in the same run: copying every canonical table the facts read into
memory once (the bare cost of reading the rows), and 24 points counted one query per point
(what the single query with a ``period`` relation replaces). The store is prepared (generated,
ingested, linked) once, or taken from ``--store``. Writes its table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from common import ROOT, write_section

AS_AT = date(2026, 11, 30)

PREPARE = """
from datetime import date
from pathlib import Path
from childhub.hub import ingest, link
from childhub.store import Store
from childhub.synth import generate, mapping_files
made = generate({size!r}, {seed}, date.fromisoformat({as_at!r}), Path({authority!r}))
store = Store(Path({store!r}))
ingest(store, [made.extracts], mapping_files=mapping_files())
link(store)
"""

COMMON = """
import json, re, time
from datetime import date
from pathlib import Path
from childhub.store import Store
from childhub.indicators import AuthoritySettings, calculator, library
store = Store(Path({store!r}))
as_at = date.fromisoformat({as_at!r})
authority = AuthoritySettings(population_0_17={population})
result = {{}}
"""

BASELINE = """
from childhub.facts.build import _facts
tables = sorted({{t for fact in _facts().values() for t in re.findall(r"@current\\((\\w+)\\)", fact.sql)}}
                | {{"cla_episodes", "legal_status", "cla_placement", "child_link"}})
with store.reader() as conn:
    started = time.perf_counter()
    rows = 0
    for table in tables:
        conn.execute(f'CREATE TEMP TABLE copy_{{table}} AS SELECT * FROM "{{table}}"')
        rows += conn.execute(f"SELECT count(*) FROM copy_{{table}}").fetchone()[0]
    result = {{"seconds": time.perf_counter() - started, "rows": rows, "tables": len(tables)}}
"""

TABLE = """
started = time.perf_counter()
with calculator(store, authority) as calc:
    figures = calc.figures(as_at)
result = {{"seconds": time.perf_counter() - started, "indicators": len(figures)}}
"""

REFRESH = """
from childhub.facts import refresh
with store.writer() as conn:
    seconds = refresh(conn, force=True)
result = {{"seconds": seconds}}
"""

TABLE_COLD = """
from childhub.facts import prepare
started = time.perf_counter()
with calculator(store, authority) as calc:
    prepare(calc.conn, known_on=date(2100, 1, 1))  # as known on a later date: every fact built on the fly
    figures = calc.figures(as_at)
result = {{"seconds": time.perf_counter() - started, "indicators": len(figures)}}
"""

TRENDS = """
started = time.perf_counter()
with calculator(store, authority) as calc:
    points = sum(len(calc.trend(ind.id, as_at, "monthly", 24).figures) for ind in library().values())
result = {{"seconds": time.perf_counter() - started, "points": points}}
"""

TRENDS_ONE_BY_ONE = """
from childhub.indicators import period_ending, series_ends
started = time.perf_counter()
with calculator(store, authority) as calc:
    points = 0
    for ind in library().values():
        kind = "snapshot" if ind.period == "snapshot" else ("month" if "month" in ind.allowed_periods else ind.period)
        for end in series_ends(as_at, "monthly", 24):
            points += len(calc.calculate(ind, [period_ending(kind, end)]))
result = {{"seconds": time.perf_counter() - started, "points": points}}
"""

ANNEX_A = """
from childhub.annex_a.export import write_annex_a
started = time.perf_counter()
report = write_annex_a(store, as_at, Path({out!r}))
result = {{"seconds": time.perf_counter() - started, "rows": sum(report.rows.values())}}
"""

FINISH = """
Path({result_file!r}).write_text(json.dumps(result))
"""


def run_child(code: str, result_file: Path) -> dict:
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return json.loads(result_file.read_text())


def measure(name: str, body: str, repeats: int, fields: dict) -> list[dict]:
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        result_file = Path(scratch) / "result.json"
        for repeat in range(repeats):
            out = str(Path(scratch) / f"annex_a_{repeat}.xlsx")
            code = (COMMON + body + FINISH).format(**fields, out=out, result_file=str(result_file))
            runs.append(run_child(code, result_file))
            print(f"{name} run {repeat + 1}: {runs[-1]}", flush=True)
    return runs


def prepared(folder: Path | None, size: str, seed: int, prefix: str) -> tuple[Path, Path, dict]:
    """The authority folder, the store folder and the manifest of an authority generated, ingested and linked
    (once: a folder already holding a store is reused; without ``folder``, a new temporary one)."""
    folder = folder or Path(tempfile.mkdtemp(prefix=prefix))
    authority, store = folder / "authority", folder / "store"
    if not (store / "childhub.duckdb").exists():
        code = PREPARE.format(size=size, seed=seed, as_at=AS_AT.isoformat(), authority=str(authority), store=str(store))
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return authority, store, json.loads((authority / "manifest.json").read_text("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--store", type=Path, help="A prepared folder (authority/ and store/) to reuse.")
    args = parser.parse_args()

    authority, store, manifest = prepared(args.store, args.size, args.seed, "childhub-bench-indicators-")
    fields = {"store": str(store), "as_at": AS_AT.isoformat(), "population": manifest["children_0_17"]}

    baseline = measure("baseline", BASELINE, args.repeats, fields)
    refreshed = measure("refresh", REFRESH, args.repeats, fields)
    table = measure("table", TABLE, args.repeats, fields)
    table_cold = measure("table, facts built on the fly", TABLE_COLD, args.repeats, fields)
    trends = measure("trends", TRENDS, args.repeats, fields)
    one_by_one = measure("trends one query per point", TRENDS_ONE_BY_ONE, 1, fields)
    annex = measure("annex a", ANNEX_A, args.repeats, fields)

    def median(runs: list[dict]) -> float:
        return statistics.median(run["seconds"] for run in runs)

    base = median(baseline)
    rows = [
        ("indicator table, one date", median(table), "5 s", f"{table[0]['indicators']} indicators"),
        (
            "indicator table, facts built on the fly (a store changed since its refresh)",
            median(table_cold),
            "5 s",
            f"{table_cold[0]['indicators']} indicators",
        ),
        ("24 monthly points of every indicator", median(trends), "30 s", f"{trends[0]['points']:,} points"),
        ("Annex A, Lists 1-11 (xlsx)", median(annex), "10 s", f"{annex[0]['rows']:,} rows"),
        ("refreshing the facts in the store (after an ingest or link)", median(refreshed), "", "every fact"),
        ("baseline: copy the tables the facts read", base, "", f"{baseline[0]['rows']:,} rows"),
        ("baseline: 24 points, one query per point (1 run)", median(one_by_one), "", f"{one_by_one[0]['points']:,}"),
    ]
    table_md = "\n".join(
        f"| {name} | {seconds:.2f} s | {seconds / base:.1f} | {target} | {what} |"
        for name, seconds, target, what in rows
    )
    write_section(
        f"indicators-{args.size}",
        f"""
## Indicators and Annex A ({args.size})

`bench/bench_indicators.py --size {args.size} --seed {args.seed} --repeats {args.repeats}`: a `{args.size}` authority
({manifest["children_0_17"]:,} children aged 0-17, as at {AS_AT}), ingested and linked. Each time is the median of
{args.repeats} runs, each in a fresh process on a new read-only connection. The store keeps its facts (rebuilt
after every ingest and link: the refresh row), so the table, trends and Annex A read them; the row "facts built
on the fly" is what a reader pays when the store changed since its last refresh. Ratio: to the baseline of
copying every canonical table the facts read, once.

| what | median | ratio to baseline | target | size |
| --- | ---: | ---: | ---: | --- |
{table_md}
""",
    )
    print((ROOT / "docs" / "benchmarks.md").read_text().split(f"<!-- indicators-{args.size}:start -->")[1][:2000])


if __name__ == "__main__":
    main()
