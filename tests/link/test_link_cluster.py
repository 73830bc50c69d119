"""Clustering with the constraints a child imposes, and the review band, on a few hand-made records.

Each test's answer is worked out by hand from ``link/cluster.py``'s rules: shared identifiers
link first, then the model's pairs from the most certain down; a merge is refused when the
group would hold two UPNs (a former UPN excepted) or two NHS numbers, twins' or siblings'
records (one birthday, first names no typo or nickname explains, no identifier shared), or
records a person decided are different; records of one system merge only on strong evidence.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.link.cluster import SAME_SYSTEM_THRESHOLD, Record, cluster

BORN = date(2015, 2, 14)
TWINS = "same date of birth but clearly different first names: twins or siblings?"


def record(unique_id: str, first_name: str = "olivia", born=BORN, upn=None, former_upn=None, nhs=None) -> Record:
    return Record(unique_id, first_name, born, upn, former_upn, nhs)


def records(*given: Record) -> dict[str, Record]:
    return {r.unique_id: r for r in given}


def groups(result) -> set[frozenset[str]]:
    found: dict[str, set[str]] = {}
    for unique_id, representative in result.cluster_of.items():
        found.setdefault(representative, set()).add(unique_id)
    return {frozenset(members) for members in found.values()}


def test_twins_stay_apart_however_likely_the_model_finds_them():
    people = records(record("social_care:1", "olivia"), record("education:1", "amelia"))
    result = cluster(people, [("social_care:1", "education:1", 0.99)], 0.9)
    assert groups(result) == {frozenset({"social_care:1"}), frozenset({"education:1"})}
    assert result.refused == [("social_care:1", "education:1", 0.99, TWINS)]


@pytest.mark.parametrize(
    ("first", "second"),
    [("olivia", "olivai"), ("william", "bill"), ("max", "mqx"), ("olivia", None)],
    ids=["a typo", "a nickname", "one letter of three", "a missing name"],
)
def test_one_birthday_with_names_a_typo_or_nickname_explains_merges(first, second):
    people = records(record("social_care:1", first), record("education:1", second))
    result = cluster(people, [("social_care:1", "education:1", 0.95)], 0.9)
    assert groups(result) == {frozenset({"social_care:1", "education:1"})} and result.refused == []


def test_a_shared_identifier_outweighs_the_twins_rule():
    """The same child under another first name (a name change): the UPN says so."""
    people = records(record("social_care:1", "olivia", upn="U1"), record("education:1", "amelia", upn="U1"))
    assert groups(cluster(people, [], 0.9)) == {frozenset({"social_care:1", "education:1"})}


def test_twins_are_refused_through_a_third_record_too():
    """A and B merge first (0.99); B and C (0.95) would put A and her twin C in one child."""
    people = records(record("social_care:A", "olivia"), record("education:B", "olivia"), record("health:C", "amelia"))
    pairs = [("education:B", "health:C", 0.95), ("social_care:A", "education:B", 0.99)]
    result = cluster(people, pairs, 0.9)
    assert groups(result) == {frozenset({"social_care:A", "education:B"}), frozenset({"health:C"})}
    assert result.refused == [("education:B", "health:C", 0.95, TWINS)]


def test_two_upns_are_refused_unless_one_is_the_others_former_upn():
    people = records(record("social_care:1", upn="U1"), record("education:1", upn="U2"))
    result = cluster(people, [("social_care:1", "education:1", 0.99)], 0.9)
    assert len(groups(result)) == 2
    assert result.refused == [("social_care:1", "education:1", 0.99, "it would join two different UPNs")]
    people = records(record("social_care:1", upn="U1"), record("education:1", upn="U2", former_upn="U1"))
    assert len(groups(cluster(people, [("social_care:1", "education:1", 0.99)], 0.9))) == 1


def test_two_nhs_numbers_are_refused_and_the_most_certain_pair_wins():
    """C pairs with both A (0.99) and B (0.95), whose NHS numbers differ: C joins A, the more certain."""
    people = records(record("social_care:A", nhs="N1"), record("education:B", nhs="N2"), record("health:C"))
    pairs = [("education:B", "health:C", 0.95), ("social_care:A", "health:C", 0.99)]
    result = cluster(people, pairs, 0.9)
    assert groups(result) == {frozenset({"social_care:A", "health:C"}), frozenset({"education:B"})}
    assert result.refused == [("education:B", "health:C", 0.95, "it would join two different NHS numbers")]


def test_peoples_decisions_come_first():
    people = records(record("social_care:A", "olivia"), record("education:B", "amelia"), record("health:C", "olivia"))
    same = {frozenset({"social_care:A", "education:B"})}  # a person says: one child, despite the names
    assert groups(cluster(people, [], 0.9, same=same)) == {
        frozenset({"social_care:A", "education:B"}),
        frozenset({"health:C"}),
    }
    different = {frozenset({"social_care:A", "health:C"})}  # and here: two children, despite the model
    result = cluster(people, [("social_care:A", "health:C", 0.999)], 0.9, different=different)
    assert len(groups(result)) == 3
    assert result.refused == [("social_care:A", "health:C", 0.999, "a person decided these are different children")]


def test_pairs_below_the_threshold_do_not_link():
    people = records(record("social_care:1"), record("education:1"))
    assert len(groups(cluster(people, [("social_care:1", "education:1", 0.89)], 0.9))) == 2
    assert len(groups(cluster(people, [("social_care:1", "education:1", 0.9)], 0.9))) == 1


def test_one_systems_records_need_strong_evidence_but_may_meet_through_another_system():
    people = records(record("education:1"), record("education:2"), record("sen:9"))
    assert SAME_SYSTEM_THRESHOLD == 0.999
    for probability, children in ((0.95, 3), (0.9989, 3), (0.999, 2)):
        assert len(groups(cluster(people, [("education:1", "education:2", probability)], 0.9))) == children
    # each is linked to the same SEN record, so all three are one child
    through = [("education:1", "sen:9", 0.95), ("education:2", "sen:9", 0.95)]
    assert groups(cluster(people, through, 0.9)) == {frozenset({"education:1", "education:2", "sen:9"})}


def test_the_review_band_queues_uncertain_and_refused_pairs_once(tmp_path):
    """From REVIEW_FROM (0.5) up to the threshold a person is asked; so for a refused merge. Pairs
    already decided, in one child, or below the band are not queued; the last run's open pairs close."""
    from childhub.link.cluster import Clustering
    from childhub.link.run import _queue_for_review
    from childhub.store import Store

    store = Store(tmp_path / "store")
    store.migrate()
    pairs = [  # (left, right, probability, weight, evidence)
        ("a", "b", 0.95, 9.0, "{}"),  # one child already
        ("a", "c", 0.70, 1.2, "{}"),  # uncertain
        ("c", "a", 0.70, 1.2, "{}"),  # the same pair again
        ("a", "d", 0.49, -0.1, "{}"),  # below the band
        ("b", "e", 0.97, 5.0, "{}"),  # refused: twins
        ("c", "f", 0.60, 0.6, "{}"),  # decided before
        ("d", "f", 0.90, 3.0, "{}"),  # at the threshold, yet apart: not uncertain, not refused
    ]
    result = Clustering(cluster_of={}, refused=[("b", "e", 0.97, TWINS)])
    record_child = {"a": 1, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5}
    with store.writer() as conn:
        conn.execute(
            "INSERT INTO link_review (record_l, record_r, status) VALUES ('f', 'c', 'different'), ('x', 'y', 'open')"
        )
        queued = _queue_for_review(conn, pairs, result, record_child, 0.9, 7)
        rows = conn.execute(
            "SELECT record_l, record_r, match_probability, reason, status, run_id FROM link_review ORDER BY pair_id"
        ).fetchall()
    assert queued == 2
    assert rows == [
        ("f", "c", None, None, "different", None),
        ("x", "y", None, None, "closed", None),
        ("a", "c", 0.70, "uncertain: match probability 0.70", "open", 7),
        ("b", "e", 0.97, f"not linked: {TWINS}", "open", 7),
    ]
