"""Property tests: whatever a file holds, ingest never raises an unexpected error, never writes
half a batch, and accounts for every row it read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from childhub.errors import ChildhubError
from childhub.hub import ingest
from childhub.store import Store
from childhub.synth import mapping_files
from childhub.synth.extracts.case_management import COLUMNS as CASE_MANAGEMENT_COLUMNS
from childhub.synth.extracts.ssda903 import COLUMNS as SSDA903_COLUMNS
from helpers import counts

CONTACT_HEADER = list(CASE_MANAGEMENT_COLUMNS["contacts.csv"])  # read by the synthetic authority's mapping
EPISODE_HEADER = list(SSDA903_COLUMNS["episodes.csv"])

cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "01/04/2025",
            "2025-04-01",
            "31/02/2025",
            "6",
            "2A",
            "N1",
            "C2",
            "U6",
            "PR1",
            "X1",
            "QX12 4AB",
            "=cmd|' /C calc'!A0",
            '"',
            ",",
            "\n",
            "NULL",
            "9" * 40,
        ]
    ),
)


def table(header: list[str]):
    return st.lists(st.lists(cells, min_size=len(header) - 1, max_size=len(header) + 1), max_size=12)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# Each property runs a few examples in the default run and its full budget in the slow run (-m slow).
def budgets(full: int) -> list:
    return [pytest.param(max(full // 8, 3), id="quick"), pytest.param(full, id="full", marks=pytest.mark.slow)]


def check(prop, examples: int, *args, **strategies) -> None:
    """``prop(*args, **drawn)`` for ``examples`` draws from ``strategies``."""
    settings(max_examples=examples, deadline=None)(given(**strategies)(prop))(*args)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("fuzz"))
    store.migrate()
    return store


@pytest.mark.slow
@pytest.mark.parametrize("examples", budgets(40))
def test_any_csv_content(store, tmp_path, examples):
    headers = st.sampled_from([CONTACT_HEADER, EPISODE_HEADER])
    check(any_csv_content, examples, store, tmp_path, header=headers, data=st.data())


@pytest.mark.parametrize("examples", budgets(30))
def test_any_ssda903_xml_content(store, tmp_path, examples):
    texts = st.lists(st.text(max_size=20), min_size=8, max_size=8)
    check(any_ssda903_xml_content, examples, store, tmp_path, texts=texts, drop=st.sets(st.integers(0, 7)))


def any_csv_content(store, tmp_path, header, data):
    rows = data.draw(table(header))
    path = tmp_path / f"fuzz-{abs(hash(str(rows))) % 10**9}.csv"
    write_csv(path, header, rows)
    before = counts(store)
    try:
        reports = ingest(store, [path], mapping_files=mapping_files())
    except ChildhubError:
        assert counts(store) == before
        return
    [report] = reports
    after = counts(store)
    if report.status != "loaded":
        assert after == before, report
        return
    assert report.rows_read == sum(1 for row in rows if row)
    assert report.rows_rejected <= report.rows_read
    assert sum(after.values()) - sum(before.values()) >= report.rows_loaded


def any_ssda903_xml_content(store, tmp_path, texts, drop):
    from xml.sax.saxutils import escape

    fields = ["CHILDID", "SEX", "DOB", "DECOM", "RNE", "LS", "PL", "DEC"]
    values = {f: escape(t) for f, t in zip(fields, texts, strict=True)}
    header = "".join(f"<{f}>{values[f]}</{f}>" for i, f in enumerate(fields[:3]) if i not in drop)
    episode = "".join(f"<{f}>{values[f]}</{f}>" for i, f in enumerate(fields) if i >= 3 and i not in drop)
    path = tmp_path / f"fuzz-{abs(hash(str(texts))) % 10**9}.xml"
    path.write_text(
        f"<EXPSSDA903><CHILD><HEADER>{header}</HEADER><EPISODE>{episode}</EPISODE></CHILD></EXPSSDA903>",
        encoding="utf-8",
    )
    before = counts(store)
    try:
        [report] = ingest(store, [path])
    except ChildhubError:
        assert counts(store) == before
        return
    if report.status != "loaded":
        assert counts(store) == before, report
