"""Benchmark: a region of synthetic authorities with movers: pooled export, cross-authority link, region indicators.

    .venv/bin/python bench/bench_region.py [--size small] [--authorities 2,4,8] [--seed 17] [--repeats 1]
        [--engines spark,duckdb] [--work DIR] [--movers RATE]

One region of the largest count of authorities is generated (``childhub synth-region``), and each authority is
ingested and linked once into its own store; all of it is kept in ``--work`` (default ``bench/out/region``) and
reused by later runs with the same size, seed and movers rate. The regions of 2, 4 and 8 are the first 2, 4 and 8
authorities of it (a family that moved to an authority outside the first N has left the smaller region). Then, for
each N:

- the pooled export of each authority (``childhub export pooled``; the sum over the N authorities of each one's
  median time, and the largest peak),
- the cross-authority link (``childhub region link``) on each engine (Spark in local mode on 2 cores, DuckDB),
- the region's indicator table (``childhub region indicators``) on each engine,

each in a fresh process, timed (median of ``--repeats``) with its peak memory: the sum of the resident memory of the
process and all its descendants (Spark's JVM is a child of the Python process), sampled every 0.1 s from /proc,
beside ru_maxrss (the largest single process: os.wait4, which does not sum a process tree). Then the precision
and recall of the cross-authority link: over the pairs of children in two different authorities, a pair true when
both children's records are the same person in ``region_truth.csv`` (each child of an authority's own link is the
person most of its records are), predicted when the link put the two children in one region child. Each child's
``pooled_id`` is worked out from the authority's own identities (``childhub export identities``) under the region's
key, so the figures rest on the generator's truth and the authorities' links, not on the region link's own
evaluation. Writes a section into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, write_section

AS_AT = "2026-03-31"
CHILDHUB = [sys.executable, "-m", "childhub"]
# The link on clear data, for comparison: the same children, the same columns as the pooled exports, but the names
# and full date of birth in clear from each authority's store (the identifiers stay keyed hashes, which compare as
# the clear values would), linked by the region link's own clear-data model.
CLEAR = """
from pathlib import Path
import pyarrow as pa
import pyarrow.parquet as pq
from childhub.region.encoding import normalise_name, pooled_id, read_key
from childhub.region.link import link_children
from childhub.store import scratch_connection
key = read_key(Path({key!r}))
tables = {{}}
for code, store, export in {members!r}:
    columns = ["pooled_id", "authority_code", "nhs_hash", "upn_hash", "birth_month", "sex", "postcode_district"]
    table = pq.read_table(Path(export) / "children.parquet", columns=columns)
    with scratch_connection() as conn:
        conn.execute(f"ATTACH '{{store}}/childhub.duckdb' AS store (READ_ONLY)")
        rows = conn.execute("SELECT child_id, forename, surname, date_of_birth FROM store.facts.fact_child "
                            "WHERE child_id IS NOT NULL").fetchall()
    clear = {{pooled_id(key, code, child): (normalise_name(first) or None, normalise_name(last) or None,
                                           born.isoformat() if born else None)
             for child, first, last, born in rows}}
    ids = table.column("pooled_id").to_pylist()
    for index, name in enumerate(("first_name", "last_name", "dob")):
        values = [clear.get(child, (None, None, None))[index] for child in ids]
        table = table.append_column(name, pa.array(values, pa.string()))
    tables[code] = table
linkage = link_children(tables, engine={engine!r})
authority = {{child: code for code, table in tables.items() for child in table.column("pooled_id").to_pylist()}}
children = sorted(linkage.region_child)
pq.write_table(pa.table({{"authority_code": [authority[c] for c in children], "pooled_id": children,
                         "region_child_id": [linkage.region_child[c] for c in children]}}),
               Path({out!r}) / "region_children.parquet")
