"""The realism check: the DfE rules, as the peer validators implement them, find no error in
the synthetic SSDA903 and CIN census files apart from the rules documented with their reasons
in scripts/peer_validation_expected.yml. Slow: it builds the validators' own virtual
environment (pandas 1.5, numpy 1.24) on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("year, seed", [(2026, 21), (2025, 22)])
def test_synthetic_returns_pass_the_peer_validators(tmp_path, year, seed):
    counts_file = tmp_path / "counts.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "validate_synthetic.py"),
            "--size",
            "small",
            "--seed",
            str(seed),
            "--year",
            str(year),
            "--json",
            str(counts_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    counts = json.loads(counts_file.read_text())
    # the validators really ran: the postcode rules always fire on the fictional postcodes
    assert counts["903"].get("392c", 0) > 0
