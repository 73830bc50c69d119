"""Check a generated synthetic authority against the DfE rules the peer validators implement.

    .venv/bin/python scripts/validate_synthetic.py [--size small] [--seed 1] [--year 2026] [--json OUT]

Generates an authority as at 31 March of YEAR, runs csc-validator-be-903 (with last
year's tables) and csc-validator-be-cin on that year's SSDA903 and CIN census files in
their own virtual environment (scripts/peer_validate.sh), prints errors per rule, and
exits 1 if any rule fails that scripts/peer_validation_expected.yml does not list with
its reason.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import yaml

from childhub.synth import generate

HERE = Path(__file__).resolve().parent
# A fictional ONS code: the validator compares it with LAs derived from postcodes, which the
# fictional QX/QY postcodes never give.
FICTIONAL_LA_CODE = "E99999999"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026, help="collection year ending 31 March YEAR")
    parser.add_argument("--json", type=Path, help="write {validator: {rule: failing rows}} here")
    args = parser.parse_args()

    expected = yaml.safe_load((HERE / "peer_validation_expected.yml").read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="childhub-peer-") as temp:
        temp = Path(temp)
        authority = temp / "authority"
        extracts = generate(args.size, args.seed, date(args.year, 3, 31), authority).extracts
        layout = temp / "layout"
        returns = extracts / "social_care"
        shutil.copytree(returns / "ssda903" / str(args.year), layout / "ssda903")
        shutil.copytree(returns / "ssda903" / str(args.year - 1), layout / "ssda903_previous")
        (layout / "cin").mkdir()
        shutil.copy(returns / "cin_census" / f"CIN_Census_{args.year}.xml", layout / "cin")
        counts_file = temp / "counts.json"
        command = [
            "bash",
            str(HERE / "peer_validate.sh"),
            str(layout),
            "--year",
            str(args.year),
            "--la",
            FICTIONAL_LA_CODE,
            "--json",
            str(counts_file),
        ]
        finished = subprocess.run(command, check=False)
        if finished.returncode != 0:
            print(f"validate_synthetic: the peer validators did not run (exit {finished.returncode})")
            return 2
        counts = json.loads(counts_file.read_text("utf-8"))
    if args.json:
        args.json.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")

    unexpected = []
    print(f"\nsynthetic authority: size {args.size}, seed {args.seed}, collection year {args.year}")
    for validator, key in (("903", "ssda903"), ("cin", "cin")):
        found = counts.get(validator, {})
        known = expected.get(key, {})
        print(
            f"{validator}: {sum(found.values())} failing rows over {len(found)} rules; "
            f"{sum(n for r, n in found.items() if r not in known)} outside the documented list"
        )
        for rule, rows in sorted(found.items(), key=lambda item: -item[1]):
            status = "documented" if rule in known else "UNEXPECTED"
            print(f"  {rule:10s} {rows:6d}  {status}")
            if rule not in known:
                unexpected.append(f"{validator} {rule}")
    if unexpected:
        print("validate_synthetic: rules failing that are not documented: " + ", ".join(unexpected))
        return 1
    print("validate_synthetic: no errors apart from the documented rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
