"""Facts say which dates are real and which stand for a collection year (date_is_proxy)."""

from __future__ import annotations

import pytest

from childhub.facts import prepare


@pytest.mark.parametrize(("fact", "day"), [("health_check", "check_date"), ("care_leaver", "latest_contact")])
def test_dates_the_ssda903_return_gives_only_by_its_year_end_are_proxies(tiny_authority, fact, day):
    # The SSDA903 OC2 (health, dental, development, immunisations) and OC3 (care leavers) say only what happened in
    # the collection year; ingest dates each row 31 March. Those rows are proxies, every one on a 31 March.
    with tiny_authority.store.reader() as conn:
        prepare(conn, [fact])
        proxies, off_year_end = conn.execute(
            f"SELECT count(*) FILTER (WHERE date_is_proxy), "
            f"count(*) FILTER (WHERE date_is_proxy AND strftime({day}, '%m-%d') <> '03-31') FROM fact_{fact}"
        ).fetchone()
    assert proxies > 0 and off_year_end == 0