"""


# ---- running a command: wall time and the peak memory of its whole process tree ------------------------------------


@dataclass
class Run:
    seconds: list[float] = field(default_factory=list)
    tree_peak_mb: list[float] = field(default_factory=list)
    process_peak_mb: list[float] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_tree_mb(self) -> float:
        return statistics.median(self.tree_peak_mb)

    @property
    def median_process_mb(self) -> float:
        return statistics.median(self.process_peak_mb)


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(entry.name))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    """The resident memory of ``root`` and every process below it, now."""
    children = _children_of()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(children.get(pid, ()))
    return total / 1024


def _sample(pid: int, peak: list[float], done: threading.Event) -> None:
    """Keep ``peak[0]`` at the largest tree memory of ``pid`` seen, every 0.1 s until ``done``."""
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss_mb(pid))
        done.wait(0.1)


def run_python(code: str, repeats: int, log: Path | None = None) -> Run:
    """``code`` in a fresh Python process, as ``run`` times a command."""
    return run(["-c", code], repeats, log=log, program=[sys.executable])


def run(
    args: list[str],
    repeats: int,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    program: list[str] = CHILDHUB,
) -> Run:
    """``childhub ARGS`` in a fresh process ``repeats`` times: wall time, peak tree memory, peak single process."""
    result = Run()
    for _ in range(repeats):
        started = time.perf_counter()
        out = open(log, "a", encoding="utf-8") if log else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen([*program, *args], cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        peak = [0.0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(process.pid, peak, done), daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
        if log:
            out.close()
        result.seconds.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            tail = log.read_text("utf-8").splitlines()[-5:] if log else []
            raise SystemExit(f"benchmark run failed: {program[-1]} {args[0]} ...\n" + "\n".join(tail))
        process_peak = usage.ru_maxrss / 1024  # Linux reports kilobytes
        result.process_peak_mb.append(process_peak)
        # a peak shorter than the sampling interval is missed by the samples but not by ru_maxrss
        result.tree_peak_mb.append(max(peak[0], process_peak))
    return result


# ---- the region, its authorities' stores, the key --------------------------------------------------------------------


def prepare(work: Path, size: str, seed: int, count: int, movers: float | None) -> tuple[Path, list[dict]]:
    """The region (generated once) and each authority ingested and linked once into its own store."""
    region = work / (f"region-{size}-{seed}-{count}" + ("" if movers is None else f"-movers{movers}"))
    if not (region / "region.json").exists():
        args = ["synth-region", "--out", str(region), "--authorities", str(count), "--size", size, "--seed", str(seed)]
        args += ["--as-at", AS_AT] + ([] if movers is None else ["--movers", str(movers)])
        timing = run(args, 1, log=work / "prepare.log")
        print(f"generated the region in {timing.median_seconds:.0f} s", flush=True)
    authorities = json.loads((region / "region.json").read_text("utf-8"))["authorities"]
    for authority in authorities:
        store = region.with_name(region.name + "-stores") / authority["code"]
        authority["store"] = store
        if (store / "linked.json").exists():
            continue
        if store.exists():
            shutil.rmtree(store)
        store.mkdir(parents=True)
        shutil.copyfile(region / authority["folder"] / "authority.yml", store / "authority.yml")
        folder = region / authority["folder"]
        env = {"CHILDHUB_DATA_DIR": str(store)}
        ingest = run(["ingest", str(folder / "extracts"), "--mapping", str(folder / "mappings")], 1, env,
                     work / "prepare.log")  # fmt: skip
        link = run(["link"], 1, env, work / "prepare.log")
        run(["export", "identities", "--out", str(store / "identities.csv")], 1, env, work / "prepare.log")
        (store / "linked.json").write_text(
            json.dumps({"ingest_seconds": ingest.median_seconds, "link_seconds": link.median_seconds}), "utf-8"
        )
        print(f"{authority['code']}: ingested in {ingest.median_seconds:.0f} s, linked in "
              f"{link.median_seconds:.0f} s", flush=True)  # fmt: skip
    return region, authorities


def region_key(work: Path) -> Path:
    key = work / "region.key"
    if not key.exists():
        run(["region", "key", "--out", str(key)], 1, log=work / "prepare.log")
    return key


# ---- the link's quality against region_truth.csv -----------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def child_persons(region: Path, authorities: list[dict], key: Path) -> dict[tuple[str, str], str]:
    """(authority code, pooled_id) -> the person most of the child's records are, by region_truth.csv."""
    from childhub.region.encoding import pooled_id, read_key

    secret = read_key(key)
    person_of = {
        (row["authority_code"], row["source"], row["source_record_id"]): row["region_person_id"]
        for row in _read_csv(region / "region_truth.csv")
    }
    persons: dict[tuple[str, str], str] = {}
    for authority in authorities:
        code = authority["code"]
        votes: dict[str, Counter] = defaultdict(Counter)
        for row in _read_csv(authority["store"] / "identities.csv"):
            person = person_of.get((code, row["source"], row["source_record_id"]))
            if person is not None and row["child_id"]:
                votes[row["child_id"]][person] += 1
        for child_id, counted in votes.items():
            persons[(code, pooled_id(secret, code, int(child_id)))] = counted.most_common(1)[0][0]
    return persons


