"""What keeps a linkage run of a large authority small: training samples sized to the records, only the usable
pairs in Python, and DuckDB's memory capped for the run (and given back after it)."""

from __future__ import annotations

from datetime import date

from childhub.link import model, run
from childhub.store import scratch_connection


def test_u_is_estimated_from_ten_random_pairs_per_record_within_one_and_five_million():
    assert model.u_pairs(2_000) == 1_000_000  # 20,000: raised to the fewest
    assert model.u_pairs(300_000) == 3_000_000
    assert model.u_pairs(530_746) == 5_000_000  # 5,307,460: cut to the most


PEOPLE = [  # the blocking test's four records: 1-2 share a UPN; 3 is 1 and 2 born seven months later; 4 another child
    ("1", "ava", "khan", date(2015, 6, 1), "F", "QX1 1AA", "U1", None),
    ("2", "ava", "khan", date(2015, 6, 1), "F", "QX1 1AA", "U1", None),
    ("3", "ava", "khan", date(2016, 1, 1), "F", "QX1 1AA", None, None),
    ("4", "bob", "jones", date(2016, 1, 1), "M", "QX2 2BB", None, None),
]


def _score(**options):
    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE people (unique_id VARCHAR, forename VARCHAR, surname VARCHAR, date_of_birth DATE, "
            "sex VARCHAR, postcode VARCHAR, upn VARCHAR, nhs_number VARCHAR)"
        )
        conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)", PEOPLE)
        return model.score_pairs(
            conn, records_sql="SELECT * FROM {catalog}.main.people", model=model.reference_model(), **options
        )


def test_only_pairs_from_keep_from_come_back_and_every_scored_pair_is_counted():
    everything = _score(threshold=0.0)
    kept = _score(threshold=0.0, keep_from=0.5)
    assert everything.scored == kept.scored == 4  # the four blocked pairs, all scored
    assert sorted(pair[:2] for pair in everything.pairs) == [("1", "2"), ("1", "3"), ("2", "3"), ("3", "4")]
    assert sorted(kept.pairs) == sorted(pair for pair in everything.pairs if pair[2] >= 0.5)
    assert ("1", "2") in [pair[:2] for pair in kept.pairs]  # same names, date of birth, home and UPN
    assert ("3", "4") not in [pair[:2] for pair in kept.pairs]  # only a date of birth in common


def test_a_run_caps_duckdbs_memory_while_it_scores_and_gives_it_back(history, monkeypatch):
    history.add("person", "social_care", pers_person_id="A", pers_forename="Sam", pers_surname="Lee")
    store = history.store()
    seen = []

    def scored(conn):
        seen.append(conn.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return model.Scored(pairs=[], comparisons_by_rule={}, model_json="{}", records=1)

    monkeypatch.setattr(run, "score_pairs", scored)
    with store.writer() as conn:
        before = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        run.link(conn)
        after = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert seen == ["2.0 GiB"]  # LINK_MEMORY_MB, 2,048 MB
    assert after == before != "2.0 GiB"
