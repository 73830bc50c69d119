"""Profile: where a full link (``childhub.hub.link``) spends its time and memory, phase by phase.

    .venv/bin/python bench/profile_link.py STORE [--copy-to DIR]

Links the store in STORE (a copy of it in DIR with ``--copy-to``: a link writes to its store) and prints,
for each phase (sources, counting the blocking rules, each training step, predict, fetching the pairs,
clustering, IDs, families, the review queue, the facts, the checks, the publish), its wall time, the CPU
time the process spent in it (all threads) and the peak resident memory sampled every 50 ms. CPU time
says more than wall time on a shared machine. A store to profile: bench_link.py's PREPARE, or
``childhub synth`` then ``childhub ingest``. The phases are found by wrapping the functions that run them,
so the figures are the link's own, with no change to childhub.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import threading
import time
from pathlib import Path


class Phases:
    """Wall time, CPU time and peak RSS per named phase."""

    def __init__(self) -> None:
        self.current = "setting up"
        self.figures: dict[str, list[float]] = {}
        self.started = self.mark = time.perf_counter()
        self.cpu = self._cpu()
        threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def _cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def _rss_mb() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

    def _sample(self) -> None:
        while True:
            figures = self.figures.setdefault(self.current, [0.0, 0.0, 0])
            figures[2] = max(figures[2], self._rss_mb())
            time.sleep(0.05)

    def enter(self, name: str) -> None:
        now, cpu = time.perf_counter(), self._cpu()
        figures = self.figures.setdefault(self.current, [0.0, 0.0, 0])
        figures[0] += now - self.mark
        figures[1] += cpu - self.cpu
        self.mark, self.cpu, self.current = now, cpu, name

    def wrap(self, owner, attribute: str, name: str) -> None:
        function = getattr(owner, attribute)

        def wrapped(*args, **kwargs):
            before = self.current
            self.enter(name)
            try:
                return function(*args, **kwargs)
            finally:
                self.enter(before)

        setattr(owner, attribute, wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--copy-to", type=Path)
    args = parser.parse_args()
    store_dir = args.store
    if args.copy_to:
        shutil.copytree(args.store, args.copy_to)
        store_dir = args.copy_to
    phases = Phases()
    from splink import blocking_analysis
    from splink.internals.linker_components.inference import LinkerInference
    from splink.internals.linker_components.training import LinkerTraining

    from childhub import facts, hub
    from childhub.link import model, run
    from childhub.store import Store

    phases.wrap(run, "build_source_records", "sources")
    phases.wrap(model, "linkage_records", "records and counting the blocking rules")
    phases.wrap(blocking_analysis, "count_comparisons_from_blocking_rules", "records and counting the blocking rules")
    phases.wrap(LinkerTraining, "estimate_probability_two_random_records_match", "training: lambda")
    phases.wrap(LinkerTraining, "estimate_u_using_random_sampling", "training: u")
    phases.wrap(LinkerTraining, "estimate_parameters_using_expectation_maximisation", "training: m (EM)")
    phases.wrap(LinkerInference, "predict", "predict")
    phases.wrap(run, "cluster", "clustering")
    phases.wrap(run, "assign_children", "child IDs")
    phases.wrap(run, "assign_families", "families")
    phases.wrap(run, "_queue_for_review", "review queue")
    phases.wrap(facts, "refresh", "facts")
    phases.wrap(hub, "_check_after_write", "checks")
    phases.wrap(hub, "publish", "publish")
    phases.enter("the rest of the link (fetching pairs, grouping, writing)")
    result = hub.link(Store(store_dir))
    phases.enter("done")
    total = time.perf_counter() - phases.started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
    print(f"{result.records:,} records, {result.children:,} children, {result.families:,} families")
    print(f"{'phase':58} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    for name, (wall, cpu, rss) in phases.figures.items():
        if name != "done" and (wall or cpu):
            print(f"{name:58} {wall:8.1f} {cpu:8.1f} {rss:8,}")
    print(f"{'whole link':58} {total:8.1f} {phases._cpu():8.1f} {peak:8,.0f}")


if __name__ == "__main__":
    main()