def _cross_pairs(groups: dict[str, list[tuple[str, str]]]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    pairs = set()
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            if a[0] != b[0]:
                pairs.add((a, b))
    return pairs


def link_quality(linked: Path, persons: dict[tuple[str, str], str], codes: set[str]) -> dict[str, float]:
    """Pairwise precision and recall over the pairs of children in two different authorities of the region."""
    import pyarrow.parquet as pq

    table = pq.read_table(
        linked / "region_children.parquet", columns=["authority_code", "pooled_id", "region_child_id"]
    )
    clusters: dict[str, list[tuple[str, str]]] = defaultdict(list)
    found = 0
    for code, pooled, cluster in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
        clusters[cluster].append((code, pooled))
        found += (code, pooled) in persons
    by_person: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (code, pooled), person in persons.items():
        if code in codes:
            by_person[person].append((code, pooled))
    predicted, true = _cross_pairs(clusters), _cross_pairs(by_person)
    right = len(predicted & true)
    quality = {
        "children": table.num_rows,
        "matched_to_truth": found,
        "true_pairs": len(true),
        "predicted_pairs": len(predicted),
        "precision": right / len(predicted) if predicted else float("nan"),
        "recall": right / len(true) if true else float("nan"),
    }
    # the region link's own evaluation, on the same truth: the two counts must agree
    from childhub.region import evaluate_region

    scores = evaluate_region(linked, {pooled: person for (_code, pooled), person in persons.items()})
    if (scores.true_positives, scores.true_positives + scores.false_positives) != (right, len(predicted)):
        print(f"warning: evaluate_region counts {scores} differ from the benchmark's own {quality}", flush=True)
    quality["f1"] = scores.f1
    quality["people_exact"] = scores.people_exact / scores.people if scores.people else float("nan")
    return quality


# ---- the measurement ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "medium"])
    parser.add_argument("--authorities", default="2,4,8", help="Comma-separated counts of authorities.")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--engines", default="spark,duckdb")
    parser.add_argument(
        "--clear-engine", default="duckdb", help="Engine of the comparison link on clear data ('' for none)."
    )
    parser.add_argument("--movers", type=float, default=None, help="Yearly movers rate (default: the generator's).")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "region")
    parser.add_argument("--no-write", action="store_true", help="Print the figures; leave docs/benchmarks.md alone.")
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.authorities.split(",")})
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    started = time.perf_counter()
    region, authorities = prepare(work, args.size, args.seed, max(counts), args.movers)
    key = region_key(work)
    described = json.loads((region / "region.json").read_text("utf-8"))

    exports: dict[str, Run] = {}
    for authority in authorities[: max(counts)]:
        out = work / "pooled" / authority["code"]
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)

        timing = Run()
        for _ in range(args.repeats):  # each repeat into a fresh folder (an export never overwrites one)
            if out.exists():
                shutil.rmtree(out)
            export = ["export", "pooled", "--key", str(key), "--out", str(out), "--as-at", AS_AT]
            once = run(export, 1, {"CHILDHUB_DATA_DIR": str(authority["store"])}, log)
            timing.seconds += once.seconds
            timing.tree_peak_mb += once.tree_peak_mb
            timing.process_peak_mb += once.process_peak_mb
        exports[authority["code"]] = timing
    persons = child_persons(region, authorities[: max(counts)], key)

    rows: dict[int, dict] = {}
    for n in counts:
        members = authorities[:n]
        codes = {a["code"] for a in members}
        folders = [str(work / "pooled" / a["code"]) for a in members]
        moved = sum(
            len(m["children"]) for m in described["moves"] if m["origin"] in codes and m["destination"] in codes
        )
        row: dict = {
            "children_0_17": sum(a["children_0_17"] for a in members),
            "moved_children": moved,
            "export_seconds": sum(exports[c].median_seconds for c in codes),
            "export_tree_mb": max(exports[c].median_tree_mb for c in codes),
            "export_process_mb": max(exports[c].median_process_mb for c in codes),
        }
        for engine in engines:
            linked = work / f"region-{n}-{engine}"
            timing = Run()
            for _ in range(args.repeats):  # region link writes a new folder each time
                if linked.exists():
                    shutil.rmtree(linked)
                once = run(["region", "link", *folders, "--out", str(linked), "--engine", engine], 1, log=log)
                timing.seconds += once.seconds
                timing.tree_peak_mb += once.tree_peak_mb
                timing.process_peak_mb += once.process_peak_mb
            row[f"link_{engine}"] = timing
            row[f"quality_{engine}"] = link_quality(linked, persons, codes)
            row[f"indicators_{engine}"] = run(
                ["region", "indicators", str(linked), "--engine", engine, "--key", str(key), "--as-at", AS_AT,
                 "--format", "json"],
                args.repeats,
                log=log,
            )  # fmt: skip
        if args.clear_engine:
            clear_out = work / f"region-{n}-clear-{args.clear_engine}"
            if clear_out.exists():
                shutil.rmtree(clear_out)
            clear_out.mkdir()
            members_spec = [(a["code"], str(a["store"]), str(work / "pooled" / a["code"])) for a in members]
            code = CLEAR.format(key=str(key), members=members_spec, engine=args.clear_engine, out=str(clear_out))
            row["link_clear"] = run_python(code, 1, log=log)
            row["quality_clear"] = link_quality(clear_out, persons, codes)
        rows[n] = row
        print(f"N={n}: done at {time.perf_counter() - started:.0f} s", flush=True)

    lines = report(args, counts, engines, rows, described, time.perf_counter() - started)
    print("\n".join(lines))
    if not args.no_write:
        write_section(f"region-{args.size}", f"## A region ({args.size} authorities)\n\n" + "\n".join(lines))


