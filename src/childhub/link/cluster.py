"""From scored pairs to children: links on shared identifiers first, then the model's pairs,
merged greedily from the most certain down, refusing any merge a child cannot be.

A merge is refused when the two groups would then hold two different UPNs (a former UPN
excepted) or two different NHS numbers, or two records born on the same day whose first names
clearly differ and that share no identifier (the pattern of twins and siblings, who share a
surname, a date of birth and an address), or two records a person decided are different
children. Refused merges above the threshold go to the review queue, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from childhub.link.comparisons import nickname_pairs

# A pair links at DEFAULT_THRESHOLD; below it, from REVIEW_FROM, a person is asked.
DEFAULT_THRESHOLD = 0.9
REVIEW_FROM = 0.5


@dataclass(frozen=True, slots=True)
class Record:
    unique_id: str
    first_name: str | None
    dob: object
    upn: str | None
    former_upn: str | None
    nhs_number: str | None
    # further identifiers a list has (link-lists: "name:value"); one shared is as good as a shared UPN
    identifiers: frozenset[str] = frozenset()


@dataclass
class Clustering:
    cluster_of: dict[str, str]  # record -> representative record
    refused: list[tuple[str, str, float, str]] = field(default_factory=list)  # (l, r, probability, why)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity as DuckDB's ``jaro_winkler_similarity`` (which Splink scores with).

    Matching characters within half the longer length, transpositions counted in whole pairs, and
    a bonus of 0.1 per shared leading character (up to four) only when the Jaro similarity is above 0.7.
    """
    if a == b:
        return 1.0
    window = max(len(a), len(b)) // 2 - 1
    matched_a, matched_b = [False] * len(a), [False] * len(b)
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not matched_b[j] and b[j] == ch:
                matched_a[i] = matched_b[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    first = [ch for ch, m in zip(a, matched_a, strict=True) if m]
    second = [ch for ch, m in zip(b, matched_b, strict=True) if m]
    transpositions = sum(x != y for x, y in zip(first, second, strict=True)) // 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    if jaro <= 0.7:
        return jaro
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def edit_distance(a: str, b: str, *, swaps: bool = True) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps);
    with ``swaps=False``, Levenshtein distance (a swap counts as two substitutions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if swaps and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


@lru_cache(maxsize=100_000)
def clearly_different(a: str | None, b: str | None) -> bool:
    """Two first names no typo or nickname explains: not equal, not nicknames, far apart."""
    if not a or not b or a == b or (a, b) in nickname_pairs():
        return False
    return jaro_winkler(a, b) < 0.8 and edit_distance(a, b) >= 2


def cluster(
    records: dict[str, Record],
    pairs: list[tuple[str, str, float]],
    threshold: float,
    same: set[frozenset[str]] = frozenset(),
    different: set[frozenset[str]] = frozenset(),
) -> Clustering:
    """Group records into children. ``pairs``: (record, record, match probability).

    Two records of one source system were kept apart by that system under different keys, so
    they merge only on strong evidence: a shared identifier, or a probability of at least
    ``SAME_SYSTEM_THRESHOLD`` (higher than ``threshold``).
    """
    parent = {u: u for u in records}
    members = {u: [u] for u in records}
    upns = {u: {r.upn} - {None} for u, r in records.items()}
    formers = {u: {r.former_upn} - {None} for u, r in records.items()}
    nhs = {u: {r.nhs_number} - {None} for u, r in records.items()}
    result = Clustering(cluster_of={})

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def why_not(a: str, b: str) -> str | None:
        if len((upns[a] | upns[b]) - (formers[a] | formers[b])) > 1:
            return "it would join two different UPNs"
        if nhs[a] and nhs[b] and nhs[a] != nhs[b]:
            return "it would join two different NHS numbers"
        for x in members[a]:
            rx = records[x]
            for y in members[b]:
                if frozenset((x, y)) in different:
                    return "a person decided these are different children"
                ry = records[y]
                if (
                    rx.dob is not None
                    and rx.dob == ry.dob
                    and clearly_different(rx.first_name, ry.first_name)
                    and not (rx.upn and rx.upn == ry.upn)
                    and not (rx.nhs_number and rx.nhs_number == ry.nhs_number)
                    and not (rx.identifiers & ry.identifiers)
                ):
                    return "same date of birth but clearly different first names: twins or siblings?"
        return None

    def merge(a: str, b: str) -> None:
        if len(members[a]) < len(members[b]):
            a, b = b, a
        parent[b] = a
        members[a] += members.pop(b)
        upns[a] |= upns.pop(b)
        formers[a] |= formers.pop(b)
        nhs[a] |= nhs.pop(b)

    # 1. decisions people made: always linked
    for pair in same:
        a, b = tuple(pair)
        if a in parent and b in parent and find(a) != find(b):
            merge(find(a), find(b))
    # 2. shared identifiers, then the model's pairs, most certain first
    edges = [(1.0, a, b) for a, b in _identifier_pairs(records)]
    edges += [
        (p, a, b)
        for a, b, p in pairs
        if a in parent and b in parent and p >= (SAME_SYSTEM_THRESHOLD if _system(a) == _system(b) else threshold)
    ]
    edges.sort(key=lambda edge: -edge[0])
    for probability, a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        reason = why_not(ra, rb)
        if reason:
            result.refused.append((a, b, probability, reason))
            continue
        merge(ra, rb)
    result.cluster_of = {u: find(u) for u in records}
    return result


SAME_SYSTEM_THRESHOLD = 0.999


def _system(unique_id: str) -> str:
    return unique_id.split(":", 1)[0]


def _identifier_pairs(records: dict[str, Record]) -> list[tuple[str, str]]:
    """Records sharing a UPN or an NHS number, as chains (enough to join them all)."""
    pairs = []
    for attribute in ("upn", "nhs_number"):
        first_with: dict[str, str] = {}
        for unique_id, record in sorted(records.items()):
            value = getattr(record, attribute)
            if value is None:
                continue
            if value in first_with:
                pairs.append((first_with[value], unique_id))
            else:
                first_with[value] = unique_id
    return pairs
