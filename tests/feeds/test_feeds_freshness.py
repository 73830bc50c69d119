"""Each feed's freshness worked out by hand: batches written at known times, judged at a fixed moment.

The store keeps a batch's times on the hub's clock (no zone); ``at(delta)`` writes the time ``delta`` before
``NOW`` as this machine's clock shows it, so the tests hold whatever zone the machine runs in.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from childhub.feeds import (
    LOCAL_TIME,
    bearing_on,
    deliveries,
    duration,
    freshness,
    health,
    healthy,
    judge,
    load_feeds,
    when,
)
from childhub.store import Store, quote_identifier

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=LOCAL_TIME)
FEEDS_YML = """\
feeds:
  contacts:
    description: Contacts as the case-management system records them
    table: contacts
    cadence: 1h
  visits:
    description: Visits to children in need
    table: cin_visits
    cadence: 1h
  police:
    description: Domestic-abuse notifications from the police
    mapping: police.yml
    cadence: 1d
    red_after: 3
  plans:
    description: Child protection plans
    table: cp_plans
    cadence: 4h
"""
POLICE_MAPPING = """\
kind: police_notifications
description: Police notifications
source_system: police
mode: snapshot
detect:
  columns: [ID]
key: [ID]
tables:
  police_notifications:
    columns: {}
  person:
    columns: {}
"""


def at(delta: timedelta, now: datetime = NOW) -> datetime:
    """``delta`` before ``now`` as the store keeps it: this machine's local time, without a zone."""
    return (now - delta).astimezone().replace(tzinfo=None)


class Batches:
    """Batches written straight into a store, each with one row in a canonical table."""

    def __init__(self, store: Store, now: datetime = NOW) -> None:
        self.store = store
        self.now = now
        self._keys = itertools.count(1)

    def add(
        self,
        feed: str,
        table: str,
        finished: timedelta,
        *,
        status: str = "loaded",
        mode: str = "snapshot",
        extract_date: date | None = None,
        rows: int = 1,
    ) -> int:
        key = next(self._keys)
        with self.store.writer() as conn:
            batch_id = conn.execute(
                "INSERT INTO ingest_batch (source_system, source_kind, file_name, file_sha256, extract_date, "
                "started_at, finished_at, status, rows_read, rows_loaded, rows_rejected, mode, scope, feed) "
                "VALUES ('social_care', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING batch_id",
                [
                    feed,
                    f"{feed}-{key}.csv",
                    f"sha-{key}",
                    extract_date,
                    at(finished + timedelta(seconds=30), self.now),
                    at(finished, self.now),
                    status,
                    rows,
                    rows if status == "loaded" else 0,
                    0 if status == "loaded" else rows,
                    mode,
                    feed,
                    feed,
                ],
            ).fetchone()[0]
            if status == "loaded":
                required = conn.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = ? AND is_nullable = 'NO' ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                made_up = {"VARCHAR": f"{table}-{key}", "DATE": date(2026, 1, 1)}
                row = {name: made_up[data_type] for name, data_type in required if data_type in made_up}
                row.update(source_system="social_care", batch_id=batch_id, source_record_key=f"{table}-{key}")
                columns = ", ".join(quote_identifier(name) for name in row)
                marks = ", ".join("?" for _ in row)
                conn.execute(f"INSERT INTO {quote_identifier(table)} ({columns}) VALUES ({marks})", list(row.values()))
        return batch_id


@pytest.fixture
def hub(tmp_path):
    """A store whose feeds are: contacts exactly at its cadence, visits just past it, police past red, plans never
    delivered, and school pupils (not declared) delivered two days ago."""
    store = Store(tmp_path / "store")
    store.migrate()
    (tmp_path / "feeds.yml").write_text(FEEDS_YML, "utf-8")
    (tmp_path / "police.yml").write_text(POLICE_MAPPING, "utf-8")
    batches = Batches(store)
    batches.add("ssd_contacts", "contacts", timedelta(hours=3), extract_date=date(2026, 12, 3))
    batches.add("ssd_contacts", "contacts", timedelta(hours=1), mode="changes", rows=4)
    batches.add("ssd_cin_visits", "cin_visits", timedelta(hours=1, minutes=1), rows=7)
    batches.add("police_notifications", "police_notifications", timedelta(days=3, minutes=1))
    batches.add("school_pupils", "school_enrolments", timedelta(days=2), extract_date=date(2026, 11, 18), rows=9)
    return store, load_feeds(tmp_path / "feeds.yml")


