"""Commentary on an indicator: every version kept (who, when, the text), what each changed, and the limits on what
is kept; the command line writes and shows it as the web does."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

import pytest

from childhub.leaders import (
    Change,
    CommentaryError,
    changes,
    comment_history,
    current_comment,
    period_of,
    with_changes,
    write_comment,
)
from childhub.leaders.commentary import MAX_COMMENT
from childhub.store import HubDatabase
from helpers import run


@pytest.fixture
def hub(tmp_path) -> HubDatabase:
    return HubDatabase(tmp_path)


def test_the_period_of_a_figure_is_the_month_it_is_as_at():
    assert period_of(date(2026, 11, 30)) == "2026-11"
    assert period_of(date(2024, 2, 29)) == "2024-02"  # a leap day is in February
    assert period_of(date(2027, 1, 1)) == "2027-01"


def test_every_version_is_kept_and_the_latest_is_current(hub):
    assert current_comment(hub, "re_referrals_12m", "2026-11") is None
    assert comment_history(hub, "re_referrals_12m") == []
    first = write_comment(hub, "re_referrals_12m", "2026-11", "Re-referrals fell to 19%.", "analyst")
    second = write_comment(hub, "re_referrals_12m", "2026-11", "Re-referrals fell to 18%.", "manager")
    october = write_comment(hub, "re_referrals_12m", "2026-10", "Steady at 21%.", "analyst")
    write_comment(hub, "cla_count", "2026-11", "Another indicator's.", "analyst")

    assert (first.version, second.version, october.version) == (1, 2, 1)
    current = current_comment(hub, "re_referrals_12m", "2026-11")
    assert (current.text, current.written_by, current.version) == ("Re-referrals fell to 18%.", "manager", 2)
    assert current.written_at == second.written_at and len(current.written_at) == 19  # UTC, to the second
    # One period's versions, newest first; then every period's (the later month first).
    assert [(c.version, c.written_by) for c in comment_history(hub, "re_referrals_12m", "2026-11")] == [
        (2, "manager"),
        (1, "analyst"),
    ]
    assert [(c.period, c.version) for c in comment_history(hub, "re_referrals_12m")] == [
        ("2026-11", 2),
        ("2026-11", 1),
        ("2026-10", 1),
    ]


def test_the_same_text_again_keeps_no_new_version(hub):
    write_comment(hub, "cla_count", "2026-11", "Up by 4 since October.", "analyst")
    again = write_comment(hub, "cla_count", "2026-11", "  Up by 4 since October.\r\n", "manager")
    assert (again.version, again.written_by) == (1, "analyst")
    assert len(comment_history(hub, "cla_count")) == 1


def test_a_version_can_be_neither_changed_nor_removed_in_the_database(hub):
    write_comment(hub, "cla_count", "2026-11", "As written.", "analyst")
    for statement in ("UPDATE indicator_comment SET text = 'rewritten'", "DELETE FROM indicator_comment"):
        with pytest.raises(sqlite3.IntegrityError, match="never"), hub.connect() as conn:
            conn.execute(statement)
    assert current_comment(hub, "cla_count", "2026-11").text == "As written."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the commentary is empty: write something"),
        ("   \n\t ", "the commentary is empty: write something"),
        ("x" * (MAX_COMMENT + 1), "the commentary is 2,001 characters long; at most 2,000 are kept"),
        ("Fell\x07 sharply", "holds a control character (U+0007) at character 5"),
        ("ok\rnot", "holds a control character (U+000D) at character 3"),
        ("a\u202eb", "holds a control character (U+202E) at character 2"),
    ],
)
def test_empty_long_and_control_characters_are_refused_in_one_line(hub, text, message):
    with pytest.raises(CommentaryError, match=re.escape(message)) as refused:
        write_comment(hub, "cla_count", "2026-11", text, "analyst")
    assert "\n" not in str(refused.value)
    assert comment_history(hub, "cla_count") == []


def test_line_breaks_and_tabs_are_kept_and_2000_characters_is_allowed(hub):
    kept = write_comment(hub, "cla_count", "2026-11", "First line.\r\n\tSecond line.", "analyst")
    assert kept.text == "First line.\n\tSecond line."
    longest = write_comment(hub, "cla_count", "2026-11", "y" * MAX_COMMENT, "analyst")
    assert len(longest.text) == 2000 and longest.version == 2


@pytest.mark.parametrize(
    ("indicator_id", "period", "message"),
    [
        ("no_such_indicator", "2026-11", "no_such_indicator"),
        ("cla_count", "2026-13", "the period is a month written YYYY-MM"),
        ("cla_count", "November 2026", "the period is a month written YYYY-MM"),
        ("cla_count", "2026-1", "the period is a month written YYYY-MM"),
    ],
)
def test_an_unknown_indicator_or_a_period_that_is_not_a_month_is_refused(hub, indicator_id, period, message):
    with pytest.raises(CommentaryError, match=message):
        write_comment(hub, indicator_id, period, "Text.", "analyst")


def test_a_period_in_the_year_0_or_after_this_month_is_refused_and_the_history_still_reads(hub):
    """A commentary for "0000-05" was kept, and then every reading of the indicator's history failed (the month
    cannot be written in words); a commentary on a month not yet begun has no figure to speak to."""
    today = date.today()
    following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    for period, message in (
        ("0000-05", "the period 0000-05 is before January 1900"),
        (
            period_of(following),
            f"the period {period_of(following)} is after this month ({period_of(today)}): there is no figure yet",
        ),
    ):
        with pytest.raises(CommentaryError, match=f"^{re.escape(message)}$"):
            write_comment(hub, "cla_count", period, "Text.", "analyst")
    assert comment_history(hub, "cla_count") == []
    assert write_comment(hub, "cla_count", period_of(today), "This month.", "analyst").period == period_of(today)


def test_what_changed_is_shown_word_by_word():
    assert changes("Re-referrals fell to 19% in November.", "Re-referrals fell to 18% in November, as planned.") == [
        Change("same", "Re-referrals fell to "),
        Change("removed", "19% "),
        Change("added", "18% "),
        Change("same", "in "),
        Change("removed", "November."),
        Change("added", "November, as planned."),
    ]
    assert changes(None, "All new.") == [Change("added", "All new.")]
    assert changes("Same.", "Same.") == [Change("same", "Same.")]


def test_each_version_of_a_history_shows_what_it_changed_from_the_one_before_it_in_its_period(hub):
    write_comment(hub, "cla_count", "2026-10", "October.", "analyst")
    write_comment(hub, "cla_count", "2026-11", "Up by 4.", "analyst")
    write_comment(hub, "cla_count", "2026-11", "Up by 5.", "manager")
    shown = with_changes(comment_history(hub, "cla_count"))
    assert [(c.period, c.version, [(x.kind, x.text) for x in changed]) for c, changed in shown] == [
        ("2026-11", 2, [("same", "Up by "), ("removed", "4."), ("added", "5.")]),
        ("2026-11", 1, [("added", "Up by 4.")]),
        ("2026-10", 1, [("added", "October.")]),  # not a change from November's
    ]


@pytest.mark.slow
def test_the_command_line_writes_a_version_shows_the_history_and_refuses_bad_text(tmp_path):
    folder = tmp_path / "hub"
    wrote = run("commentary", "write", "cla_count", "--period", "2026-11", "--text", "Up by 4.", data_dir=folder)
    assert wrote.returncode == 0, wrote.stderr
    assert "Kept version 1 of the commentary on cla_count for 2026-11." in wrote.stdout
    run("commentary", "write", "cla_count", "--period", "2026-11", "--text", "Up by 5.", data_dir=folder, check=True)
    shown = run("commentary", "show", "cla_count", "--format", "json", data_dir=folder, check=True)
    versions = json.loads(shown.stdout)
    assert [(v["period"], v["version"], v["text"]) for v in versions] == [
        ("2026-11", 2, "Up by 5."),
        ("2026-11", 1, "Up by 4."),
    ]
    refused = run("commentary", "write", "cla_count", "--period", "2026-11", "--text", " ", data_dir=folder)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: the commentary is empty: write something"
    assert "Traceback" not in refused.stderr
    bad_month = run("commentary", "write", "cla_count", "--period", "11/2026", "--text", "x", data_dir=folder)
    assert bad_month.stderr.strip() == "error: the period is a month written YYYY-MM (2026-11), not '11/2026'"
    # each write is in the audit log, by the operating-system account, on the command line
    from childhub.audit import events

    written = events(folder, action="write_commentary")
    assert [(e.subject, e.channel, e.details["version"]) for e in written] == [
        ("cla_count", "cli", 2),
        ("cla_count", "cli", 1),
    ]