def report(args, counts: list[int], engines: list[str], rows: dict[int, dict], described: dict, total: float):
    command = (
        f"`bench/bench_region.py --size {args.size} --authorities {args.authorities} --seed {args.seed} "
        f"--repeats {args.repeats} --engines {args.engines}"
        + ("" if args.movers is None else f" --movers {args.movers}")
        + "`"
    )
    lines = [
        f"{command}: a region of `{args.size}` synthetic authorities (`childhub synth-region`, seed {args.seed}, "
        f"movers {described['movers_rate']:g} a year), as at {AS_AT}; the regions of {', '.join(map(str, counts))} "
        f"are its first authorities. Each step a fresh process; time the median of {args.repeats}; memory the peak "
        "of the whole process tree (the sum of the resident memory of the process and its descendants, Spark's JVM "
        "among them, sampled every 0.1 s, and never below the largest single process), with the largest single process "
        "in brackets (ru_maxrss). Whole run "
        f"{total:.0f} s.",
        "",
        "| authorities | children 0-17 | moved between them | step | engine | time (s) | peak MB: tree (process) |"
        " cross-authority pairs: true / found | precision | recall | F1 |",
        "| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in counts:
        row = rows[n]
        lead = f"| {n} | {row['children_0_17']:,} | {row['moved_children']:,} "
        lines.append(
            lead + f"| pooled export (sum over authorities) | - | {row['export_seconds']:.1f} | "
            f"{row['export_tree_mb']:,.0f} ({row['export_process_mb']:,.0f}) | | | | |"
        )
        for engine in engines:
            link, quality = row[f"link_{engine}"], row[f"quality_{engine}"]
            lines.append(
                lead + f"| region link | {engine} | {link.median_seconds:.1f} | {link.median_tree_mb:,.0f} "
                f"({link.median_process_mb:,.0f}) | {quality['true_pairs']:,} / {quality['predicted_pairs']:,} | "
                f"{quality['precision']:.4f} | {quality['recall']:.4f} | {quality['f1']:.4f} |"
            )
            indicators = row[f"indicators_{engine}"]
            if engine == engines[-1] and "quality_clear" in row:
                clear, quality = row["link_clear"], row["quality_clear"]
                lines.append(
                    lead + f"| link on clear data (comparison) | {args.clear_engine} | {clear.median_seconds:.1f} | "
                    f"{clear.median_tree_mb:,.0f} ({clear.median_process_mb:,.0f}) | {quality['true_pairs']:,} / "
                    f"{quality['predicted_pairs']:,} | {quality['precision']:.4f} | {quality['recall']:.4f} | "
                    f"{quality['f1']:.4f} |"
                )
            lines.append(
                lead + f"| region indicators | {engine} | {indicators.median_seconds:.1f} | "
                f"{indicators.median_tree_mb:,.0f} ({indicators.median_process_mb:,.0f}) | | | | |"
            )
    if len(counts) > 1:
        lines += ["", "How each step grows (time, then tree memory, as a ratio to the smallest region):", ""]
        lines += ["| step | engine | " + " | ".join(f"{n} / {counts[0]}" for n in counts[1:]) + " |"]
        lines += ["| --- | --- | " + " | ".join("---:" for _ in counts[1:]) + " |"]
        first = rows[counts[0]]

        def ratios(seconds_of, memory_of) -> str:
            return " | ".join(
                f"{seconds_of(rows[n]) / seconds_of(first):.2f}x, {memory_of(rows[n]) / memory_of(first):.2f}x"
                for n in counts[1:]
            )

        lines.append(
            "| pooled export | - | " + ratios(lambda r: r["export_seconds"], lambda r: r["export_tree_mb"]) + " |"
        )
        for engine in engines:
            for step, name in (("link", "region link"), ("indicators", "region indicators")):
                lines.append(
                    f"| {name} | {engine} | "
                    + ratios(
                        lambda r, k=f"{step}_{engine}": r[k].median_seconds,
                        lambda r, k=f"{step}_{engine}": r[k].median_tree_mb,
                    )
                    + " |"
                )
    return lines


if __name__ == "__main__":
    main()
