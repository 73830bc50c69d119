"""Write the synthetic authority's rates beside England's into docs/synthetic-authority.md.

.venv/bin/python scripts/realism_report.py [--size medium] [--seeds 1,2,3] [--as-at 2026-03-31]
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from childhub.synth import build_authority
from childhub.synth.realism import measure

DOC = Path(__file__).resolve().parent.parent / "docs" / "synthetic-authority.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--as-at", default="2026-03-31")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    as_at = date.fromisoformat(args.as_at)
    runs = [measure(build_authority(args.size, seed, as_at)) for seed in seeds]
    header = "| measure | " + " | ".join(f"seed {s}" for s in seeds) + " | England | unit | source |"
    lines = [header, "| --- | " + " | ".join("---:" for _ in seeds) + " | ---: | --- | --- |"]
    for name, figure in runs[0].items():
        values = " | ".join(f"{run[name].value:g}" for run in runs)
        lines.append(f"| {name} | {values} | {figure.england:g} | {figure.unit} | {figure.source} |")
    block = (
        f"<!-- realism:start -->\n`scripts/realism_report.py --size {args.size} --seeds {args.seeds} "
        f"--as-at {args.as_at}`; figures for the reporting year ending on the as-at date.\n\n"
        + "\n".join(lines)
        + "\n<!-- realism:end -->"
    )
    text = DOC.read_text("utf-8")
    DOC.write_text(re.sub(r"<!-- realism:start -->.*?<!-- realism:end -->", lambda _m: block, text, flags=re.S))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
