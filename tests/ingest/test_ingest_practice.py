"""Case file audits and children's survey answers load through the example mappings (docs/examples/case_audits.yml,
survey.yml) into their canonical tables and facts; bad rows are quarantined with one line naming file, row and field;
an audit links to its child as the social care system's records do."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from childhub.hub import ingest
from childhub.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
AUDITS = "Audit ID,Person ID,Audit Date,Auditor,Overall Grade,Themes\n"
SURVEY = "Response ID,Survey,Period,Completed On,Respondent,Age Band,Question,Answer\n"
IN_CARE = "Children in care survey,2025 autumn,20/11/2025,Child in care,11-17"


def _facts(store: Store, sql: str) -> list[tuple]:
    with store.reader() as conn:
        return conn.execute(sql).fetchall()


def test_audits_load_through_the_example_mapping_with_their_themes_one_row_each(tmp_path):
    path = tmp_path / "audits.csv"
    path.write_text(
        AUDITS
        + "A1,1001,03/11/2025,Sam Reid,Good,Assessment; Voice of the child\n"
        + "A2,1002,2025-12-01,Sam Reid,Requires improvement to be good,Planning\n"
        + "A3,1001,15/01/2026,Kim Lowe,inadequate,\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[EXAMPLES / "case_audits.yml"], check_quality=False)
    assert report.kind == "case_audits" and report.rows_rejected == 0 and report.problems == []
    audits = _facts(
        store,
        "SELECT audit_id, person_id, child_key, audit_date, auditor, grade, grade_rank, themes, source_system "
        "FROM facts.fact_case_audit ORDER BY audit_id",
    )
    assert audits == [
        ("A1", "1001", "social_care:1001", date(2025, 11, 3), "Sam Reid", "good", 2,
         ["assessment", "voice_of_the_child"], "social_care"),
        ("A2", "1002", "social_care:1002", date(2025, 12, 1), "Sam Reid", "requires_improvement", 3,
         ["planning"], "social_care"),
        ("A3", "1001", "social_care:1001", date(2026, 1, 15), "Kim Lowe", "inadequate", 4, [], "social_care"),
    ]  # fmt: skip
    themes = _facts(store, "SELECT audit_id, theme, theme_grade FROM facts.fact_case_audit_theme ORDER BY ALL")
    assert themes == [("A1", "assessment", None), ("A1", "voice_of_the_child", None), ("A2", "planning", None)]


def test_an_unknown_grade_or_a_bad_date_quarantines_the_row_with_one_line_naming_file_row_and_field(tmp_path):
    path = tmp_path / "audits.csv"
    path.write_text(
        AUDITS
        + "A1,1001,03/11/2025,Sam Reid,Good,Assessment\n"
        + "A2,1002,03/11/2025,Sam Reid,Brilliant,Planning\n"
        + "A3,1003,31/02/2026,Sam Reid,Good,Visits\n"
        + "A4,1004,03/11/2025,Sam Reid,Good,Visits; Cooking\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[EXAMPLES / "case_audits.yml"], check_quality=False)
    assert (report.rows_read, report.rows_rejected) == (4, 3)
    errors = {(p.row, p.column, p.value) for p in report.problems if p.severity == "error"}
    assert errors == {
        ("3", "Overall Grade", "Brilliant"),
        ("4", "Audit Date", "31/02/2026"),
        ("5", "Themes", "Cooking"),
    }
    grade = next(p for p in report.problems if p.value == "Brilliant")
    line = str(grade)
    assert "\n" not in line and line.startswith("audits.csv, row 3, column Overall Grade: ")
    assert "case_audit_grade" in line
    assert _facts(store, "SELECT audit_id FROM facts.fact_case_audit") == [("A1",)]


def test_an_audit_links_to_the_child_its_social_care_record_belongs_to(history, tmp_path):
    history.child("1001", dob=date(2014, 6, 1), child_id=7)
    store = history.store()
    path = tmp_path / "audits.csv"
    path.write_text(AUDITS + "A1,1001,03/11/2025,Sam Reid,Good,Assessment\n")
    ingest(store, [path], mapping_files=[EXAMPLES / "case_audits.yml"], check_quality=False)
    assert _facts(store, "SELECT child_id, child_key FROM facts.fact_case_audit") == [(7, "C7")]
    assert _facts(store, "SELECT child_key FROM facts.fact_case_audit_theme") == [("C7",)]


def test_survey_answers_load_one_row_each_without_a_person_and_blank_answers_are_left_out(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        SURVEY
        + f"R1,{IN_CARE},Do you feel safe where you live?,Yes\n"
        + f"R1,{IN_CARE},Do you know who your social worker is?,\n"
        + "R2,Care leavers survey,2025 autumn,2025-11-21,Care leaver,18-21,Do you feel safe where you live?,Sometimes\n"
    )
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[EXAMPLES / "survey.yml"], check_quality=False)
    assert report.kind == "survey_responses" and report.rows_rejected == 0
    rows = _facts(
        store,
        "SELECT response_id, survey, period, response_date, respondent_group, age_band, question, answer "
        "FROM facts.fact_survey_response ORDER BY response_id",
    )
    assert rows == [
        ("R1", "Children in care survey", "2025 autumn", date(2025, 11, 20), "child_in_care", "11-17",
         "Do you feel safe where you live?", "Yes"),
        ("R2", "Care leavers survey", "2025 autumn", date(2025, 11, 21), "care_leaver", "18-21",
         "Do you feel safe where you live?", "Sometimes"),
    ]  # fmt: skip


def test_a_survey_answer_with_no_date_is_quarantined_naming_its_row_and_field(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY + "R1,Children in care survey,2025 autumn,,Child in care,11-17,Do you feel safe?,Yes\n")
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path], mapping_files=[EXAMPLES / "survey.yml"], check_quality=False)
    assert report.rows_rejected == 1
    assert [(p.row, p.column, p.severity) for p in report.problems] == [("2", "Completed On", "error")]
