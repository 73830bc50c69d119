"""``childhub validate``: return files checked before loading, each finding naming rule, file, row, child and
fields; nothing written; bad files refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import run

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


@pytest.mark.slow
def test_validate_names_rule_file_row_child_and_fields(tmp_path):
    folder = tmp_path / "2026"
    folder.mkdir()
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "A1,01/04/2025,S,C2,N1,U1,PR1,01/05/2025,,,,,\n"
        "A1,01/05/2025,P,C2,N1,U1,PR1,,,,,,\n"
    )
    done = run("validate", str(folder), "--rule", "148", "--format", "json", data_dir=tmp_path / "store")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["rule"], r["file"], r["row"], r["child"], r["fields"], r["year"]) for r in rows] == [
        ("148", "episodes.csv", 2, "A1", "DEC, REC", "2025-26")
    ]
    assert not (tmp_path / "store").exists()  # nothing written
    strict = run("validate", str(folder), "--rule", "148", "--strict")
    assert strict.returncode == 3


@pytest.mark.slow
def test_validate_the_samples_whole(tmp_path):
    folder = tmp_path / "return"
    folder.mkdir()
    for table in (SAMPLES / "ssda903").glob("*.csv"):
        shutil.copy(table, folder)
    out = tmp_path / "findings.xlsx"
    done = run(
        "validate", str(folder), str(SAMPLES / "cin" / "fake_CIN_data.xml"), "--format", "xlsx", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
    assert "SSDA903 2018-19:" in done.stdout and "CIN census 2021-22:" in done.stdout


@pytest.mark.slow
def test_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "header.csv"
    bad.write_text("NOT,A,RETURN\n1,2,3\n")
    done = run("validate", str(bad))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: header.csv: its columns (NOT, A, RETURN) are not those of any SSDA903 table"
    ]
    hostile = tmp_path / "census.xml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><Message>&e;</Message>')
    done = run("validate", str(hostile))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "census.xml" in done.stderr and "Traceback" not in done.stderr
    missing = run("validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr


@pytest.mark.slow
def test_many_findings_are_shown_by_rule_in_the_table(tmp_path):
    folder = tmp_path / "2026"
    folder.mkdir()
    lines = [f"C{i},01/04/2025,S,C2,N1,U1,PR1,01/05/2025,,,,," for i in range(250)]  # 250 ceased without a reason
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        + "\n".join(lines)
        + "\n"
    )
    done = run("validate", str(folder), "--rule", "148")
    assert done.returncode == 0, done.stderr
    assert "250 findings, by rule" in done.stdout
    assert "│ 148 " in done.stdout and "│ 250 " in done.stdout
    assert "C249" not in done.stdout  # the rows themselves are in the other formats
    assert "--format csv, json or xlsx" in done.stdout
