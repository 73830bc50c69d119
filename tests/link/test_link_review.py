"""The review queue read once (``childhub.link.review_pairs``), for the CLI and the web alike."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from childhub.errors import ChildhubError
from childhub.link import REVIEW_FIELDS, pair_key, review_labels, review_pair_status, review_pairs
from childhub.store import Store

# Evidence as a run stores it: Splink's level (-1 missing, the highest the closest) and weight per comparison.
EVIDENCE = {
    "first_name": {"level": 4, "weight": 6.1},  # the exact level of five
    "surname": {"level": 2, "weight": 3.2},  # Jaro-Winkler >= 0.92
    "dob": {"level": -1, "weight": 0.0},
    "sex": {"level": 0, "weight": -2.5},
}


@pytest.fixture
def store(tmp_path) -> Store:
    """Three records and four pairs: two open (0.7 and 0.55), two decided at different times."""
    store = Store(tmp_path / "store")
    store.migrate()
    with store.writer() as conn:
        for record_id, forename, surname, born, sex in (
            ("1", "ava", "khan", date(2015, 6, 1), "F"),
            ("2", "ava", "kahn", None, "M"),
            ("3", "eva", "khan", date(2015, 6, 1), "F"),
        ):
            conn.execute(
                "INSERT INTO source_record (source_system, source_record_id, forename, surname, date_of_birth, sex, "
                "batch_id, source_record_key) VALUES ('education', ?, ?, ?, ?, ?, 1, ?)",
                [record_id, forename, surname, born, sex, f"key{record_id}"],
            )
        for pair_id, left, right, probability, status, decided_at in (
            (1, "1", "2", 0.70, "open", None),
            (2, "1", "3", 0.55, "open", None),
            (3, "2", "3", 0.60, "same", datetime(2026, 1, 1)),
            (4, "1", "3", 0.80, "different", datetime(2026, 2, 1)),
        ):
            conn.execute(
                "INSERT INTO link_review (pair_id, record_l, record_r, match_probability, evidence_json, reason, "
                "status, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, 'uncertain', ?, ?, ?)",
                [
                    pair_id,
                    f"education:{left}",
                    f"education:{right}",
                    probability,
                    json.dumps(EVIDENCE),
                    status,
                    "ann" if decided_at else None,
                    decided_at,
                ],
            )
    return store


def test_open_pairs_come_least_certain_first_with_each_field_labelled(store):
    with store.reader() as conn:
        pairs = review_pairs(conn, "open", limit=10)
    assert [p["pair_id"] for p in pairs] == [2, 1]  # |0.55 - 0.5| < |0.70 - 0.5|
    pair = pairs[1]
    assert list(pair) == [
        "pair_id",
        "pair_key",
        "match_probability",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "likely_twins",
        "evidence",
        "left",
        "right",
        "fields",
    ]
    assert set(pair["left"]) == set(REVIEW_FIELDS) and pair["right"]["surname"] == "kahn"
    fields = {f["field"]: f for f in pair["fields"]}
    assert [f["field"] for f in pair["fields"]] == list(REVIEW_FIELDS)
    # no run has a model yet, so the reference model's labels name the levels
    assert fields["forename"] == {
        "field": "forename",
        "left": "ava",
        "right": "ava",
        "differs": False,
        "level": "Exact match on first_name",
        "weight": 6.1,
    }
    assert fields["surname"]["level"] == "Jaro-Winkler distance of surname >= 0.92" and fields["surname"]["differs"]
    assert fields["date_of_birth"]["level"] == "missing on one side" and not fields["date_of_birth"]["differs"]
    assert fields["sex"]["level"] == "All other comparisons"
    assert fields["upn"] == {
        "field": "upn",
        "left": None,
        "right": None,
        "differs": False,
        "level": None,
        "weight": None,
    }


def test_decided_pairs_come_latest_first_and_the_limit_holds(store):
    with store.reader() as conn:
        decided = review_pairs(conn, "decided", limit=10)
        assert [(p["pair_id"], p["status"], p["decided_by"]) for p in decided] == [
            (4, "different", "ann"),
            (3, "same", "ann"),
        ]
        assert [p["pair_id"] for p in review_pairs(conn, "open", limit=1)] == [2]
        assert review_pair_status(conn, 3) == "same" and review_pair_status(conn, 99) is None
        with pytest.raises(ChildhubError, match="'open' or 'decided'"):
            review_pairs(conn, "closed")


def test_a_runs_own_model_names_its_levels(store):
    model = {
        "comparisons": [
            {
                "output_column_name": "first_name",
                "comparison_levels": [
                    {"label_for_charts": "null", "is_null_level": True},
                    {"label_for_charts": "the same name"},  # closest first, as Splink saves them
                    {"label_for_charts": "other names"},
                ],
            }
        ]
    }
    with store.writer() as conn:
        conn.execute("INSERT INTO link_run (run_id, started_at, model_json) VALUES (7, now(), ?)", [json.dumps(model)])
        conn.execute(
            "UPDATE link_review SET run_id = 7, evidence_json = ? WHERE pair_id = 1", ['{"first_name": {"level": 1}}']
        )
    with store.reader() as conn:
        labels = review_labels(conn)
        assert labels[7] == {"first_name": ["the same name", "other names"]}
        pair = next(p for p in review_pairs(conn, "open", labels=labels) if p["pair_id"] == 1)
    assert pair["fields"][REVIEW_FIELDS.index("forename")]["level"] == "the same name"


def test_the_cli_lists_open_pairs_side_by_side(store):
    from typer.testing import CliRunner

    from childhub.cli import app

    result = CliRunner().invoke(app, ["review", "--limit", "1", "--data-dir", str(store.data_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "2 open pairs (2 to settle, 0 likely twins or siblings listed last); showing 1 to 1, page 1 of 2."
    )
    assert lines[1] == f"pair {pair_key('education:1', 'education:3')}: probability 0.550; uncertain"
    assert lines[2].split() == ["source_system", "education", "education"]
    assert lines[-2] == "  evidence: first_name +6.1, surname +3.2, dob +0.0, sex -2.5"
    assert lines[-1] == "Decide with: childhub review decide PAIR same|different"


def test_the_cli_says_when_nothing_awaits_review(tmp_path):
    from typer.testing import CliRunner

    from childhub.cli import app

    Store(tmp_path / "empty").migrate()
    result = CliRunner().invoke(app, ["review", "--data-dir", str(tmp_path / "empty")])
    assert result.exit_code == 0 and result.output.strip() == "No pairs await review."


# --- a pair's identity across runs ---------------------------------------------------------------------------


def test_a_pairs_key_is_its_two_records_in_either_order_the_same_in_sql():
    import hashlib

    from childhub.link import pair_key
    from childhub.link.review import pair_key_sql
    from childhub.store import scratch_connection

    expected = hashlib.sha256(b"education:P7\x1fsocial_care:12").hexdigest()[:12]
    assert pair_key("education:P7", "social_care:12") == pair_key("social_care:12", "education:P7") == expected
    records = [("social_care:12", "education:P7"), ("sen:Ä1", "sen:A1"), ("police:NOM0000107", "youth_justice:YJ9")]
    with scratch_connection() as conn:
        conn.execute("CREATE TABLE link_review (record_l VARCHAR, record_r VARCHAR)")
        conn.executemany("INSERT INTO link_review VALUES (?, ?)", records)
        in_sql = conn.execute(f"SELECT {pair_key_sql('q')} FROM link_review q").fetchall()
    assert [key for (key,) in in_sql] == [pair_key(*pair) for pair in records]


def _queue(store, rows, run_id):
    from childhub.link.review import queue_pairs

    with store.writer() as conn:
        queue_pairs(conn, [[left, right, p, None, "{}", f"uncertain: {p}"] for left, right, p in rows], run_id)
        return {
            (left, right): (pair_id, status, probability, run)
            for pair_id, left, right, status, probability, run in conn.execute(
                "SELECT pair_id, record_l, record_r, status, match_probability, run_id FROM link_review"
            ).fetchall()
        }


def test_a_pair_queued_again_keeps_its_row_and_one_not_queued_is_closed(store):
    """What a run does to the queue (the fast twin of the relink tests on a synthetic authority)."""
    ab, ac = ("education:1", "education:2"), ("education:8", "education:9")
    with store.writer() as conn:  # the fixture's pairs: 1 and 2 open, 3 same, 4 different
        conn.execute("DELETE FROM link_review WHERE status = 'open'")
    first = _queue(store, [(*ab, 0.6), (*ac, 0.7)], run_id=1)
    assert first[ab][1:] == ("open", 0.6, 1) and first[ac][1:] == ("open", 0.7, 1)
    # the next run queues one of them again, the other way round, with a new probability
    second = _queue(store, [("education:2", "education:1", 0.65)], run_id=2)
    assert second[ab] == (first[ab][0], "open", 0.65, 2)  # the same row: the same number
    assert second[ac] == (first[ac][0], "closed", 0.7, 1)
    # a third queues the closed one again: it opens in its old row, and nothing new is written
    third = _queue(store, [(*ac, 0.55)], run_id=3)
    assert third[ac] == (first[ac][0], "open", 0.55, 3) and third[ab][1] == "closed"
    assert len(third) == len(second) == len(first)
    with store.reader() as conn:
        decided = conn.execute("SELECT pair_id, status FROM link_review WHERE decided_at IS NOT NULL").fetchall()
    assert sorted(decided) == [(3, "same"), (4, "different")]  # decisions are left alone


def test_a_pair_is_found_by_its_key_or_by_any_number_it_had(store):
    from childhub.link import find_pair, pair_key

    key = pair_key("education:1", "education:3")
    with store.writer() as conn:  # an older store: pair 2 was closed by a run and queued again as pair 9
        conn.execute("UPDATE link_review SET status = 'closed' WHERE pair_id = 2")
        conn.execute(
            "INSERT INTO link_review (pair_id, record_l, record_r, match_probability, status) "
            "VALUES (9, 'education:3', 'education:1', 0.52, 'open')"
        )
    with store.reader() as conn:
        # pair 4 (a decision on the same two records) is decided: the decided row is the current one
        assert find_pair(conn, key) == {"pair_id": 4, "pair_key": key, "status": "different"}
        assert find_pair(conn, "2") == find_pair(conn, 9) == find_pair(conn, key.upper()) == find_pair(conn, key)
        assert find_pair(conn, "1")["pair_key"] == pair_key("education:1", "education:2")
        assert find_pair(conn, "123") is None and find_pair(conn, "not-a-pair") is None
        assert find_pair(conn, "0" * 12) is None and find_pair(conn, "9" * 30) is None


# --- the order of the queue: the likely twins last ----------------------------------------------------------


@pytest.fixture
def twins_store(tmp_path) -> Store:
    """Twins Matilda and Annie Nash (p 0.50), a sister and brother Nash born the same day with no identifier
    between them (p 0.52), and two pairs a reviewer can settle (p 0.56 and 0.70)."""
    store = Store(tmp_path / "twins")
    store.migrate()
    born = date(2016, 5, 9)
    with store.writer() as conn:
        for record_id, forename, surname, dob, sex, nhs in (
            ("1", "matilda", "nash", born, "F", "9434765919"),
            ("2", "annie", "nash", born, "F", "4010232137"),
            ("3", "rose", "nash", born, "F", None),
            ("4", "leo", "nash", born, "M", None),
            ("5", "ava", "khan", date(2015, 6, 1), "F", None),
            ("6", "ava", "kahn", date(2015, 6, 1), "F", None),
            ("7", "jon", "smith", date(2014, 1, 2), "M", None),
            ("8", "joan", "smith", date(2014, 1, 2), "F", "4010232137"),
        ):
            conn.execute(
                "INSERT INTO source_record (source_system, source_record_id, forename, surname, date_of_birth, sex, "
                "postcode, nhs_number, batch_id, source_record_key) VALUES ('education', ?, ?, ?, ?, ?, 'QX1 2AB', "
                "?, 1, ?)",
                [record_id, forename, surname, dob, sex, nhs, f"key{record_id}"],
            )
        for left, right, probability in (("1", "2", 0.50), ("3", "4", 0.52), ("5", "6", 0.70), ("7", "8", 0.56)):
            conn.execute(
                "INSERT INTO link_review (record_l, record_r, match_probability, status) VALUES (?, ?, ?, 'open')",
                [f"education:{left}", f"education:{right}", probability],
            )
    return store


def test_the_likely_twins_come_after_the_pairs_a_reviewer_can_settle(twins_store):
    from childhub.link import likely_twins, review_queue

    with twins_store.reader() as conn:
        queue = review_queue(conn, page=1, page_size=20)
        # jon and joan smith are born the same day but their first names do not clearly differ: to settle
        assert [(p["left"]["forename"], p["likely_twins"]) for p in queue.pairs] == [
            ("jon", False),  # |0.56 - 0.5| = 0.06
            ("ava", False),  # 0.20
            ("matilda", True),  # different NHS numbers; |0.50 - 0.5| = 0, but twins
            ("rose", True),  # no identifier between them, but a sister and a brother
        ]
        assert (queue.total, queue.to_settle, queue.twins, queue.pages) == (4, 2, 2, 1)
        hidden = review_queue(conn, twins="hide")
        assert [p["left"]["forename"] for p in hidden.pairs] == ["jon", "ava"] and hidden.total == 2
        only = review_queue(conn, twins="only")
        assert [p["left"]["forename"] for p in only.pairs] == ["matilda", "rose"] and only.total == 2
        second = review_queue(conn, page=2, page_size=3)
        assert [p["left"]["forename"] for p in second.pairs] == ["rose"] and (second.first, second.pages) == (4, 2)
        with pytest.raises(ChildhubError, match="last, hide, only"):
            review_queue(conn, twins="first")
    record = {"forename": "rose", "surname": "nash", "date_of_birth": date(2016, 5, 9), "postcode": "QX1 2AB"}
    record |= {"sex": "F", "upn": None, "nhs_number": None}
    assert likely_twins(record, record | {"forename": "leo", "sex": "M"})
    assert not likely_twins(record, record | {"forename": "leo", "sex": "U"})  # a sex not stated tells nothing
    assert not likely_twins(record, record | {"forename": "leo"})  # maybe one child under another first name
    assert not likely_twins(record, record | {"forename": "leo", "sex": "M", "postcode": "QX9 9ZZ"})
    assert likely_twins(record | {"upn": "A1"}, record | {"forename": "leo", "upn": "B2", "postcode": "qx12ab"})


@pytest.mark.slow  # two full link runs; test_a_pair_queued_again_keeps_its_row_and_one_not_queued_is_closed is its twin
def test_a_pair_keeps_its_identity_and_its_decision_across_relinks(tiny_authority, tmp_path):
    from childhub.hub import decide, link
    from childhub.link import find_pair, review_queue

    store = tiny_authority.copy(tmp_path / "store")
    with store.reader() as conn:
        before = {p["pair_key"]: p["pair_id"] for p in review_queue(conn, page_size=10_000).pairs}
    assert len(before) >= 2, "a tiny authority still leaves a few pairs for review"
    decided = sorted(before)[0]
    decide(store, before[decided], "different", "a test")
    link(store)
    link(store)  # twice: each run finds the same pairs and keeps their rows
    with store.reader() as conn:
        after = {p["pair_key"]: p["pair_id"] for p in review_queue(conn, page_size=10_000).pairs}
        assert after == {key: pair_id for key, pair_id in before.items() if key != decided}
        assert find_pair(conn, decided) == {"pair_id": before[decided], "pair_key": decided, "status": "different"}
        left, right = conn.execute(
            "SELECT record_l, record_r FROM link_review WHERE pair_id = ?", [before[decided]]
        ).fetchone()
        children = conn.execute(
            "SELECT count(DISTINCT child_id) FROM child_link WHERE valid_to IS NULL "
            "AND list_contains(?, source_system || ':' || source_record_id)",
            [[left, right]],
        ).fetchone()[0]
        assert children == 2  # the decision binds both runs
        assert conn.execute("SELECT max(pair_id) FROM link_review").fetchone()[0] == max(before.values())
