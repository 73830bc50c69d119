"""Linkage on a synthetic authority: accuracy against truth, stable IDs, reviews respected."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from childhub.hub import decide, ingest, link
from childhub.link import evaluate, export_identities, review_pairs
from childhub.link.cluster import clearly_different, edit_distance, jaro_winkler
from childhub.store import Store


@pytest.fixture(scope="module")
def linked(tiny_authority):
    """The shared tiny authority as its one link run left it: only read."""
    return tiny_authority.store, tiny_authority.truth, tiny_authority.linked


@pytest.fixture
def relinked(tiny_authority, tmp_path):
    """A copy of the linked store, for a test that links again."""
    return tiny_authority.copy(tmp_path / "store"), tiny_authority.truth, tiny_authority.linked


def identities(store: Store, tmp_path: Path) -> dict[str, tuple[str, str]]:
    out = tmp_path / "identities.csv"
    export_identities(store, out)
    with out.open(newline="", encoding="utf-8-sig") as handle:
        return {
            f"{r['source']}:{r['source_record_id']}": (r["child_id"], r["family_id"]) for r in csv.DictReader(handle)
        }


def test_accuracy_against_truth(linked):
    store, truth, result = linked
    assert result.records > 3000 and result.children < result.records
    assert all(count >= 0 for count in result.comparisons_by_rule.values())
    scores = evaluate(store, truth)
    children, families, exact = scores["children"], scores["families"], scores["children, exact name and date of birth"]
    assert children.precision >= 0.998 and children.f1 >= 0.995, children
    assert families.f1 >= 0.97, families
    assert children.f1 > exact.f1 + 0.05  # far better than matching on name and date of birth


def test_every_record_has_one_child_and_a_family(linked, tmp_path):
    store, truth, _ = linked
    found = identities(store, tmp_path)
    with Path(truth).open(newline="") as handle:
        records = {f"{r['source']}:{r['source_record_id']}" for r in csv.DictReader(handle)}
    assert set(found) == records
    assert all(child and family for child, family in found.values())


@pytest.mark.slow  # a full link run; test_the_same_groups_keep_their_child_ids is its fast twin
def test_a_second_run_keeps_every_id(relinked, tmp_path):
    store, _truth, _ = relinked
    before = identities(store, tmp_path)
    link(store)
    assert identities(store, tmp_path) == before


@pytest.mark.slow  # two full link runs; test_review_decisions_bind_the_grouping is its fast twin
def test_review_decisions_bind_later_runs(relinked, tmp_path):
    store, _truth, _ = relinked
    with store.reader() as conn:
        queue = review_pairs(conn, "open", limit=5)
    assert queue, "a tiny authority still leaves a few pairs for review"
    pair = queue[0]
    left = f"{pair['left']['source_system']}:{pair['left']['source_record_id']}"
    right = f"{pair['right']['source_system']}:{pair['right']['source_record_id']}"
    decide(store, pair["pair_id"], "same", "a test")
    link(store)
    after = identities(store, tmp_path)
    assert after[left][0] == after[right][0]
    decide(store, pair["pair_id"], "different", "a test")
    link(store)
    again = identities(store, tmp_path)
    assert again[left][0] != again[right][0]
    with store.reader() as conn:
        decisions = [d for (d,) in conn.execute("SELECT decision FROM identity_decision").fetchall()]
    assert "review: same" in decisions and "review: different" in decisions


@pytest.mark.slow  # a full link run; test_new_records_are_matched_at_once_without_a_full_run is its fast twin
def test_new_records_join_the_children_they_belong_to(relinked, tmp_path):
    store, _truth, _ = relinked
    before = identities(store, tmp_path)
    with store.reader() as conn:
        forename, surname, dob, upn = conn.execute(
            "SELECT forename, surname, date_of_birth, upn FROM source_record "
            "WHERE source_system = 'education' AND upn IS NOT NULL ORDER BY source_record_id LIMIT 1"
        ).fetchall()[0]
        [(child,)] = conn.execute(
            "SELECT child_id FROM child_link WHERE valid_to IS NULL AND source_record_id = "
            "(SELECT source_record_id FROM source_record WHERE upn = ? AND source_system = 'education')",
            [upn],
        ).fetchall()
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fsm_list.yml"
    path = tmp_path / "fsm.csv"
    path.write_text(
        "Pupil Ref,UPN,Legal Surname,Forename,Date of Birth,Gender,Postcode,Eligible From,Eligible To\n"
        f"NEW1,{upn},{surname.title()},{forename.title()},{dob:%d/%m/%Y},,,01/09/2025,\n"
    )
    ingest(store, [path], mapping_files=[mapping])
    link(store)
    after = identities(store, tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["education:NEW1"][0] == str(child)


def test_the_same_groups_keep_their_child_ids(tiny_authority, tmp_path):
    # What keeps IDs stable from run to run, without the model: a run that finds the same groups of
    # records gives every record its child ID again; a group joining two children keeps the larger's.
    from datetime import datetime

    from childhub.link.identity import assign_children

    store = tiny_authority.copy(tmp_path / "store")
    with store.writer() as conn:
        current = {
            f"{system}:{record}": child
            for system, record, child in conn.execute(
                "SELECT source_system, source_record_id, child_id FROM child_link WHERE valid_to IS NULL"
            ).fetchall()
        }
        groups: dict[int, list[str]] = {}
        for record, child in sorted(current.items()):
            groups.setdefault(child, []).append(record)

        def assigned(clusters: list[list[str]]) -> dict[str, int]:
            conn.execute("BEGIN TRANSACTION")
            try:
                return assign_children(conn, {records[0]: records for records in clusters}, 0, datetime.now())
            finally:
                conn.execute("ROLLBACK")

        assert assigned(list(groups.values())) == current
        big = next(child for child, records in groups.items() if len(records) >= 3)
        small = next(child for child, records in groups.items() if len(records) == 1)
        joined = [records for child, records in groups.items() if child not in (big, small)]
        after = assigned([*joined, groups[big] + groups[small]])
    assert {after[record] for record in groups[big] + groups[small]} == {big}
    assert all(after[record] == current[record] for records in joined for record in records)


def test_review_decisions_bind_the_grouping():
    # What a link run does with the decisions it reads: "same" joins records the model left apart,
    # "different" parts records the model (or a shared identifier) would join.
    from childhub.link.cluster import Record, cluster

    ids = ("social_care:1", "education:2", "sen:3")
    records = {u: Record(u, "ava", date(2015, 1, 1), None, None, None) for u in ids}
    pairs = [("social_care:1", "education:2", 0.5), ("social_care:1", "sen:3", 0.99)]
    undecided = cluster(records, pairs, 0.9).cluster_of
    assert undecided["social_care:1"] != undecided["education:2"]
    assert undecided["social_care:1"] == undecided["sen:3"]
    same = {frozenset(("social_care:1", "education:2"))}
    different = {frozenset(("social_care:1", "sen:3"))}
    decided = cluster(records, pairs, 0.9, same, different)
    assert decided.cluster_of["social_care:1"] == decided.cluster_of["education:2"]
    assert decided.cluster_of["social_care:1"] != decided.cluster_of["sen:3"]
    assert [reason for *_pair, reason in decided.refused] == ["a person decided these are different children"]
    records["sen:3"] = Record("sen:3", "ava", date(2015, 1, 1), None, None, "9434765919")
    records["social_care:1"] = Record("social_care:1", "ava", date(2015, 1, 1), None, None, "9434765919")
    shared = cluster(records, [], 0.9, different=different).cluster_of
    assert shared["social_care:1"] != shared["sen:3"]  # a decision outweighs even a shared NHS number


def test_name_helpers():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert edit_distance("kai", "kzi") == 1 and edit_distance("leo", "loe") == 1
    assert clearly_different("liam", "emmanuel")
    assert not clearly_different("william", "bill")  # a nickname
    assert not clearly_different("max", "mqx")  # a typo


def test_link_lists_links_rows_of_any_lists(tmp_path):
    from childhub.link.lists import link_lists

    header = "Forename,Surname,Date of Birth,Gender,Postcode,UPN,NHS Number\n"
    (tmp_path / "fsm.csv").write_text(
        header
        + (
            "Olivia,Okafor,14/02/2015,Girl,QX12 4AB,V201200123001,\n"
            "Amelia,Okafor,14/02/2015,Girl,QX12 4AB,,\n"  # Olivia's twin
            "Harry,Smith,01/09/2012,Boy,QX1 1AA,,\n"
            "Noah,Jones,05/05/2010,Boy,QX3 2BD,,\n"
        )
    )
    (tmp_path / "partner.csv").write_text(
        header
        + (
            "Olivia,Okafor,2015-02-14,Female,QX12 4AB,,\n"  # the same Olivia
            "Harrry,Smith,01/09/2012,Male,QX1 1AA,,\n"  # the same Harry, with a typo
            "Noah,Jones,05/05/2010,Male,QX3 2BD,,943 476 5919\n"  # the same Noah
        )
    )
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "link_lists.yml"
    out = tmp_path / "linked.csv"
    rows, people = link_lists([tmp_path / "fsm.csv", tmp_path / "partner.csv"], mapping, out)
    assert rows == 7 and people == 4
    with out.open(newline="", encoding="utf-8-sig") as handle:
        linked = {(r["source_file"], r["source_row"]): r for r in csv.DictReader(handle)}
    group = {key: row["cluster_id"] for key, row in linked.items()}
    assert group[("fsm.csv", "2")] == group[("partner.csv", "2")]  # Olivia
    assert group[("fsm.csv", "3")] != group[("fsm.csv", "2")]  # her twin is not her
    assert group[("fsm.csv", "4")] == group[("partner.csv", "3")]  # Harry
    assert group[("fsm.csv", "5")] == group[("partner.csv", "4")]  # Noah
    assert linked[("fsm.csv", "3")]["match_probability"] == ""  # Amelia links to nobody
    assert float(linked[("partner.csv", "2")]["match_probability"]) >= 0.9


@pytest.mark.slow
def test_new_records_are_matched_at_once_without_a_full_run(relinked, tmp_path):
    from childhub.hub import link_new_records

    store, _truth, _ = relinked
    before = identities(store, tmp_path)
    with store.reader() as conn:
        forename, surname, dob, upn, postcode = conn.execute(
            "SELECT forename, surname, date_of_birth, upn, postcode FROM source_record "
            "WHERE source_system = 'education' AND upn IS NOT NULL ORDER BY source_record_id LIMIT 1"
        ).fetchall()[0]
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fsm_list.yml"
    path = tmp_path / "fsm.csv"
    path.write_text(
        "Pupil Ref,UPN,Legal Surname,Forename,Date of Birth,Gender,Postcode,Eligible From,Eligible To\n"
        f"NEW1,,{surname.title()},{forename.title()},{dob:%d/%m/%Y},,{postcode},01/09/2025,\n"  # no UPN: by the model
        "NEW2,,Zzyzx,Quentin,01/01/2011,,QX9 9ZZ,01/09/2025,\n"  # nobody known
    )
    ingest(store, [path], mapping_files=[mapping])
    matches = {m.record: m for m in link_new_records(store)}
    assert set(matches) == {"education:NEW1", "education:NEW2"}
    after = identities(store, tmp_path)
    assert {k: v[0] for k, v in after.items() if k in before} == {k: v[0] for k, v in before.items()}
    assert matches["education:NEW1"].outcome == "joined"
    assert matches["education:NEW2"].outcome == "new"
    assert after["education:NEW2"][0] not in {v[0] for v in before.values()}


def test_records_of_one_system_merge_only_on_strong_evidence():
    from childhub.link.cluster import Record, cluster

    def record(uid, upn=None):
        return Record(uid, "ava", date(2015, 1, 1), upn, None, None)

    records = {u: record(u) for u in ("education:1", "education:2", "sen:9")}
    apart = cluster(records, [("education:1", "education:2", 0.95)], 0.9)
    assert apart.cluster_of["education:1"] != apart.cluster_of["education:2"]
    together = cluster(records, [("education:1", "sen:9", 0.95)], 0.9)
    assert together.cluster_of["education:1"] == together.cluster_of["sen:9"]
    sure = cluster(records, [("education:1", "education:2", 0.9995)], 0.9)
    assert sure.cluster_of["education:1"] == sure.cluster_of["education:2"]
    shared = {
        "education:1": record("education:1", "V201200123001"),
        "education:2": record("education:2", "V201200123001"),
    }
    assert len(set(cluster(shared, [], 0.9).cluster_of.values())) == 1


def test_family_services_lists_what_each_child_is_known_to(linked):
    store, _truth, _ = linked
    with store.reader() as conn:
        rows = conn.execute("SELECT family_id, child_id, services FROM family_services").fetchall()
    assert rows and all(services for _f, _c, services in rows)
    assert any(len(services) >= 2 for _f, _c, services in rows)


def test_families_come_from_homes_over_time_and_shared_parents(linked):
    store, truth, _ = linked
    with store.reader() as conn:
        carers = conn.execute("SELECT count(*) FROM carer").fetchall()[0][0]
        dated = conn.execute("SELECT count(*) FROM address WHERE addr_address_start_date IS NOT NULL").fetchall()[0][0]
    assert carers > 0 and dated > 0
    assert evaluate(store, truth)["families"].f1 >= 0.98


def test_scoring_runs_on_a_catalog_whose_name_needs_quoting():
    # A published snapshot's catalog is snapshot-<hash>: pasted unquoted, the hyphen breaks the SQL.
    from childhub.link.model import reference_model, score_pairs
    from childhub.store import scratch_connection

    with scratch_connection() as conn:
        conn.execute("ATTACH ':memory:' AS \"snapshot-1a2b\"")
        conn.execute('USE "snapshot-1a2b"')
        conn.execute(
            "CREATE TABLE people AS SELECT * FROM (VALUES "
            "('a', 'amy', 'smith', DATE '2015-01-02', 'F', 'AB1 2CD', NULL, NULL), "
            "('b', 'amy', 'smith', DATE '2015-01-02', 'F', 'AB1 2CD', NULL, NULL)) "
            "AS t(unique_id, forename, surname, date_of_birth, sex, postcode, upn, nhs_number)"
        )
        scored = score_pairs(conn, records_sql="SELECT * FROM {catalog}.main.people", model=reference_model())
        assert conn.execute("SELECT current_database()").fetchone()[0] == "snapshot-1a2b"
    assert [(left, right) for left, right, *_ in scored.pairs] == [("a", "b")]


# Three records: one social-care record that scores the same against two pupils with different UPNs,
# so exactly one of the two merges can be made.
def _one_of_two_merges(history):
    from childhub.link.model import Scored

    history.add("person", "social_care", pers_person_id="A", pers_forename="Sam", pers_surname="Lee")
    for record, upn in (("B", "UPN-B"), ("C", "UPN-C")):
        history.add("person", "education", pers_person_id=record, pers_forename="Sam", pers_upn=upn)
    store = history.store()
    tied = [("social_care:A", f"education:{record}", 0.99, 9.0, "{}") for record in ("C", "B")]  # C first
    return store, Scored(pairs=tied, comparisons_by_rule={}, model_json="{}", records=3)


def _children(store: Store) -> dict[str, int]:
    with store.reader() as conn:
        rows = conn.execute(
            "SELECT source_system || ':' || source_record_id, child_id FROM child_link WHERE valid_to IS NULL"
        ).fetchall()
    return dict(rows)


def test_tied_merges_are_made_in_one_order_whatever_order_the_scores_come_in(history, monkeypatch):
    store, scored = _one_of_two_merges(history)
    monkeypatch.setattr("childhub.link.run.score_pairs", lambda conn: scored)
    link(store)
    children = _children(store)
    assert children["social_care:A"] == children["education:B"] != children["education:C"]


def test_a_link_run_that_fails_part_way_leaves_no_run_row_and_no_child(history, monkeypatch):
    store, scored = _one_of_two_merges(history)
    monkeypatch.setattr("childhub.link.run.score_pairs", lambda conn: scored)

    def die(*args):
        raise KeyboardInterrupt  # killed while the children are being written

    monkeypatch.setattr("childhub.link.run.assign_families", die)
    with pytest.raises(KeyboardInterrupt):
        link(store)
    with store.reader() as conn:
        assert conn.execute("SELECT count(*) FROM link_run").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0


def test_an_unfinished_run_row_an_earlier_childhub_left_is_cleared(history, monkeypatch):
    store, scored = _one_of_two_merges(history)
    with store.writer() as conn:
        conn.execute("INSERT INTO link_run (started_at, records, threshold) VALUES (now()::TIMESTAMP, 3, 0.9)")
    monkeypatch.setattr("childhub.link.run.score_pairs", lambda conn: scored)
    result = link(store)
    with store.reader() as conn:
        runs = conn.execute("SELECT run_id, finished_at IS NOT NULL FROM link_run").fetchall()
    assert runs == [(result.run_id, True)]