def judged_by_name(store, feeds, now=NOW):
    with store.reader() as conn:
        return {feed.name: feed for feed in freshness(conn, feeds, now)}


def test_each_state_worked_out_by_hand(hub):
    store, feeds = hub
    found = judged_by_name(store, feeds)
    assert list(found) == ["contacts", "visits", "police", "plans", "school_pupils"]
    assert {name: feed.state for name, feed in found.items()} == {
        "contacts": "fresh",  # exactly at its cadence: not older than it
        "visits": "late",  # a minute past its hour, well inside two
        "police": "overdue",  # a minute past three days (red after 3 x 1 day)
        "plans": "never",
        "school_pupils": "no cadence",
    }
    assert {name: feed.flag for name, feed in found.items()} == {
        "contacts": None,
        "visits": "amber",
        "police": "red",
        "plans": "red",
        "school_pupils": None,
    }
    assert found["contacts"].summary == "due every hour; last delivered 1 hour ago"
    assert found["visits"].summary == "late: due every hour; last delivered 1 hour 1 minute ago"
    assert found["police"].summary == "overdue: due every day; last delivered 3 days ago"
    assert found["plans"].summary == "nothing delivered yet: due every 4 hours"
    assert found["school_pupils"].summary == "no cadence set; last delivered 2 days ago"
    assert found["plans"].label == "Never delivered" and found["visits"].label == "Late"


def test_a_minute_earlier_the_late_feed_was_fresh_and_the_overdue_one_late(hub):
    store, feeds = hub
    found = judged_by_name(store, feeds, NOW - timedelta(minutes=1))
    assert (found["visits"].state, found["police"].state) == ("fresh", "late")


def test_what_a_feed_is_and_what_it_delivered(hub):
    store, feeds = hub
    found = judged_by_name(store, feeds)
    contacts = found["contacts"]
    assert contacts.batch_feed == "ssd_contacts" and contacts.declared
    assert contacts.cadence == timedelta(hours=1) and contacts.red_after == 2.0
    assert contacts.batches == 2
    assert (contacts.rows_read, contacts.rows_loaded, contacts.rows_rejected) == (4, 4, 0)  # its last batch
    assert contacts.last_delivered == NOW - timedelta(hours=1)
    assert contacts.last_loaded == NOW - timedelta(hours=1)
    assert contacts.tables == ("contacts",)
    police = found["police"]
    assert police.batch_feed == "police_notifications"  # the mapping's kind names its batches
    assert police.tables == ("police_notifications",)  # what its batches filled, not all the mapping names
    plans = found["plans"]
    assert (plans.as_at, plans.last_delivered, plans.batches, plans.rows_read) == (None, None, 0, None)
    assert plans.tables == ("cp_plans",)  # before any batch, what it declares
    pupils = found["school_pupils"]
    assert not pupils.declared and pupils.cadence is None and pupils.tables == ("school_enrolments",)
    assert pupils.description == "school pupils"


def test_as_at_is_the_latest_extract_date_or_the_time_a_push_finished(hub):
    store, feeds = hub
    found = judged_by_name(store, feeds)
    # contacts: a whole extract dated 3 December, then changes pushed an hour ago: the changes are newer
    assert found["contacts"].as_at == NOW - timedelta(hours=1)
    assert found["contacts"].as_at_text == "4 December 2026 at 11:00"
    # a whole extract its file does not date: as at when it finished loading
    assert found["visits"].as_at == NOW - timedelta(hours=1, minutes=1)
    # a dated extract: its date
    assert found["school_pupils"].as_at == date(2026, 11, 18)
    assert found["school_pupils"].as_at_text == "18 November 2026"
    assert found["plans"].as_at_text == "no data yet"


