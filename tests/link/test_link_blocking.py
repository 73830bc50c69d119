"""The blocking rules are counted before Splink predicts, and a run over the bound stops with the counts.

Four hand-made records; each rule's count is the pairs it adds to the rules before it (Splink's
marginal count), worked out by hand:

    1 ava khan 2015-06-01 QX1 1AA UPN U1
    2 ava khan 2015-06-01 QX1 1AA UPN U1
    3 ava khan 2016-01-01 QX1 1AA
    4 bob jones 2016-01-01 QX2 2BB

date of birth: 1-2, 3-4 (2); surname and first initial: 1-3, 2-3 (2, 1-2 already counted);
postcode and surname, first name and postcode, UPN: nothing new; NHS number: none recorded.
"""

from __future__ import annotations

from datetime import date

import pytest

from childhub.errors import ChildhubError
from childhub.link import model
from childhub.store import scratch_connection

PEOPLE = [
    ("1", "ava", "khan", date(2015, 6, 1), "F", "QX1 1AA", "U1", None),
    ("2", "ava", "khan", date(2015, 6, 1), "F", "QX1 1AA", "U1", None),
    ("3", "ava", "khan", date(2016, 1, 1), "F", "QX1 1AA", None, None),
    ("4", "bob", "jones", date(2016, 1, 1), "M", "QX2 2BB", None, None),
]
COUNTS = {
    "date of birth": 2,
    "surname and first initial": 2,
    "postcode and surname": 0,
    "first name and postcode": 0,
    "UPN": 0,
    "NHS number": 0,
}


def score(**options):
    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE people (unique_id VARCHAR, forename VARCHAR, surname VARCHAR, date_of_birth DATE, "
            "sex VARCHAR, postcode VARCHAR, upn VARCHAR, nhs_number VARCHAR)"
        )
        conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)", PEOPLE)
        return model.score_pairs(
            conn, records_sql="SELECT * FROM {catalog}.main.people", model=model.reference_model(), **options
        )


def test_each_rule_is_counted_and_reported(monkeypatch):
    monkeypatch.setattr(model, "MAX_COMPARISONS", 4)  # the bound itself is allowed
    scored = score(threshold=0.0)
    assert [name for name, _columns in model.BLOCKING] == list(COUNTS)
    assert scored.comparisons_by_rule == COUNTS
    assert sorted(tuple(sorted((left, right))) for left, right, *_ in scored.pairs) == [
        ("1", "2"),
        ("1", "3"),
        ("2", "3"),
        ("3", "4"),
    ]


def test_a_run_over_the_bound_stops_naming_every_rules_count(monkeypatch):
    monkeypatch.setattr(model, "MAX_COMPARISONS", 3)
    with pytest.raises(ChildhubError) as refused:
        score()
    assert str(refused.value) == (
        "the blocking rules would compare 4 pairs, more than the 3 childhub allows: date of birth 2, "
        "surname and first initial 2, postcode and surname 0, first name and postcode 0, UPN 0, NHS number 0"
    )
