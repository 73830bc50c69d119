"""How good a region's link is, against the truth of which children in different authorities are one person.

Pairwise, over pairs of children held by different authorities (a child within one authority is already one
child there): precision = pairs joined that are one person / pairs joined; recall = pairs joined that are one
person / pairs that are one person. With the counts of region children made and of people in truth, and the
share of people whose children are exactly one region child. Only evaluation reads truth; the link never does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from childhub.region import RegionError


@dataclass(frozen=True)
class RegionScores:
    """Pairwise precision, recall and F1 of a region's link over pairs in different authorities, with counts."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int
    children: int  # the authorities' children scored
    region_children: int  # the region children the link made of them
    people: int  # the people they are, in truth
    people_exact: int  # people whose children are exactly one region child, and it holds nobody else


def _cross_pairs(groups: Mapping[object, Counter]) -> int:
    """Pairs within each group held by different authorities (group -> authority -> children)."""
    total = 0
    for by_authority in groups.values():
        n = sum(by_authority.values())
        total += n * (n - 1) // 2 - sum(k * (k - 1) // 2 for k in by_authority.values())
    return total


def score_region(assignment: Mapping[str, tuple[str, str]], truth: Mapping[str, object]) -> RegionScores:
    """Score ``assignment`` (pooled_id -> (authority_code, region_child_id)) against ``truth`` (pooled_id -> the
    person); children missing from truth are left out."""
    scored = [pooled_id for pooled_id in assignment if pooled_id in truth]
    made: dict[object, Counter] = {}
    true: dict[object, Counter] = {}
    both: dict[object, Counter] = {}
    for pooled_id in scored:
        authority, region_child = assignment[pooled_id]
        person = truth[pooled_id]
        made.setdefault(region_child, Counter())[authority] += 1
        true.setdefault(person, Counter())[authority] += 1
        both.setdefault((region_child, person), Counter())[authority] += 1
    tp, joined, same = _cross_pairs(both), _cross_pairs(made), _cross_pairs(true)
    precision = tp / joined if joined else 1.0
    recall = tp / same if same else 1.0
    members_of_child: dict[object, set[str]] = {}
    members_of_person: dict[object, set[str]] = {}
    for pooled_id in scored:
        members_of_child.setdefault(assignment[pooled_id][1], set()).add(pooled_id)
        members_of_person.setdefault(truth[pooled_id], set()).add(pooled_id)
    exact = sum(
        1 for members in members_of_person.values() if members_of_child[assignment[next(iter(members))][1]] == members
    )
    return RegionScores(
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        true_positives=tp,
        false_positives=joined - tp,
        false_negatives=same - tp,
        children=len(scored),
        region_children=len(made),
        people=len(true),
        people_exact=exact,
    )


def evaluate_region(region_dir: Path, truth: Mapping[str, object]) -> RegionScores:
    """Score a region's folder (its region_children.parquet) against ``truth``: pooled_id -> the person."""
    import pyarrow.parquet as pq

    path = region_dir / "region_children.parquet"
    if not path.is_file():
        raise RegionError(f"{region_dir}: no region_children.parquet, so not a region's folder")
    table = pq.read_table(path, columns=["pooled_id", "authority_code", "region_child_id"]).to_pydict()
    assignment = {
        pooled_id: (authority, child)
        for pooled_id, authority, child in zip(
            table["pooled_id"], table["authority_code"], table["region_child_id"], strict=True
        )
    }
    return score_region(assignment, truth)
