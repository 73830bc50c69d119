"""Benchmark: cohort builder counts on the large authority (about 300,000 children).

    .venv/bin/python bench/bench_cohorts.py [--store /tmp/bench-large/store] [--as-at 2026-11-30] [--repeats 5]

Target (issue 6): a cohort answers in under a second. The store's published snapshot is opened
read-only (``childhub.store.current_snapshot`` and ``open_snapshot``), as the web app opens it, and the
facts prepared on a cursor (``childhub.facts.prepare``); a store with no published snapshot is read
through ``Store.reader()`` instead, read-only too. Each cohort below is counted ``--repeats`` times
after one untimed warm-up, and the list of its first 500 children taken once; the script prints
the median and 95th percentile over every timed count, and each cohort's own median, beside a
baseline timed the same way in the same run (one GROUP BY over every child in ``fact_child``: the
bare cost of touching each child once), and writes the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

TARGET_SECONDS = 1.0
COHORTS: tuple[dict[str, str], ...] = (
    {"population": "all", "group_by": "age_band"},
    {"population": "all", "group_by": "area", "then_by": "sex"},
    {"population": "children_in_need", "group_by": "age_band", "then_by": "sex"},
    {"population": "child_protection", "group_by": "team"},
    {"population": "looked_after", "group_by": "ethnicity", "persistent_absence": "yes"},
    {"population": "care_leavers", "group_by": "sex"},
    {"population": "pupils", "period": "year", "sen": "any", "group_by": "ethnicity"},
    {"population": "pupils", "period": "rolling_12", "known_to": "social_care", "group_by": "sen"},
    {"population": "early_help", "period": "quarter", "known_to": "social_care", "group_by": "area"},
    {"population": "two_or_more_services", "period": "rolling_12", "group_by": "service_count", "then_by": "age_band"},
    {"population": "children_in_need", "period": "month", "age_band": "10 to 15", "group_by": "service_area"},
    {"population": "all", "sex": "F", "sen": "ehc_plan", "group_by": "age_band", "then_by": "persistent_absence"},
)


@contextmanager
def read_only(store_dir: Path):
    """A read-only connection to the published snapshot (or to the store itself if none is published)."""
    from childhub.store import Store, current_snapshot, open_snapshot

    snapshot = current_snapshot(store_dir)
    if snapshot is not None:
        conn = open_snapshot(snapshot)
        print(f"snapshot: {snapshot}")
        try:
            yield conn
        finally:
            conn.close()
        return
    print(f"no published snapshot in {store_dir}: reading the store read-only instead")
    with Store(store_dir).reader() as conn:
        yield conn


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/bench-large/store"))
    parser.add_argument("--as-at", type=date.fromisoformat, default=date.today())
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)

    from childhub.cohorts import cohort_children, cohort_query, count_cohort
    from childhub.facts import prepare

    with read_only(args.store) as conn:
        cursor = conn.cursor()
        started = time.perf_counter()
        prepare(cursor)
        print(f"facts prepared in {time.perf_counter() - started:.2f} s")
        (children,) = cursor.execute("SELECT count(*) FROM fact_child").fetchone()
        print(f"{children:,} children in fact_child; as at {args.as_at.isoformat()}; {args.repeats} counts each\n")
        timings: list[float] = []
        print(f"{'median ms':>10} {'max ms':>8} {'list ms':>8} {'children':>9}  cohort")
        for values in COHORTS:
            query = cohort_query({**values, "as_at": args.as_at.isoformat()})
            count_cohort(cursor, query)  # warm-up, untimed
            own = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                result = count_cohort(cursor, query)
                own.append(time.perf_counter() - started)
            started = time.perf_counter()
            cohort_children(cursor, query, 500)
            listing = time.perf_counter() - started
            timings.extend(own)
            groups = " by " + " and ".join(query.groupings) if query.groupings else ""
            print(
                f"{statistics.median(own) * 1000:10.0f} {max(own) * 1000:8.0f} {listing * 1000:8.0f} "
                f"{result.children:9,}  {query.describe()}{groups}"
            )
        baseline = []
        for _ in range(args.repeats * 3):
            started = time.perf_counter()
            cursor.execute("SELECT sex, count(*) FROM fact_child GROUP BY sex").fetchall()
            baseline.append(time.perf_counter() - started)
        median, p95 = statistics.median(timings), percentile(timings, 0.95)
        base = statistics.median(baseline)
        print(
            f"\n{len(timings)} counts: median {median * 1000:.0f} ms, 95th percentile {p95 * 1000:.0f} ms, "
            f"slowest {max(timings) * 1000:.0f} ms (target: under {TARGET_SECONDS * 1000:.0f} ms); "
            f"baseline median {base * 1000:.1f} ms"
        )
        if not args.no_write:
            sys.path.insert(0, str(Path(__file__).parent))
            from common import write_section

            write_section(
                "cohorts-large",
                f"""
## Cohort builder (large)

`bench/bench_cohorts.py --repeats {args.repeats}`: {len(COHORTS)} cohorts (populations, periods, filters, one or
two groupings) counted on a `large` authority ({children:,} children), read-only, as the web app reads it;
{len(timings)} timed counts after a warm-up each. Target (issue 6): under a second.

| what | median | 95th percentile | slowest | ratio (median) to baseline |
| --- | ---: | ---: | ---: | ---: |
| a cohort count | {median * 1000:.0f} ms | {p95 * 1000:.0f} ms | {max(timings) * 1000:.0f} ms | {median / base:.1f} |
| baseline: one GROUP BY over every child | {base * 1000:.1f} ms | {percentile(baseline, 0.95) * 1000:.1f} ms | \
{max(baseline) * 1000:.1f} ms | 1 |
""",
            )
        return 0 if p95 < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