def test_an_extract_dated_after_its_delivery_is_as_at_the_day_it_arrived(tmp_path):
    store = Store(tmp_path / "store")
    store.migrate()
    # a return dated by the end of its collection year, delivered on 2 December
    Batches(store).add("ssda903", "cla_episodes", timedelta(days=2), extract_date=date(2027, 3, 31))
    [found] = judged_by_name(store, load_feeds(tmp_path / "no-feeds.yml")).values()
    assert found.as_at == date(2026, 12, 2)


def test_a_failed_delivery_is_said_but_keeps_no_feed_fresh(hub):
    store, feeds = hub
    batches = Batches(store)
    batches.add("ssd_cin_visits", "cin_visits", timedelta(minutes=5), status="failed", rows=12)
    visits = judged_by_name(store, feeds)["visits"]
    assert visits.state == "late"  # the data are as old as the last batch that loaded
    assert visits.last_delivery_failed
    assert visits.last_delivered == NOW - timedelta(minutes=5)
    assert visits.last_loaded == NOW - timedelta(hours=1, minutes=1)
    assert (visits.rows_read, visits.rows_loaded, visits.rows_rejected) == (12, 0, 12)
    assert visits.summary == (
        "late: due every hour; last loaded 1 hour 1 minute ago; the last delivery, 5 minutes ago, failed"
    )
    assert visits.as_at == NOW - timedelta(hours=1, minutes=1)  # a failed batch brings no data


def test_a_feed_with_only_failed_batches_is_never_delivered_and_an_undeclared_one_is_not_listed(hub):
    store, feeds = hub
    batches = Batches(store)
    batches.add("ssd_cp_plans", "cp_plans", timedelta(minutes=2), status="failed")
    batches.add("mystery", "contacts", timedelta(minutes=2), status="failed")
    found = judged_by_name(store, feeds)
    assert found["plans"].state == "never" and found["plans"].last_delivery_failed
    assert (
        found["plans"].summary == "nothing delivered yet: due every 4 hours; the last delivery, 2 minutes ago, failed"
    )
    assert "mystery" not in found


def test_feeds_that_bear_on_tables(hub):
    store, feeds = hub
    found = list(judged_by_name(store, feeds).values())
    assert [feed.name for feed in bearing_on(found, ["contacts", "person"])] == ["contacts"]
    assert [feed.name for feed in bearing_on(found, ["cp_plans", "school_enrolments"])] == ["plans", "school_pupils"]
    assert bearing_on(found, ["missing"]) == []


def test_a_feed_that_only_says_who_children_are_bears_on_no_figure_that_counts_events(hub):
    store, feeds = hub
    Batches(store).add("health_visitors", "person", timedelta(hours=1))
    found = list(judged_by_name(store, feeds).values())
    assert [feed.name for feed in bearing_on(found, ["person", "address", "contacts"])] == ["contacts"]
    assert [feed.name for feed in bearing_on(found, ["person"])] == ["health_visitors"]  # a figure of people


def test_health_for_monitoring(hub):
    store, feeds = hub
    found = list(judged_by_name(store, feeds).values())
    assert (health(found), healthy(found)) == ("degraded", False)  # police overdue, plans never
    fresh_only = [feed for feed in found if feed.name in ("contacts", "school_pupils")]
    assert (health(fresh_only), healthy(fresh_only)) == ("ok", True)
    late = [feed for feed in found if feed.name in ("contacts", "visits")]
    assert (health(late), healthy(late)) == ("degraded", True)  # late is amber, still answering 200


