"""Ingest: every reader round-trips the synthetic authority; bad input is reported, never loaded
half-way; the same file twice changes nothing; history stays queryable."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from childhub.errors import IngestError
from childhub.hub import ingest
from childhub.ingest import batch_detail, list_batches
from childhub.store import Store, current_sql
from childhub.synth import build_authority, generate, mapping_files
from helpers import counts

AS_AT = date(2026, 3, 31)
SEED = 8
# Data to Insight's fake real-format samples, copied with their notice (fixtures/samples/NOTICE.md)
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
# How to read the synthetic authority's own layouts (case management, partner systems)
SYNTHETIC = mapping_files()
CSV_FOLDERS = [
    "social_care/ssda903",
    "social_care/case_management",
    "education",
    "sen",
    "youth_justice",
    "police",
    "neet",
]


def rows_in(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.fixture(scope="module")
def authority(tiny_authority) -> Path:
    """The synthetic authority's extracts folder (its truth, manifest and mappings are beside it)."""
    return tiny_authority.extracts


@pytest.fixture(scope="module")
def loaded(tiny_authority) -> Store:
    """The whole synthetic authority, every file of every system, ingested from its folder (shared: only read)."""
    return tiny_authority.store


@pytest.fixture
def own_loaded(tiny_authority, tmp_path) -> Store:
    """A copy of ``loaded`` for a test that ingests into it."""
    return tiny_authority.copy(tmp_path / "loaded")


def test_every_file_of_the_authority_loads(tiny_authority):
    reports = {Path(r.file).name: r for r in tiny_authority.ingested}
    assert not {"truth.csv", "manifest.json"} & reports.keys()  # beside the extracts, not among them
    assert all(r.status == "loaded" for r in reports.values()), [r for r in reports.values() if r.status != "loaded"]


def test_every_row_is_loaded_or_accounted_for(authority, loaded):
    for report in list_batches(loaded):
        path = Path(report["file_name"])
        if path.suffix == ".csv":
            assert report["rows_read"] == rows_in(path), path
        assert report["rows_rejected"] == 0 and report["problems"] == 0, (
            path,
            batch_detail(loaded, report["batch_id"]).problems[:3],
        )


def test_round_trip_matches_the_generators_own_records(tiny_authority, authority, loaded):
    truth = build_authority("tiny", tiny_authority.seed, tiny_authority.as_at)
    children = list(truth.children())
    with loaded.reader() as conn:
        sql, params = current_sql("school_attendance")
        attendance = conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        assert attendance == sum(len(c.attendance) for c in children)
        sql, params = current_sql("school_exclusions")
        permanent = conn.execute(f"SELECT count(*) FROM ({sql}) WHERE excl_category = 'PERM'", params).fetchone()[0]
        assert permanent == sum(1 for c in children for e in c.exclusions if e.category == "PERM")
        # every episode of care in the window, once, however many yearly returns carried it (the SSD export
        # restates them with the IRO contact, a feed of its own)
        sql, params = current_sql("cla_episodes")
        episodes = conn.execute(
            "SELECT clae_cla_episode_start_date, clae_cla_episode_ceased_date, clae_cla_episode_ceased_reason "
            f"FROM ({sql}) WHERE batch_id IN (SELECT batch_id FROM ingest_batch WHERE feed = 'ssda903')",
            params,
        ).fetchall()
        start = date(tiny_authority.as_at.year - 3, 4, 1)
        expected = [e for c in children for p in c.care_periods for e in p.episodes if e.end is None or e.end >= start]
        assert len(episodes) == len(expected)
        assert sorted(e[0] for e in episodes) == sorted(e.start for e in expected)
        closed = sorted((e[1], e[2]) for e in episodes if e[1])
        assert closed == sorted((e.end, e.reason_ceased) for e in expected if e.end)
        sql, params = current_sql("contacts")
        contacts = conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        assert contacts == sum(len(c.contacts) for c in children)
        sql, params = current_sql("person")
        dobs = dict(
            conn.execute(
                f"SELECT pers_person_id, pers_dob FROM ({sql}) WHERE source_system = 'social_care'", params
            ).fetchall()
        )
    persons = {
        row["person_id"]: row["date_of_birth"]
        for row in csv.DictReader((authority / "social_care/case_management/persons.csv").open(encoding="utf-8"))
    }
    assert {k: v.isoformat() for k, v in dobs.items() if k in persons} == persons


