"""No data lost to a shrinking extract, and CSV files that break DuckDB's reader reported as themselves.

The three files of the security review's finding 2 (an empty CIN census, a persons file with only its
header, a persons file cut short) are each refused by ``childhub ingest`` with exit code 1 and the
store unchanged, and each loaded with ``--allow-shrink``, which the batch records.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from childhub.cli import app
from childhub.hub import ingest
from childhub.ingest import batch_detail, list_batches
from childhub.store import Store
from childhub.synth import mapping_files
from helpers import counts

EMPTY_CIN_CENSUS = (
    '<?xml version="1.0"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
    "<Year>2026</Year></CollectionDetails></Header></Message>\n"
)
TEAMS_HEADER = "team_id,team_name,service\n"


def cli_ingest(store: Store, path: Path, *flags: str):
    mappings = [arg for folder in mapping_files() for arg in ("--mapping", str(folder))]
    return CliRunner().invoke(app, ["ingest", str(path), *mappings, "--data-dir", str(store.data_dir), *flags])


def _empty_cin_census(extracts: Path, folder: Path) -> Path:
    path = folder / "CIN_Census_2026.xml"
    path.write_text(EMPTY_CIN_CENSUS)
    return path


def _header_only_persons(extracts: Path, folder: Path) -> Path:
    source = (extracts / "social_care/case_management/persons.csv").read_text("utf-8").splitlines(keepends=True)
    path = folder / "persons.csv"
    path.write_text(source[0])
    return path


def _persons_cut_short(extracts: Path, folder: Path) -> Path:
    source = (extracts / "social_care/case_management/persons.csv").read_text("utf-8").splitlines(keepends=True)
    path = folder / "persons.csv"
    path.write_text("".join(source[: len(source) // 10]))  # a tenth of the last file of its scope
    return path


@pytest.mark.parametrize(
    "make, said",
    [
        (_empty_cin_census, "has no rows to load, and would empty cin_census:2026"),
        (_header_only_persons, "has no rows to load, and would empty case_management_persons"),
        (_persons_cut_short, "would replace the {held:,} rows of case_management_persons"),
    ],
    ids=["empty CIN census", "header-only persons", "persons cut to a tenth"],
)
@pytest.mark.slow
def test_a_shrinking_snapshot_is_refused_unless_the_person_says_so(tiny_authority, tmp_path, make, said):
    store = tiny_authority.copy(tmp_path / "store")
    path = make(tiny_authority.extracts, tmp_path)
    before = counts(store)
    refused = cli_ingest(store, path)
    assert refused.exit_code == 1, refused.output
    [line] = [line for line in refused.output.splitlines() if line.startswith("error:")]
    with store.reader() as conn:  # the canonical rows the standing persons batch loaded
        [(held,)] = conn.execute(
            "SELECT rows_loaded FROM ingest_batch WHERE scope LIKE 'case_management_persons%' AND status = 'loaded' "
            "ORDER BY batch_id DESC LIMIT 1"
        ).fetchall()
    said = said.format(held=held)
    assert said in line and "--allow-shrink" in line and path.name in line
    assert counts(store) == before
    allowed = cli_ingest(store, path, "--allow-shrink")
    assert allowed.exit_code == 0, allowed.output
    [newest, *_] = list_batches(store)
    assert newest["file_name"] == str(path) and newest["status"] == "loaded"
    assert batch_detail(store, newest["batch_id"]).batch["shrink_allowed"] is True
    shown = CliRunner().invoke(app, ["batch", str(newest["batch_id"]), "--data-dir", str(store.data_dir)])
    assert "shrink_allowed True" in " ".join(shown.output.split())


def test_small_scopes_may_move_but_not_empty_and_the_first_file_may_be_empty(tmp_path):
    store = Store(tmp_path / "store")
    teams = [f"T{i},Team {i},front_door\n" for i in range(7)]
    files = {}
    for name, rows in (("empty", []), ("seven", teams), ("three", teams[:3]), ("none", [])):
        files[name] = tmp_path / name / "teams.csv"
        files[name].parent.mkdir()
        files[name].write_text(TEAMS_HEADER + "".join(rows))
    statuses = [ingest(store, [files[name]], mapping_files=mapping_files())[0] for name in files]
    assert [r.status for r in statuses] == ["loaded", "loaded", "loaded", "rejected"], [r.message for r in statuses]
    assert "would empty case_management_teams (3 rows" in statuses[-1].message
    with store.reader() as conn:
        assert conn.execute("SELECT count(*) FROM ingest_batch WHERE shrink_allowed").fetchone()[0] == 0


def test_the_share_is_a_setting(tmp_path):
    store = Store(tmp_path / "store")
    folders = []
    for size in (40, 15):
        folder = tmp_path / str(size)
        folder.mkdir()
        (folder / "teams.csv").write_text(TEAMS_HEADER + "".join(f"T{i},Team {i},front_door\n" for i in range(size)))
        folders.append(folder / "teams.csv")
    ingest(store, [folders[0]], mapping_files=mapping_files())
    [strict] = ingest(store, [folders[1]], mapping_files=mapping_files(), shrink_refuse_below=0.5)
    assert strict.status == "rejected" and "less than 50%" in strict.message
    [lenient] = ingest(store, [folders[1]], mapping_files=mapping_files(), shrink_refuse_below=0.3)
    assert lenient.status == "loaded"


def test_rows_appended_with_other_line_endings_load(tmp_path, tiny_authority):
    source = tiny_authority.extracts / "social_care/ssda903/2026/episodes.csv"
    lines = source.read_text("utf-8").splitlines()[:6]
    path = tmp_path / "episodes.csv"
    path.write_bytes(("\r\n".join(lines[:3]) + "\r\n" + "\n".join(lines[3:]) + "\n").encode())
    [report] = ingest(Store(tmp_path / "store"), [path])
    assert report.status == "loaded", report.message
    assert report.rows_read == 5 and report.rows_rejected == 0


def test_a_quote_never_closed_is_one_line_naming_the_file_and_row(tmp_path, tiny_authority):
    source = tiny_authority.extracts / "social_care/ssda903/2026/episodes.csv"
    lines = source.read_text("utf-8").splitlines()[:5]
    path = tmp_path / "episodes.csv"
    path.write_text("\n".join(lines) + "\n" + lines[-1].rsplit(",", 1)[0] + ',"""\n')
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path])
    assert report.status == "failed" and "\n" not in report.message
    assert "episodes.csv: row 6 opens a quoted field that is never closed" in report.message
    assert "transaction" not in report.message.lower()
    assert list_batches(store) == []
