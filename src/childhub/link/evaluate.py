"""How good the linkage is, against a synthetic authority's truth file.

Pairwise: every pair of source records either in the same group or not, compared with truth
(precision = right pairs / pairs made; recall = right pairs / true pairs). Cluster-level: the
share of predicted groups that hold one true child and nothing else (precision), and of true
children whose records are exactly one group (recall). The same for families (truth's
household), over children's records. Only evaluation reads truth.csv; the product never does.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from childhub.errors import ChildhubError
from childhub.store import Store


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int
    cluster_precision: float
    cluster_recall: float


def _pairs(groups: dict[str, str]) -> Counter:
    return Counter(groups.values())


def score(predicted: dict[str, object], truth: dict[str, object]) -> Scores:
    """Compare two groupings of the same items (item -> group)."""
    items = [i for i in predicted if i in truth]
    both = Counter((predicted[i], truth[i]) for i in items)
    made = Counter(predicted[i] for i in items)
    true = Counter(truth[i] for i in items)
    tp = sum(n * (n - 1) // 2 for n in both.values())
    pairs_made = sum(n * (n - 1) // 2 for n in made.values())
    pairs_true = sum(n * (n - 1) // 2 for n in true.values())
    precision = tp / pairs_made if pairs_made else 1.0
    recall = tp / pairs_true if pairs_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    predicted_groups = defaultdict(set)
    true_groups = defaultdict(set)
    for i in items:
        predicted_groups[predicted[i]].add(i)
        true_groups[truth[i]].add(i)
    pure = sum(1 for members in predicted_groups.values() if len({truth[i] for i in members}) == 1)
    whole = sum(
        1
        for members in true_groups.values()
        if len({predicted[i] for i in members}) == 1
        and len(predicted_groups[predicted[next(iter(members))]]) == len(members)
    )
    return Scores(
        round(precision, 5),
        round(recall, 5),
        round(f1, 5),
        tp,
        pairs_made - tp,
        pairs_true - tp,
        round(pure / len(predicted_groups), 5) if predicted_groups else 1.0,
        round(whole / len(true_groups), 5) if true_groups else 1.0,
    )


def read_truth(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ChildhubError(f"cannot read the truth file {path}: {error.strerror}") from None
    if not rows or set(rows[0]) != {"source", "source_record_id", "person_id", "household_id"}:
        raise ChildhubError(f"{path} is not a synthetic authority's truth.csv")
    person = {f"{r['source']}:{r['source_record_id']}": r["person_id"] for r in rows}
    household = {f"{r['source']}:{r['source_record_id']}": r["household_id"] for r in rows}
    return person, household


def evaluate(store: Store, truth_path: Path) -> dict[str, Scores]:
    """Children and families scored against truth; also exact name-and-birth-date matching."""
    person, household = read_truth(truth_path)
    with store.reader() as conn:
        links = conn.execute(
            "SELECT l.source_system || ':' || l.source_record_id, l.child_id, f.family_id FROM child_link l "
            "LEFT JOIN family_member f ON f.child_id = l.child_id AND f.valid_to IS NULL WHERE l.valid_to IS NULL"
        ).fetchall()
        exact = conn.execute(
            "SELECT source_system || ':' || source_record_id, "
            "coalesce(forename || '|' || surname || '|' || date_of_birth, source_system || ':' || source_record_id) "
            "FROM source_record"
        ).fetchall()
    if not links:
        raise ChildhubError("no records are linked yet: run childhub link first")
    child = {record: c for record, c, _f in links}
    family = {record: (f if f is not None else f"no family {c}") for record, c, f in links}
    return {
        "children": score(child, person),
        "families": score(family, household),
        "children, exact name and date of birth": score(dict(exact), person),
    }