def test_the_same_files_again_change_nothing(authority, own_loaded):
    before = counts(own_loaded)
    batches = len(list_batches(own_loaded))
    reports = ingest(own_loaded, [authority], mapping_files=SYNTHETIC)
    assert {r.status for r in reports} == {"unchanged"}
    assert counts(own_loaded) == before and len(list_batches(own_loaded)) == batches


@pytest.mark.slow  # a whole tiny authority generated and ingested; fast twin: test_ingest_unknown_codes.py
def test_planted_errors_are_reported_where_they_are(tmp_path):
    out = tmp_path / "dq"
    extracts = generate("tiny", SEED, AS_AT, out, dq_errors=15).extracts
    store = Store(tmp_path / "store")
    ingest(store, [extracts / folder for folder in CSV_FOLDERS], mapping_files=SYNTHETIC)
    planted = [row for row in csv.DictReader((out / "dq_errors.csv").open()) if row["file"].endswith(".csv")]
    with store.reader() as conn:
        found = set(
            conn.execute(
                "SELECT b.file_name, p.row_ref, p.column_name "
                "FROM ingest_problem p JOIN ingest_batch b USING (batch_id)"
            ).fetchall()
        )
        quarantined = conn.execute("SELECT count(*) FROM ingest_quarantine").fetchone()[0]
    located = {(Path(f).name, r, c) for f, r, c in found}
    missing = [p for p in planted if (Path(p["file"]).name, p["row"], p["field"]) not in located]
    assert not missing, missing
    # a malformed identifier or postcode, or an unknown code, is a warning (the row loads without it);
    # the rest quarantine, and so does an unknown code in a column that may not be empty (SEN provision)
    warnings = {"903_upn_check_letter", "pupil_upn_check_letter", "person_bad_postcode"}
    warnings |= {"903_unknown_legal_status", "903_unknown_placement", "903_unknown_ethnicity", "contact_unknown_source"}
    quarantining = [p for p in planted if p["kind"] not in warnings]
    assert quarantined == len({(p["file"], p["row"]) for p in quarantining})


def test_strict_rejects_the_whole_file(tmp_path, authority):
    bad = tmp_path / "contacts.csv"
    lines = (authority / "social_care/case_management/contacts.csv").read_text().splitlines()
    fields = lines[2].split(",")
    fields[2] = "31/31/2025"
    lines[2] = ",".join(fields)
    bad.write_text("\n".join(lines) + "\n")
    store = Store(tmp_path / "store")
    [report] = ingest(store, [bad], mapping_files=SYNTHETIC, strict=True)
    assert report.status == "rejected"
    assert any(p.row == "3" and p.column == "contact_date" for p in report.problems)
    assert list_batches(store) == [] and counts(store)["contacts"] == 0
    [lenient] = ingest(store, [bad], mapping_files=SYNTHETIC)
    assert lenient.status == "loaded" and lenient.rows_rejected == 1
    assert lenient.rows_loaded == len(lines) - 2


