"""childhub scrutiny-pack: a bad date or file name is one line and writes nothing; a pack is written and audited."""

from __future__ import annotations

import io
from datetime import date

import pytest

from helpers import run


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--as-at", "31/03/2026", "--out", "pack.pdf"), "--as-at must be a date written YYYY-MM-DD, not '31/03/2026'"),
        (("--as-at", "2026-03-31", "--out", "pack.txt"), "the file must end .pdf or .docx, not '.txt'"),
        (("--as-at", "2999-01-01", "--out", "pack.docx"), "that is after today"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_written(tmp_path, args, said):
    out_args = [str(tmp_path / a) if a.startswith(("pack", "no-such")) else a for a in args]
    result = run("scrutiny-pack", *out_args, data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and said in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no file, and no store made either


@pytest.mark.slow  # the whole library counted on a store, and a Word file written: several seconds
def test_a_pack_is_written_as_word_with_small_numbers_suppressed_and_audited(history, tmp_path):
    import docx

    from childhub.audit import events
    from childhub.indicators import indicator

    # Three referrals in the year to 31 March 2026 (a small number), one of them a re-referral: both [c].
    history.child("P1", dob=date(2012, 4, 1), sex="M", child_id=1)
    history.child("P2", dob=date(2018, 9, 9), sex="F", child_id=2)
    for person, day in [("P1", date(2025, 6, 1)), ("P1", date(2025, 9, 1)), ("P2", date(2025, 7, 15))]:
        history.add("cin_episodes", cine_referral_id=f"{person}:{day}", cine_person_id=person, cine_referral_date=day)
    store = history.store()
    out = tmp_path / "pack.docx"
    result = run("scrutiny-pack", "--as-at", "2026-04-10", "--out", str(out), data_dir=store.data_dir)
    assert result.returncode == 0, result.stderr
    assert f"Wrote the scrutiny pack as at 2026-03-31 to {out}" in result.stdout
    assert out.stat().st_mode & 0o077 == 0  # the hub's account's alone
    rows = [
        [c.text for c in row.cells]
        for table in docx.Document(io.BytesIO(out.read_bytes())).tables
        for row in table.rows
    ]
    figures = {row[0]: row[1] for row in rows if len(row) == 7}
    assert figures[indicator("referrals_count").name] == "[c]"
    assert figures[indicator("re_referrals_12m").name] == "[c]"
    [event] = events(store.data_dir, action="export_scrutiny_pack")
    assert event.subject == str(out) and event.details["as_at"] == "2026-03-31" and event.details["format"] == "docx"
