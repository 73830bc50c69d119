"""fact_missing: one row per child and missing-episode start date, whichever feeds send it, with the return
interview from the feed that records it (the SSD export; the SSDA903 return has no such item)."""

from __future__ import annotations

from datetime import date, datetime

from childhub.facts import prepare
from childhub.indicators import AuthoritySettings, calculator
from helpers import load_feed

MISSING = ["missing_from_care", "missing_incidents_per_child"]


def _load(store, feed: str, started: datetime, rows: list[tuple]) -> None:
    """One batch of ``feed`` holding missing episodes: (person, start, end, type, offered, accepted)."""
    names = ("miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_end_date",
             "miss_missing_episode_type", "miss_missing_rhi_offered", "miss_missing_rhi_accepted")  # fmt: skip
    episodes = [{"miss_table_id": f"{row[0]}:{row[1]}", **dict(zip(names, row, strict=True))} for row in rows]
    load_feed(store, feed, "missing", started, episodes)


def _facts(store) -> list[tuple]:
    with store.reader() as conn:
        prepare(conn, ["missing"])
        return conn.execute(
            "SELECT person_id, start_date, end_date, missing_type, return_interview_offered, "
            "return_interview_accepted FROM fact_missing ORDER BY person_id, start_date"
        ).fetchall()


def _two_feeds(history, ssd_first: bool):
    """P1 went missing on 1 May 2025 (back 3 May; the return and the SSD export both hold it, the SSD with
    an interview offered and declined) and on 1 July 2025 (the return only); P2 was away on 2 June 2025,
    the SSD export saying no interview was applicable (NA)."""
    history.child("P1", dob=date(2010, 1, 1))
    history.child("P2", dob=date(2011, 1, 1))
    store = history.store()
    ssda903 = [
        ("P1", date(2025, 5, 1), date(2025, 5, 3), "M", None, None),
        ("P1", date(2025, 7, 1), date(2025, 7, 1), "M", None, None),
        ("P2", date(2025, 6, 2), date(2025, 6, 2), "A", None, None),
    ]
    ssd = [
        ("P1", date(2025, 5, 1), date(2025, 5, 3), "M", "Y", "N"),
        ("P2", date(2025, 6, 2), date(2025, 6, 2), "A", "NA", "NA"),
    ]
    feeds = [("ssd_missing", ssd), ("ssda903_missing", ssda903)]
    for number, (feed, rows) in enumerate(feeds if ssd_first else reversed(feeds)):
        _load(store, feed, datetime(2026, 1, 1 + number), rows)
    return store


EXPECTED = [
    ("P1", date(2025, 5, 1), date(2025, 5, 3), "M", "Y", "N"),
    ("P1", date(2025, 7, 1), date(2025, 7, 1), "M", None, None),
    ("P2", date(2025, 6, 2), date(2025, 6, 2), "A", None, None),
]


def test_an_episode_in_the_return_and_the_ssd_is_one_row_with_the_ssds_return_interview(history):
    assert _facts(_two_feeds(history, ssd_first=False)) == EXPECTED


def test_the_return_interview_stands_when_the_return_is_loaded_after_the_ssd(history):
    assert _facts(_two_feeds(history, ssd_first=True)) == EXPECTED


def test_yes_no_spellings_are_read_as_y_and_n(history):
    history.child("P1", dob=date(2010, 1, 1))
    store = history.store()
    rows = [
        ("P1", date(2025, 5, 1), None, "M", "Yes", "no"),
        ("P1", date(2025, 6, 1), None, "M", "1", "0"),
        ("P1", date(2025, 7, 1), None, "M", " n ", ""),
    ]
    _load(store, "ssd_missing", datetime(2026, 1, 1), rows)
    assert [(offered, accepted) for *_, offered, accepted in _facts(store)] == [("Y", "N"), ("Y", "N"), ("N", None)]


def test_the_ssd_export_leaves_the_missing_indicators_of_the_tiny_authority_as_they_were(tiny_authority, tmp_path):
    store = tiny_authority.copy(tmp_path / "store")
    years = [date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31)]

    def figures():
        with calculator(store, AuthoritySettings(population_0_17=10_000)) as calc:
            return [
                (f.indicator.id, f.numerator, f.denominator, f.value)
                for as_at in years
                for f in calc.figures(as_at, ids=MISSING)
            ]

    with store.reader() as conn:
        with_ssd = conn.execute("SELECT count(*), count(return_interview_offered) FROM facts.fact_missing").fetchone()
        restated = conn.execute(
            "SELECT count(*) FROM missing JOIN ingest_batch USING (batch_id) WHERE feed = 'ssd_missing'"
        ).fetchone()[0]
    assert restated > 0 and with_ssd[1] > 0  # the export restates episodes, with their return interviews
    before = figures()
    assert any(numerator for _, numerator, *_ in before)
    with store.writer() as conn:
        conn.execute("UPDATE ingest_batch SET status = 'failed' WHERE feed = 'ssd_missing'")
    with store.reader() as conn:
        prepare(conn, ["missing"])
        without_ssd = conn.execute("SELECT count(*), count(return_interview_offered) FROM fact_missing").fetchone()
    assert without_ssd == (with_ssd[0], 0)  # the same episodes, none with a return interview
    assert figures() == before