def test_ragged_rows_are_quarantined_not_fatal(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("team_id,team_name,service\nT1,Front door,front_door\nT2,Broken\nT3,Safeguarding,safeguarding\n")
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=SYNTHETIC)
    assert report.status == "loaded" and report.rows_loaded == 2 and report.rows_rejected == 1
    assert report.problems[0].row == "3" and "2 fields" in report.problems[0].message
    with store.reader() as conn:
        raw = conn.execute("SELECT raw_json FROM ingest_quarantine").fetchone()[0]
    assert "T2,Broken" in raw


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("unknown.csv", "colour,shape\nred,round\n", "not a kind of CSV childhub recognises"),
        ("truncated.xml", "<Message><Header><CollectionDetails><Collection>CIN", "not well-formed XML"),
        ("binary.csv", b"\x00\x01\x02\x03" * 100, None),
    ],
)
def test_malformed_files_fail_alone_and_change_nothing(tmp_path, own_loaded, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    before = counts(own_loaded)
    [report] = ingest(own_loaded, [path])
    assert report.status == "failed" and "\n" not in report.message
    assert name in report.message
    if expected:
        assert expected in report.message
    assert counts(own_loaded) == before


def test_a_missing_path_is_one_clear_error(tmp_path):
    with pytest.raises(IngestError, match="no such file or folder"):
        ingest(Store(tmp_path / "store"), [tmp_path / "nowhere.csv"])


KILLER = """
import os, signal, sys
from pathlib import Path
import childhub.ingest.tabular as tabular
from childhub.hub import ingest
from childhub.store import Store
from childhub.synth import mapping_files

original = tabular.apply_mapping
def apply_then_die(conn, *args, **kwargs):
    original(conn, *args, **kwargs)          # rows are written inside the open transaction...
    os.kill(os.getpid(), signal.SIGKILL)      # ...and the process dies before it commits
tabular.apply_mapping = apply_then_die
import childhub.ingest.run as run
run.apply_mapping = apply_then_die
ingest(Store(Path(sys.argv[1])), [Path(sys.argv[2])], mapping_files=mapping_files())
"""


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_store_as_it_was(tmp_path, authority):
    store = Store(tmp_path / "store")
    ingest(store, [authority / "social_care/case_management/teams.csv"], mapping_files=SYNTHETIC)
    before = counts(store)
    batches = list_batches(store)
    target = authority / "education" / "attendance.csv"
    killed = subprocess.run([sys.executable, "-c", KILLER, str(store.data_dir), str(target)], check=False)
    assert killed.returncode == -9
    assert counts(store) == before and list_batches(store) == batches
    [report] = ingest(store, [target], mapping_files=SYNTHETIC)
    assert report.status == "loaded" and report.rows_loaded == rows_in(target)


def test_history_as_it_stood(tmp_path):
    header = "team_id,team_name,service\n"
    first, second = tmp_path / "v1" / "teams.csv", tmp_path / "v2" / "teams.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text(header + "T1,Front door,front_door\nT2,Assessment,assessment\n")
    second.write_text(header + "T1,MASH and front door,front_door\nT3,Edge of care,safeguarding\n")
    store = Store(tmp_path / "store")
    ingest(store, [first], mapping_files=SYNTHETIC, extract_date=date(2025, 1, 31))
    ingest(store, [second], mapping_files=SYNTHETIC, extract_date=date(2025, 6, 30))

    def teams(as_of):
        with store.reader() as conn:
            sql, params = current_sql("department", as_of)
            return dict(conn.execute(f"SELECT dept_team_id, dept_team_name FROM ({sql})", params).fetchall())

    assert teams(None) == {"T1": "MASH and front door", "T3": "Edge of care"}
    assert teams(date(2025, 3, 1)) == {"T1": "Front door", "T2": "Assessment"}
    assert teams(date(2024, 12, 1)) == {}


def test_an_ssd_table_exported_as_csv(tmp_path):
    path = tmp_path / "ssd_cin_episodes.csv"
    path.write_text(
        "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,cine_referral_source_code,"
        "cine_referral_nfa,cine_close_reason,cine_close_date\n"
        "R1,P1,2025-04-03 00:00:00.000,N1,6,N,RC7,2025-09-01 00:00:00.000\n"
        "R2,P2,03/05/2025,N5,2A,N,,\n"
        "R3,,2025-06-01,N1,6,N,,\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path])
    assert report.kind == "ssd_cin_episodes" and report.rows_loaded == 2 and report.rows_rejected == 1
    assert report.problems[0].column == "cine_person_id"
    with store.reader() as conn:
        rows = conn.execute(
            "SELECT cine_referral_id, cine_referral_date, cine_close_date FROM cin_episodes ORDER BY 1"
        ).fetchall()
    assert rows == [("R1", date(2025, 4, 3), date(2025, 9, 1)), ("R2", date(2025, 5, 3), None)]


def test_any_csv_through_a_mapping_file(tmp_path):
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fsm_list.yml"
    path = tmp_path / "fsm.csv"
    path.write_text(
        "Pupil Ref,UPN,Legal Surname,Forename,Date of Birth,Gender,Postcode,Eligible From,Eligible To\n"
        "S1,V201200123001,Okafor,Ada,14/02/2015,Girl,qx12 4ab,01/09/2024,\n"
        "S2,X201200123001,Smith,Jo,2014-01-01,Male,QX1 1AA,01/09/2024,31/03/2025\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[mapping])
    # a wrong check letter is a warning: the row loads without the UPN, the report keeps it
    assert report.kind == "fsm_list" and report.rows_rejected == 0
    assert {(p.row, p.column, p.value, p.severity) for p in report.problems} == {
        ("3", "UPN", "X201200123001", "warning")
    }
    with store.reader() as conn:
        person = conn.execute(
            "SELECT pers_person_id, pers_sex, pers_dob, pers_upn, source_system FROM person ORDER BY 1"
        ).fetchall()
    assert person == [
        ("S1", "F", date(2015, 2, 14), "V201200123001", "education"),
        ("S2", "M", date(2014, 1, 1), None, "education"),
    ]


def test_real_format_ssda903_samples_are_read_and_their_faults_reported(tmp_path):
    store = Store(tmp_path / "store")
    reports = ingest(store, [SAMPLES / "ssda903"], extract_date=date(2018, 3, 31))
    by_name = {Path(r.file).name: r for r in reports}
    assert by_name["episodes.csv"].status == "loaded" and by_name["episodes.csv"].rows_loaded > 0
    assert by_name["header.csv"].rows_read == 2675
    assert by_name["fake_903.xml"].status == "loaded" and by_name["fake_903.xml"].rows_loaded > 0
    assert any(r.problems for r in reports), "the samples hold deliberately invalid rows"
    for report in reports:
        assert report.status in ("loaded", "unchanged"), (report.file, report.message)


@pytest.mark.slow
def test_cli_ingest_reports_and_exit_codes(tmp_path, authority):
    env = {**os.environ, "CHILDHUB_DATA_DIR": str(tmp_path / "store")}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "childhub",
            "ingest",
            str(authority / "police"),
            "--mapping",
            str(authority.parent / "mappings"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0 and "1 file(s) loaded" in ok.stdout
    (tmp_path / "odd.csv").write_text("a,b\n1,2\n")
    bad = subprocess.run(
        [sys.executable, "-m", "childhub", "ingest", str(tmp_path / "odd.csv")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 1 and "odd.csv: not a kind of CSV" in bad.stderr and "Traceback" not in bad.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "childhub", "batches"], capture_output=True, text=True, env=env, check=True
    )
    assert "police_notifications" in listing.stdout


def test_the_truth_file_is_never_ingested(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text("source,source_record_id,person_id,household_id\nneet,YP1,P1,H1\n")
    [report] = ingest(Store(tmp_path / "store"), [path], mapping_files=SYNTHETIC)
    # ingest knows nothing of the generator's files: no mapping reads this one, so nothing loads
    assert report.status == "failed" and "not a kind of CSV" in report.message


def test_cin_census_round_trip(tiny_authority, loaded):
    truth = build_authority("tiny", tiny_authority.seed, tiny_authority.as_at)
    start = date(tiny_authority.as_at.year - 3, 4, 1)
    expected = [
        p.start
        for c in truth.children()
        for r in c.referrals
        for p in r.cp_plans
        if (r.closure is None or r.closure >= start) and (p.end is None or p.end >= start)
    ]
    with loaded.reader() as conn:
        sql, params = current_sql("cp_plans")
        found = conn.execute(
            f"SELECT cppl_cp_plan_start_date FROM ({sql}) WHERE source_system = 'social_care'", params
        ).fetchall()
    assert sorted(d for (d,) in found) == sorted(expected)


def test_an_excel_sheet_through_a_mapping_file(tmp_path):
    import openpyxl

    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fsm_list.yml"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["This workbook lists FSM eligibility"])
    sheet = workbook.create_sheet("FSM")
    sheet.append(["Free school meals, spring term"])
    sheet.append(
        [
            "Pupil Ref",
            "UPN",
            "Legal Surname",
            "Forename",
            "Date of Birth",
            "Gender",
            "Postcode",
            "Eligible From",
            "Eligible To",
        ]
    )
    sheet.append(
        ["S1", "V201200123001", "Okafor", "Ada", date(2015, 2, 14), "Girl", "QX12 4AB", date(2024, 9, 1), None]
    )
    sheet.append(["S2", None, "Smith", "Jo", "not a date", "Male", "QX1 1AA", date(2024, 9, 1), None])
    path = tmp_path / "fsm.xlsx"
    workbook.save(path)
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[mapping])
    assert report.kind == "fsm_list" and report.rows_read == 2 and report.rows_rejected == 1
    assert (report.problems[0].row, report.problems[0].column) == ("4", "Date of Birth")
    with store.reader() as conn:
        assert conn.execute("SELECT pers_person_id, pers_dob FROM person").fetchall() == [("S1", date(2015, 2, 14))]


def test_episodes_across_returns_are_merged_and_repaired(tmp_path):
    from childhub.facts.episodes import episodes_sql

    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    last_year = tmp_path / "2025" / "episodes.csv"
    this_year = tmp_path / "2026" / "episodes.csv"
    last_year.parent.mkdir()
    this_year.parent.mkdir()
    # 2024/25: A's first episode open at 31 March; B's first episode ends after B's second starts;
    # C's episode open and then closed in the next return (the same episode, restated).
    last_year.write_text(
        header
        + (
            "A,01/05/2024,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n"
            "B,01/06/2024,S,C2,N1,U6,PR1,20/03/2025,X1,CARPL,,,XXXXXXX\n"
            "B,10/03/2025,P,C2,N1,U4,PR1,,,,,,XXXXXXX\n"
            "C,01/02/2025,S,V2,N4,U6,PR1,,,,,,XXXXXXX\n"
            "D,01/01/2025,S,V2,N4,U6,PR1,01/02/2025,X1,CARPL,,,XXXXXXX\n"
        )
    )
    # 2025/26: A's first episode is not restated, a new one starts; C's is closed; D resumes after a gap
    this_year.write_text(
        header
        + (
            "A,01/09/2025,P,C2,N1,U4,PR1,,,,,,XXXXXXX\n"
            "B,10/03/2025,P,C2,N1,U4,PR1,,,,,,XXXXXXX\n"
            "C,01/02/2025,S,V2,N4,U6,PR1,01/06/2025,E4A,,,,XXXXXXX\n"
            "D,15/02/2025,P,V2,N4,U4,PR1,,,,,,XXXXXXX\n"
        )
    )
    store = Store(tmp_path / "store")
    ingest(store, [last_year])
    ingest(store, [this_year])
    with store.reader() as conn:
        sql, params = episodes_sql()
        rows = conn.execute(
            f"SELECT child, start_date, ceased, reason_ceased, repair FROM ({sql}) ORDER BY child, start_date",
            params,
        ).fetchall()
    assert rows == [
        (
            "A",
            date(2024, 5, 1),
            date(2025, 9, 1),
            "X1",
            "closed when the next episode starts: left open in an earlier return",
        ),
        ("A", date(2025, 9, 1), None, None, None),
        (
            "B",
            date(2024, 6, 1),
            date(2025, 3, 10),
            "X1",
            "ended when the next episode starts: it overlapped the next episode",
        ),
        ("B", date(2025, 3, 10), None, None, None),
        ("C", date(2025, 2, 1), date(2025, 6, 1), "E4A", None),
        ("D", date(2025, 1, 1), date(2025, 2, 1), "X1", "gap of 14 days before the next episode"),
        ("D", date(2025, 2, 15), None, None, None),
    ]


# Regressions found in review: each was a way to lose, double or mangle a row.


def test_one_episode_written_two_ways_in_two_returns_is_one_episode(tmp_path):
    from childhub.facts.episodes import episodes_sql

    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    (tmp_path / "2023").mkdir()
    (tmp_path / "2024").mkdir()
    (tmp_path / "2023" / "episodes.csv").write_text(header + "1,01/06/2022,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n")
    (tmp_path / "2024" / "episodes.csv").write_text(header + "1,2022-06-01,S,C2,N1,U6,PR1,2023-09-01,E11,,,,XXXXXXX\n")
    store = Store(tmp_path / "store")
    ingest(store, [tmp_path / "2023"])
    ingest(store, [tmp_path / "2024"])
    with store.reader() as conn:
        sql, params = episodes_sql()
        rows = conn.execute(f"SELECT start_date, ceased, reason_ceased FROM ({sql})", params).fetchall()
    assert rows == [(date(2022, 6, 1), date(2023, 9, 1), "E11")]


def test_odd_values_are_problems_not_crashes(tmp_path):
    path = tmp_path / "episodes.csv"
    path.write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "1,01/06/2024,S,C2,N1,U6,PR1,31/12/9999,E11,,,,XXXXXXX\n"
        "2,01/02/10,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n"
        "3,01/06/2024,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], extract_date=date(2025, 3, 31))
    assert report.status == "loaded" and report.rows_loaded == 3 and report.rows_rejected == 2
    assert {(p.row, p.column) for p in report.problems} == {("2", "DEC"), ("3", "DECOM")}


def test_a_whole_number_is_a_whole_number(tmp_path):
    path = tmp_path / "oc2.csv"
    path.write_text(
        "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
        "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
        "1,01/01/2012,12.7,,0,,1,1,1,0,,\n2,01/01/2012,0x1F,,0,,1,1,1,0,,\n3,01/01/2012,17,,0,,1,1,1,0,,\n"
    )
    [report] = ingest(Store(tmp_path / "store"), [path], extract_date=date(2025, 3, 31))
    assert {p.row for p in report.problems if p.column == "SDQ_SCORE"} == {"2", "3"}


def test_a_file_that_breaks_a_library_fails_alone(tmp_path, authority):
    odd = tmp_path / "teams.csv"
    odd.write_text('team_id,team_name,service\nT1,"Front" door,front_door\n')
    good = tmp_path / "police.csv"
    good.write_bytes((authority / "police" / "police_notifications.csv").read_bytes())
    reports = {Path(r.file).name: r for r in ingest(Store(tmp_path / "store"), [odd, good], mapping_files=SYNTHETIC)}
    assert reports["police.csv"].status == "loaded"
    assert reports["teams.csv"].status in ("loaded", "failed") and "\n" not in reports["teams.csv"].message


def test_sending_an_older_snapshot_again_makes_it_current(tmp_path):
    first, second = tmp_path / "a" / "teams.csv", tmp_path / "b" / "teams.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("team_id,team_name,service\nT1,Old name,front_door\n")
    second.write_text("team_id,team_name,service\nT1,New name,front_door\n")
    store = Store(tmp_path / "store")
    for path in (first, second, first):
        ingest(store, [path], mapping_files=SYNTHETIC, extract_date=date(2025, 1, 1))
    with store.reader() as conn:
        sql, params = current_sql("department")
        assert conn.execute(f"SELECT dept_team_name FROM ({sql})", params).fetchall() == [("Old name",)]


def test_ssda903_xml_episodes_without_a_header_are_quarantined_not_lost(tmp_path):
    path = tmp_path / "903.xml"
    path.write_text(
        "<EXPSSDA903><CHILD><EPISODE><DECOM>01/06/2024</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U6</PL>"
        "<PLACE_PROVIDER>PR1</PLACE_PROVIDER></EPISODE></CHILD></EXPSSDA903>"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path])
    assert report.rows_read == 1 and report.rows_rejected == 1
    assert any(p.column == "CHILD" for p in report.problems)


@pytest.mark.slow
def test_a_return_in_progress_takes_its_episodes_year(tmp_path):
    # as at November the current year's return is part-way; its AD1 and adoption decisions
    # carry earlier dates, yet every table of the folder belongs to the year of its episodes
    out = tmp_path / "authority"
    extracts = generate("tiny", SEED, date(2026, 11, 23), out).extracts
    store = Store(tmp_path / "store")
    reports = [r for r in ingest(store, [extracts / "social_care" / "ssda903"]) if r.status != "skipped"]
    assert all(r.status == "loaded" for r in reports), [r.message for r in reports if r.status != "loaded"]
    with store.reader() as conn:
        scopes = {s for (s,) in conn.execute("SELECT DISTINCT scope FROM ingest_batch").fetchall()}
    assert {"ssda903_ad1:2027", "ssda903_header:2027", "ssda903_episodes:2027"} <= scopes


def test_two_returns_in_one_folder_keep_their_own_years(tmp_path):
    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    (tmp_path / "episodes_2023.csv").write_text(header + "1,01/06/2022,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n")
    (tmp_path / "episodes_2024.csv").write_text(header + "2,01/06/2023,S,C2,N1,U6,PR1,,,,,,XXXXXXX\n")
    store = Store(tmp_path / "store")
    ingest(store, [tmp_path])
    with store.reader() as conn:
        scopes = sorted(s for (s,) in conn.execute("SELECT scope FROM ingest_batch").fetchall())
    assert scopes == ["ssda903_episodes:2023", "ssda903_episodes:2024"]
