"""Benchmark: linking a synthetic authority's records, accuracy against truth and time.

    .venv/bin/python bench/bench_link.py [--size medium] [--seed 31] [--repeats 1] [--link-only]

Targets (issue 4), on seeds the tests do not use, at default noise: child pairwise precision
at least 0.998 and F1 at least 0.995, family F1 at least 0.98. Targets (issue 17) for the link
alone (``childhub.hub.link``: sources, Splink training and scoring, clustering, IDs, families,
the checks and the publish that follow it; not the evaluation, not the baselines) of `large` on
a 2-core machine: a peak under 4 GB (4,096 MB) and under 120 s, with children's and families'
precision and recall at least as before. The link alone is timed and its peak taken inside the
run's process, before the evaluation starts; the whole run's figures include the evaluation.
``--link-only`` leaves out the vanilla Splink baseline (its own process, minutes on `large`).
Baseline, in the same run: exact matching on first name, surname and
date of birth (what many authorities do today), and a vanilla Splink model (the library's
default comparisons, the same blocking and training, connected components at 0.9), scored
the same way. Writes its table into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import time_python, write_section

PREPARE = """
from datetime import date
from pathlib import Path
from childhub.hub import ingest
from childhub.store import Store
from childhub.synth import generate, mapping_files
made = generate({size!r}, {seed}, date(2026, 3, 31), Path({authority!r}))
ingest(Store(Path({store!r})), [made.extracts], mapping_files=mapping_files())
"""
LINK = """
import json
import resource
import time
from pathlib import Path
from childhub.hub import link
from childhub.link import evaluate
from childhub.store import Store
store = Store(Path({store!r}))
started = time.perf_counter()
result = link(store)
link_seconds = time.perf_counter() - started
link_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
scores = evaluate(store, Path({truth!r}))
Path({out!r}).write_text(json.dumps({{"records": result.records, "children": result.children,
    "families": result.families, "queued": result.queued, "seconds": result.seconds,
    "link_seconds": link_seconds, "link_peak_mb": link_peak_mb,
    "scores": {{name: s.__dict__ for name, s in scores.items()}}}}))
"""


VANILLA = """
import json
from pathlib import Path
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from childhub.link.evaluate import read_truth, score
from childhub.store import scratch_connection
person, _household = read_truth(Path({truth!r}))
with scratch_connection() as conn:
    conn.execute("ATTACH '{database}' AS store (READ_ONLY)")
    conn.execute("CREATE TABLE records AS SELECT source_system || ':' || source_record_id AS unique_id, "
                 "forename AS first_name, surname, date_of_birth AS dob, sex, postcode, upn, nhs_number "
                 "FROM store.main.source_record")
    api = DuckDBAPI(connection=conn)
    table = api.register("records", dataset_display_name="records")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("first_name"), cl.NameComparison("surname"),
                     cl.DateOfBirthComparison("dob", input_is_string=False), cl.ExactMatch("sex"),
                     cl.PostcodeComparison("postcode"), cl.ExactMatch("upn"), cl.ExactMatch("nhs_number")],
        blocking_rules_to_generate_predictions=[block_on("dob"), block_on("surname", "substr(first_name, 1, 1)"),
                                                block_on("postcode", "surname"), block_on("first_name", "postcode"),
                                                block_on("upn"), block_on("nhs_number")],
    )
    linker = Linker(table, settings)
    linker.training.estimate_probability_two_random_records_match([block_on("nhs_number"), block_on("upn")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e7, seed=1)
    for column in ("nhs_number", "upn", "dob"):
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(column), max_pairs=None)
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
    rows = conn.execute(f"SELECT unique_id, cluster_id FROM {{clusters.physical_name}}").fetchall()
result = score(dict(rows), person)
Path({out!r}).write_text(json.dumps(result.__dict__))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--link-only", action="store_true", help="leave out the vanilla Splink baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        authority, store, out = temp / "authority", temp / "store", temp / "result.json"
        time_python(PREPARE.format(size=args.size, seed=args.seed, authority=str(authority), store=str(store)), 1)
        code = LINK.format(store=str(store), truth=str(authority / "truth.csv"), out=str(out))
        seconds, peaks, link_seconds, link_peaks = [], [], [], []
        for _ in range(args.repeats):  # each in a fresh process; a repeat links the linked store again
            timing = time_python(code, 1)
            seconds += timing.seconds
            peaks += timing.peak_mb
            result = json.loads(out.read_text())
            link_seconds.append(result["link_seconds"])
            link_peaks.append(result["link_peak_mb"])
        scores_vanilla = None
        if not args.link_only:
            vanilla_out = temp / "vanilla.json"
            time_python(
                VANILLA.format(
                    truth=str(authority / "truth.csv"), database=str(store / "childhub.duckdb"), out=str(vanilla_out)
                ),
                1,
            )
            scores_vanilla = json.loads(vanilla_out.read_text())
    scores = result["scores"]
    lines = [
        f"`bench/bench_link.py --size {args.size} --seed {args.seed} --repeats {args.repeats}"
        f"{' --link-only' if args.link_only else ''}`: "
        f"{result['records']:,} source records of a `{args.size}` authority (seed {args.seed}, default noise), "
        f"linked into {result['children']:,} children and {result['families']:,} families; "
        f"{result['queued']:,} pairs left for review. The link alone (sources, Splink training and scoring, "
        f"clustering, IDs, families, the checks and the publish): median {statistics.median(link_seconds):.1f} s, "
        f"peak {statistics.median(link_peaks):,.0f} MB (targets: 120 s, 4,096 MB on `large`); whole run (with the "
        f"evaluation): median {statistics.median(seconds):.1f} s, peak {statistics.median(peaks):,.0f} MB.",
        "",
        "| method | pairwise precision | recall | F1 | cluster precision | cluster recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label in (
        ("children", "childhub: children"),
        ("families", "childhub: families"),
        ("children, exact name and date of birth", "baseline: exact first name, surname, DOB"),
    ):
        s = scores[name]
        lines.append(
            f"| {label} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | "
            f"{s['cluster_precision']:.4f} | {s['cluster_recall']:.4f} |"
        )
    if scores_vanilla is not None:
        s = scores_vanilla
        lines.append(
            f"| baseline: vanilla Splink (library's default comparisons, connected components at 0.9) | "
            f"{s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | {s['cluster_precision']:.4f} | "
            f"{s['cluster_recall']:.4f} |"
        )
    print("\n".join(lines))
    write_section(f"link-{args.size}", f"## Linkage ({args.size})\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
