"""Shared helpers for childhub's benchmarks: timed child processes and the figures page.

Every figure is a median over repeated runs, each run in a fresh process (so peak memory
is that run's own), reported beside a baseline measured on the same machine in the same
session; the machine is shared and noisy, so ratios say more than seconds.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "benchmarks.md"


@dataclass
class Timing:
    seconds: list[float]
    peak_mb: list[float]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_peak_mb(self) -> float:
        return statistics.median(self.peak_mb)


def time_python(code: str, repeats: int) -> Timing:
    """Run ``code`` in a fresh Python process ``repeats`` times; wall time and peak memory."""
    seconds, peaks = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"benchmark run failed: {code}")
        peaks.append(usage.ru_maxrss / 1024)  # Linux reports kilobytes
    return Timing(seconds, peaks)


def machine() -> str:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def write_section(name: str, markdown: str) -> None:
    """Replace the section between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"<!-- {name}:start -->\n_Measured {stamp} on {machine()}._\n\n{markdown.strip()}\n<!-- {name}:end -->"
    text = FIGURES.read_text("utf-8") if FIGURES.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    FIGURES.write_text(text, "utf-8")
