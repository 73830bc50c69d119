"""Data quality against the peer validators, side by side on the same files, and every rule over a store's history.

    .venv/bin/python bench/bench_dq.py [--repeats 3] [--parity DIR] [--large DIR] [--samples DIR]

For each set of files (the D2I samples: SSDA903 tables of 2,675 children, the 332-child CIN census; a synthetic
authority's 2025-26 SSDA903 with last year's tables and its CIN census, from the parity script's datasets in
--parity), the wall time of a whole process, and its CPU time: the peer validator (scripts/peer_validate.sh, in
its own virtual environment, harness included; PEER_VENV names it) and ``childhub validate`` (reading, every
rule and the findings as JSON); medians of --repeats, and the ratios; and childhub's reading and rules in a
process already started (imports and caches warm, as in ``childhub serve`` or a batch of returns). With --large
(a prepared folder holding store/, as bench/bench_indicators.py makes it), the time of every rule over the whole
history of that store (``dq.check``: every return for every year held and the checks across systems), on a copy.
Figures go to docs/benchmarks.md, section "Data quality".
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_section  # noqa: E402

PEER = ROOT / "scripts" / "peer_validate.sh"
SAMPLES = ROOT.parent / "shared" / "samples"


def timed(command: list[str], repeats: int) -> tuple[float, float]:
    """The median wall seconds of a whole process, and its median CPU seconds (user and system, its children
    included): on a shared machine the CPU time says what the wall time may not."""
    seconds, cpu = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(seconds), statistics.median(cpu)


IN_PROCESS = """
import statistics, sys, time
from pathlib import Path
from childhub.dq import read_returns, run_rules

paths, year, repeats = [Path(p) for p in sys.argv[3:]], int(sys.argv[1]), int(sys.argv[2])
seconds = []
for _ in range(repeats + 1):  # the first warms the caches (the rule library, the bank holidays)
    started = time.perf_counter()
    runs = read_returns(paths, year)
    found = sum(len(run_rules(run)) for run in runs)
    seconds.append(time.perf_counter() - started)
    for run in runs:
        run.close()
print(statistics.median(seconds[1:]), found)
"""


def in_process(paths: list[str], year: int, repeats: int) -> tuple[float, int]:
    """Reading the files and every rule, in a process that has imported childhub and run them once: the
    median seconds, and the findings."""
    done = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(year), str(repeats), *paths],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, found = done.stdout.split()
    return float(seconds), int(found)


def layout(work: Path, name: str, tables: Path | None, previous: Path | None, census: Path | None) -> Path:
    folder = work / name
    if tables:
        shutil.copytree(tables, folder / "ssda903", ignore=shutil.ignore_patterns("*.xml"))
    if previous:
        shutil.copytree(previous, folder / "ssda903_previous")
    if census:
        (folder / "cin").mkdir(parents=True)
        shutil.copy(census, folder / "cin")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parity", type=Path, default=ROOT / ".dq-parity", help="scripts/dq_parity.py's --work")
    parser.add_argument("--large", type=Path, help="a prepared folder with store/ (bench/bench_indicators.py)")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="the D2I samples (../shared/samples)")
    args = parser.parse_args()
    childhub = [sys.executable, "-m", "childhub", "validate", "--format", "json"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="childhub-bench-dq-") as temp:
        work = Path(temp)
        sets = [
            (
                "D2I samples, SSDA903 (2,675 children)",
                "903",
                layout(work, "s903", args.samples / "ssda903", None, None),
                2019,
            )
        ]
        sets.append(
            (
                "D2I samples, CIN census (332 children)",
                "cin",
                layout(work, "scin", None, None, args.samples / "cin" / "fake_CIN_data.xml"),
                2022,
            )
        )
        datasets = args.parity / "datasets"
        if (datasets / "synth-clean-903-2026").exists():
            sets.append(
                ("synthetic small, SSDA903 2025-26 with 2024-25", "903", datasets / "synth-clean-903-2026", 2026)
            )
            sets.append(("synthetic small, CIN census 2025-26", "cin", datasets / "synth-clean-cin-2026", 2026))
        for label, kind, folder, year in sets:
            peer_args = ["bash", str(PEER), str(folder), "--only", kind, "--year", str(year)]
            if kind == "903" and "synth" in str(folder):
                peer_args += ["--la", "E99999999"]
            paths = [str(p) for p in sorted((folder / ("ssda903" if kind == "903" else "cin")).iterdir())]
            if kind == "903" and (folder / "ssda903_previous").exists():
                # the folders' names carry no year: give the return's year (last year's is worked out from it)
                prev = work / f"{folder.name}-years"
                shutil.copytree(folder / "ssda903", prev / str(year))
                shutil.copytree(folder / "ssda903_previous", prev / str(year - 1))
                paths = [str(prev)]
            theirs, their_cpu = timed(peer_args, args.repeats)
            ours, our_cpu = timed([*childhub, "--year", str(year), *paths], args.repeats)
            inside, found = in_process(paths, year, args.repeats)
            rows.append(
                f"| {label} | {theirs:.2f} s ({their_cpu:.2f} s CPU) | {ours:.2f} s ({our_cpu:.2f} s CPU) "
                f"| {theirs / ours:.1f}x ({their_cpu / our_cpu:.1f}x) | {inside:.2f} s | {found:,} |"
            )
            print(rows[-1], flush=True)
    table = [
        "| files | peer validator (whole process) | `childhub validate` (whole process) | faster "
        "| childhub in process (reading and every rule) | findings |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    if args.large:
        with tempfile.TemporaryDirectory(prefix="childhub-bench-dq-large-") as temp:
            store = Path(temp) / "store"
            shutil.copytree(args.large / "store", store, ignore=shutil.ignore_patterns("serve", "archive"))
            # the whole of dq.check: every year's return tables derived, every rule, the checks across systems and
            # the findings recorded
            code = (
                "import time; from pathlib import Path; from childhub.store import Store;"
                "from childhub import facts, dq;"
                f"s = Store(Path({str(store)!r}));\n"
                "with s.writer() as c:\n"
                "    facts.refresh(c); t = time.perf_counter(); r = dq.check(c, everything=True)\n"
                "    print(time.perf_counter() - t, r.rules_run, r.findings, r.years)"
            )
            seconds = []
            for _ in range(args.repeats):
                done = subprocess.run(
                    [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
                )
                took, rules_run, findings, years = done.stdout.strip().split(" ", 3)
                seconds.append(float(took))
            median = statistics.median(seconds)
            table += [
                "",
                f"Every rule over the whole history of the large authority's store (`dq.check`, the facts "
                f"already refreshed, every year run, the findings recorded): median {median:.1f} s of {args.repeats} "
                f"({', '.join(f'{s:.1f}' for s in seconds)} s; {int(rules_run):,} rules run, {int(findings):,} "
                f"findings; {years}).",
            ]
            print(table[-1])
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    table += ["", f"Load average (1, 5, 15 minutes) when the figures were taken: {load}."]
    write_section("dq", "## Data quality\n\n" + "\n".join(table))


if __name__ == "__main__":
    main()
