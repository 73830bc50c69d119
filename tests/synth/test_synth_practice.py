"""The synthetic authority's case file audits and surveys: drawn from streams of their own, so every other extract
is byte for byte what it was for a seed; what they hold is plausible; and the demo's ingest loads them whole."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from childhub.codes import code_set
from childhub.synth import generate
from childhub.synth.extracts import practice

AS_AT = date(2026, 10, 31)


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "manifest.json" and "practice" not in path.relative_to(folder).parts
    }


@pytest.mark.slow
def test_every_other_extract_is_the_same_with_or_without_the_audits_and_surveys(tmp_path, monkeypatch):
    made = generate("tiny", 3, AS_AT, tmp_path / "with")
    with_practice = _digests(made.out)
    assert (made.out / "extracts" / "practice" / "case_audits.csv").exists()
    monkeypatch.setattr(practice, "write_practice", lambda system, folder, seed: {})
    without = generate("tiny", 3, AS_AT, tmp_path / "without")
    assert not (without.out / "extracts" / "practice").exists()
    assert _digests(without.out) == with_practice


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_the_audits_are_of_social_care_records_in_the_last_two_years_graded_from_the_code_set(tmp_path):
    made = generate("tiny", 3, AS_AT, tmp_path / "authority")
    extracts = made.out / "extracts"
    audits = _rows(extracts / "practice" / "case_audits.csv")
    persons = {row["person_id"] for row in _rows(extracts / "social_care" / "case_management" / "persons.csv")}
    grades = {code.label for code in code_set("case_audit_grade").codes}
    themes = {code.label for code in code_set("case_audit_theme").codes}
    assert len(audits) > 24  # a few each month for two years, even in a tiny authority
    for row in audits:
        assert row["person_id"] in persons
        assert AS_AT - timedelta(days=2 * 366) < date.fromisoformat(row["audit_date"]) <= AS_AT
        assert row["overall_grade"] in grades
        named = set(row["themes"].split("; "))
        assert named <= themes and 3 <= len(named) <= 5
        graded = {t for t in practice.THEMES if row[f"{t}_grade"]}
        assert {practice.THEME_WORDS[t] for t in graded} == named
    spread = {grade: sum(row["overall_grade"] == grade for row in audits) / len(audits) for grade in grades}
    assert 0.3 < spread["Good"] + spread["Outstanding"] < 0.75  # about half good or better


def test_the_surveys_are_anonymous_answers_from_the_declared_questions(tmp_path):
    made = generate("tiny", 3, AS_AT, tmp_path / "authority")
    answers = _rows(made.out / "extracts" / "practice" / "surveys.csv")
    assert answers and "person_id" not in answers[0]
    assert {row["round"] for row in answers} <= {"2024 autumn", "2025 autumn"}  # the last two autumns to the day
    for row in answers:
        asked = practice.QUESTIONS[row["survey"]][row["question"]][0]
        assert row["answer"] in (*asked, "")
        assert date.fromisoformat(row["completed_on"]).month == 11


def test_the_demo_ingest_loads_the_audits_and_surveys_whole(tiny_authority):
    reports = {report.kind: report for report in tiny_authority.ingested}
    for kind in ("case_audits", "surveys"):
        assert reports[kind].status == "loaded" and reports[kind].rows_rejected == 0 and reports[kind].rows_loaded
    with tiny_authority.store.reader() as conn:
        linked, audits = conn.execute("SELECT count(child_id), count(*) FROM facts.fact_case_audit").fetchone()
    assert audits and linked == audits  # every audit is of a record linkage gave a child
