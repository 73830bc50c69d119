"""The review queue read once (``childhub.link.review_pairs``), for the CLI and the web alike."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from childhub.errors import ChildhubError
from childhub.link import REVIEW_FIELDS, review_labels, review_pair_status, review_pairs
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
        "match_probability",
        "reason",
        "status",
        "decided_by",
        "decided_at",
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
    assert lines[0] == "pair 2: probability 0.550; uncertain"
    assert lines[1].split() == ["source_system", "education", "education"]
    assert lines[-2] == "  evidence: first_name +6.1, surname +3.2, dob +0.0, sex -2.5"
    assert lines[-1] == "Decide with: childhub review decide PAIR same|different"


def test_the_cli_says_when_nothing_awaits_review(tmp_path):
    from typer.testing import CliRunner

    from childhub.cli import app

    Store(tmp_path / "empty").migrate()
    result = CliRunner().invoke(app, ["review", "--data-dir", str(tmp_path / "empty")])
    assert result.exit_code == 0 and result.output.strip() == "No pairs await review."