def test_the_store_is_read_once_and_judged_again_later(hub):
    store, feeds = hub
    with store.reader() as conn:
        read = deliveries(conn)
    assert sorted(read) == ["police_notifications", "school_pupils", "ssd_cin_visits", "ssd_contacts"]
    later = {feed.name: feed.state for feed in judge(feeds, read, NOW + timedelta(hours=2))}
    assert later["contacts"] == "overdue"  # three hours without a delivery, red after two


def test_a_store_without_batches_and_no_feeds_file(tmp_path):
    store = Store(tmp_path / "store")
    store.migrate()
    assert judged_by_name(store, load_feeds(tmp_path / "feeds.yml")) == {}


def test_words_for_times():
    assert duration(timedelta(days=2, hours=3, minutes=59)) == "2 days 3 hours"
    assert duration(timedelta(seconds=59)) == "less than a minute"
    assert when(date(2026, 3, 1)) == "1 March 2026"
    # local time: 11:30 UTC is 12:30 in London in British Summer Time, 11:30 in winter
    assert when(datetime(2026, 7, 1, 11, 30, tzinfo=UTC)) == "1 July 2026 at 12:30"
    assert when(datetime(2026, 12, 1, 11, 30, tzinfo=UTC)) == "1 December 2026 at 11:30"


# --- childhub status ---------------------------------------------------------------------------------------


def test_status_shows_each_feed_and_keeps_its_exit_code(tmp_path):
    from helpers import run

    store = Store(tmp_path / "store")
    store.migrate()
    (store.data_dir / "feeds.yml").write_text(FEEDS_YML.replace("mapping: police.yml", "table: police_notifications"))
    batches = Batches(store, datetime.now(LOCAL_TIME))
    batches.add("ssd_contacts", "contacts", timedelta(minutes=90), extract_date=date(2026, 11, 30))
    batches.add("ssd_cin_visits", "cin_visits", timedelta(minutes=10))
    result = run("status", data_dir=store.data_dir)
    assert result.returncode == 0, result.stderr  # late and never-sent feeds are shown, not an error
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert re.search(r"│ Late +│ late: due every hour; last delivered 1 hour (29|30) minutes ago", lines["contacts"])
    assert "│ 30 November 2026 " in lines["contacts"]
    assert re.search(r"│ Fresh +│ due every hour; last delivered (9|10) minutes ago", lines["visits"])
    assert (
        "│ no data yet " in lines["plans"]
        and "│ Never delivered │ nothing delivered yet: due every 4 hours" in lines["plans"]
    )
    assert "│ Never delivered │" in lines["police"]
    assert "Feeds at " in result.stdout and "(UK time)" in result.stdout


def test_status_with_a_broken_feeds_file_warns_in_one_line_and_shows_what_the_store_holds(tmp_path):
    from helpers import run

    store = Store(tmp_path / "store")
    store.migrate()
    (store.data_dir / "feeds.yml").write_text("feeds:\n  contacts:\n    description: x\n    cadence: often\n")
    Batches(store, datetime.now(LOCAL_TIME)).add("ssd_contacts", "contacts", timedelta(minutes=5))
    result = run("status", data_dir=store.data_dir)
    assert result.returncode == 0
    [warning] = [line for line in result.stderr.splitlines() if "feeds.yml" in line]
    assert warning.startswith("warning: ") and "feeds.contacts" in warning and "cadence" in warning
    assert "Traceback" not in result.stderr
    assert re.search(r"│ ssd_contacts +│ .*│ No cadence set │", result.stdout)


def test_the_tables_a_figure_reads_come_through_the_facts_it_reads():
    from childhub.facts import referenced_facts, tables_read
    from childhub.indicators import indicator

    # fact_cla_episode reads the SSDA903 episodes through @episodes, and who the child is through fact_person
    assert tables_read(["cla_episode"]) == [
        "address",
        "cla_episodes",
        "cla_placement",
        "disability",
        "legal_status",
        "linked_identifiers",
        "person",
    ]
    assert tables_read(["no_such_fact"]) == []
    referrals = tables_read(referenced_facts(indicator("re_referrals_12m").sql))
    assert "cin_episodes" in referrals and "cla_episodes" not in referrals
