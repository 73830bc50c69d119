"""Benchmark: matching one new record at once against a linked authority.

    .venv/bin/python bench/bench_match.py [--size medium] [--records 200]

Target (issue 4): one new record matched in a median under 200 ms and a 95th percentile under
500 ms. Each new record is a copy of an existing source record with its ID changed and, for
half of them, a typo in the first name and no identifiers, matched by ``match_one`` (candidate
lookup, scoring with the last run's model, constraints, the write). Baseline, in the same run:
a full ``childhub link`` of the same store, the way new records were matched before.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import time_python, write_section

RUN = """
import json, random, statistics, time
from datetime import date, datetime
from pathlib import Path
from childhub.hub import ingest, link
from childhub.link.instant import Scorer, match_one
from childhub.store import Store
from childhub.synth import generate, mapping_files
root = Path({temp!r})
made = generate({size!r}, 41, date(2026, 3, 31), root / "authority")
store = Store(root / "store")
ingest(store, [made.extracts], mapping_files=mapping_files())
started = time.perf_counter()
link(store)
full = time.perf_counter() - started
rng = random.Random(1)
with store.writer() as conn:
    saved = conn.execute("SELECT model_json FROM link_run ORDER BY run_id DESC LIMIT 1").fetchall()[0][0]
    scorer = Scorer(json.loads(saved))
    rows = conn.execute(
        "SELECT source_system, source_record_id, forename, surname, date_of_birth, sex, postcode, upn, "
        "nhs_number FROM source_record WHERE forename IS NOT NULL USING SAMPLE {records} ROWS"
    ).fetchall()
    timings, outcomes = [], []
    for number, row in enumerate(rows):
        person = dict(zip(("id", "first_name", "surname", "dob", "sex", "postcode", "upn", "nhs_number"),
                          (f"bench:new{{number}}", *row[2:])))
        if number % 2:
            name = person["first_name"]
            position = rng.randrange(1, len(name)) if len(name) > 1 else 0
            person["first_name"] = name[:position] + name[position + 1:] if len(name) > 3 else name
            person["upn"] = person["nhs_number"] = None
        conn.execute("BEGIN TRANSACTION")
        started = time.perf_counter()
        match = match_one(conn, scorer, person, 0.9, datetime.now())
        timings.append(time.perf_counter() - started)
        conn.execute("ROLLBACK")
        outcomes.append(match.outcome)
timings.sort()
Path({out!r}).write_text(json.dumps({{"full": full, "median": statistics.median(timings),
    "p95": timings[int(0.95 * (len(timings) - 1))], "n": len(timings),
    "joined": outcomes.count("joined"), "new": outcomes.count("new"), "review": outcomes.count("review")}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium")
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "match.json"
        time_python(RUN.format(temp=temp, size=args.size, records=args.records, out=str(out)), 1)
        r = json.loads(out.read_text())
    lines = [
        f"`bench/bench_match.py --size {args.size} --records {args.records}`: {r['n']} new records (half with a "
        f"first-name typo and no identifiers) matched one at a time against a linked `{args.size}` authority "
        f"(seed 41): {r['joined']} joined a child, {r['new']} became new children, {r['review']} went to review. "
        "Targets: median under 200 ms, 95th percentile under 500 ms.",
        "",
        "| method | median | 95th percentile | ratio to the full run |",
        "| --- | ---: | ---: | ---: |",
        f"| match one record at once | {r['median'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms "
        f"| {r['median'] / r['full']:.4f} |",
        f"| baseline: a full `childhub link` | {r['full']:.1f} s | | 1 |",
    ]
    print("\n".join(lines))
    write_section(f"match-{args.size}", f"## Matching new records at once ({args.size})\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
