"""The CIN census reader: a hand-worked file, DfE-format samples with deliberate errors, the
synthetic authority's census read back against its own XML, every year's code lists, and
mutated files that must never crash it nor load an unreadable date."""

from __future__ import annotations

import copy
import csv
import json
import re
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from childhub.codes import valid_codes
from childhub.errors import IngestError
from childhub.identifiers import make_upn
from childhub.ingest.cin_census import (
    CANONICAL_COLUMNS,
    SEX,
    parse_census_date,
    read_cin_census,
)
from childhub.ingest.model import ReadResult
from childhub.store import Store
from childhub.store.schema import load_migrations
from childhub.synth import generate
from childhub.synth.dq_errors import KINDS

pytestmark = pytest.mark.slow  # tens of seconds in all: CI runs it with -m slow, so the default run stays quick

ROOT = Path(__file__).parents[2]
# Data to Insight's fake real-format samples, copied with their notice (fixtures/samples/NOTICE.md)
SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples" / "cin"
SCHEMAS = Path(__file__).parents[1] / "fixtures" / "cin_schemas"
UPN = make_upn(1, 2000, 15, 1)

# One child with every module, one unborn child with an NFA referral: valid for 2026.
VALID_2026 = f"""<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2026</Year>
      <ReferenceDate>2026-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>001</LEA>
      <SoftwareCode>test</SoftwareCode>
      <Release>1</Release>
      <SerialNo>001</SerialNo>
      <DateTime>2026-04-02T09:00:00</DateTime>
    </Source>
  </Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C1</LAchildID>
        <UPN>{UPN}</UPN>
        <PersonBirthDate>2015-06-01</PersonBirthDate>
        <Sex>F</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity>
        <Disabilities>
          <Disability>AUT</Disability>
          <Disability>COMM</Disability>
        </Disabilities>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2025-05-01</CINreferralDate>
        <ReferralSource>5D</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <CINclosureDate>2026-02-20</CINclosureDate>
        <ReasonForClosure>RC9</ReasonForClosure>
        <DateOfInitialCPC>2025-06-10</DateOfInitialCPC>
        <Assessments>
          <AssessmentActualStartDate>2025-05-02</AssessmentActualStartDate>
          <AssessmentInternalReviewDate>2025-05-20</AssessmentInternalReviewDate>
          <AssessmentAuthorisationDate>2025-06-01</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment>
            <AssessmentFactors>3A</AssessmentFactors>
            <AssessmentFactors>24A</AssessmentFactors>
          </FactorsIdentifiedAtAssessment>
        </Assessments>
        <CINPlanDates>
          <CINPlanStartDate>2025-06-02</CINPlanStartDate>
          <CINPlanEndDate>2025-06-09</CINPlanEndDate>
        </CINPlanDates>
        <Section47>
          <S47ActualStartDate>2025-05-20</S47ActualStartDate>
          <InitialCPCtarget>2025-06-11</InitialCPCtarget>
          <DateOfInitialCPC>2025-06-10</DateOfInitialCPC>
          <ICPCnotRequired>false</ICPCnotRequired>
        </Section47>
        <ReferralNFA>false</ReferralNFA>
        <ChildProtectionPlans>
          <CPPstartDate>2025-06-10</CPPstartDate>
          <CPPendDate>2026-01-15</CPPendDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
          <Reviews>
            <CPPreviewDate>2025-09-01</CPPreviewDate>
            <CPPreviewDate>2025-12-01</CPPreviewDate>
          </Reviews>
        </ChildProtectionPlans>
        <PreProceedingsandFGDM>
          <PPStartDate>2025-11-01</PPStartDate>
          <LBPSentDate>2025-11-05</LBPSentDate>
          <FGDMMeetingOffer>1</FGDMMeetingOffer>
          <FGDMMeetingFac>1</FGDMMeetingFac>
          <InitialPPMeetingDate>2025-11-12</InitialPPMeetingDate>
          <ReviewMeetingsCount>2</ReviewMeetingsCount>
          <StepDecisionDate>2026-01-10</StepDecisionDate>
          <PPOutcome>B</PPOutcome>
          <CourtAppDate>2026-01-20</CourtAppDate>
          <LetterInitCPDate>2026-01-21</LetterInitCPDate>
        </PreProceedingsandFGDM>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C2</LAchildID>
        <UPNunknown>UN1</UPNunknown>
        <ExpectedPersonBirthDate>2026-05-01</ExpectedPersonBirthDate>
        <Sex>U</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>NOBT</Ethnicity>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2026-01-05</CINreferralDate>
        <ReferralSource>3B</ReferralSource>
        <PrimaryNeedCode>N4</PrimaryNeedCode>
        <ReferralNFA>true</ReferralNFA>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


# ------------------------------------------------------------------ helpers
def write(tmp_path: Path, text: str, name: str = "census.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_text(tmp_path: Path, text: str) -> ReadResult:
    return read_cin_census(write(tmp_path, text))


def as_year(year: int, text: str = VALID_2026) -> str:
    """The valid file moved to collection ``year``: its dates, and Sex coded as that year codes it."""
    text = text.replace("<Year>2026</Year>", f"<Year>{year}</Year>")
    text = re.sub(r">2026-", f">{year}-", re.sub(r">2025-", f">{year - 1}-", text))
    if year < 2025:
        text = text.replace("<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>")
        text = text.replace("<Sex>U</Sex>", "<GenderCurrent>0</GenderCurrent>")
    return text


def rows_of(result: ReadResult, table: str) -> list:
    return [row for row in result.rows if row.table == table]


def only(result: ReadResult, table: str) -> dict:
    rows = rows_of(result, table)
    assert len(rows) == 1, f"{len(rows)} {table} rows"
    return rows[0].values


def problems(result: ReadResult, severity: str | None = None, column: str | None = None) -> list:
    return [
        p
        for p in result.problems
        if (severity is None or p.severity == severity) and (column is None or p.column == column)
    ]


def errors(result: ReadResult) -> list:
    return problems(result, "error")


_CREATE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)
_COLUMN = re.compile(r"^\s+(\w+)\s+(VARCHAR|DATE|BIGINT|INTEGER|DOUBLE|BOOLEAN|TIMESTAMP)(\s+NOT NULL)?", re.M)


def canonical_schema() -> dict[str, dict[str, tuple[str, bool]]]:
    """Every table of the migrations: column -> (type, not null)."""
    tables: dict[str, dict[str, tuple[str, bool]]] = {}
    for migration in load_migrations():
        for table, body in _CREATE.findall(migration.sql):
            tables[table] = {name: (kind, bool(not_null)) for name, kind, not_null in _COLUMN.findall(body)}
    return tables


SCHEMA = canonical_schema()
PYTHON_TYPES = {"VARCHAR": str, "DATE": date, "INTEGER": int, "BIGINT": int}


def assert_rows_fit_the_model(result: ReadResult) -> None:
    """Every row names a canonical table and its columns, with values of the column's type."""
    keys = Counter((row.table, row.source_record_key) for row in result.rows)
    assert not [key for key, count in keys.items() if count > 1], "two rows share a table and key"
    for row in result.rows:
        columns = SCHEMA[row.table]
        assert row.source_record_key
        assert set(row.values) == set(CANONICAL_COLUMNS[row.table])
        for column, value in row.values.items():
            kind, not_null = columns[column]
            if value is None:
                assert not not_null, f"{row.table}.{column} is NOT NULL but empty in {row.row}"
                continue
            assert isinstance(value, PYTHON_TYPES[kind]), f"{row.table}.{column} = {value!r}"
            if kind == "DATE":
                assert date(1900, 1, 1) <= value <= date(2099, 12, 31)
    assert result.rows_read >= len(result.rows)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# ------------------------------------------------------------------ the hand-worked file
def test_valid_file_gives_every_table_with_hand_worked_values(tmp_path):
    result = read_text(tmp_path, VALID_2026)

    assert (result.kind, result.source_system, result.mode) == ("cin_census", "social_care", "snapshot")
    assert result.scope == "cin_census:2026"
    assert result.extract_date == date(2026, 3, 31)
    assert result.problems == []
    assert Counter(row.table for row in result.rows) == {
        "person": 2, "disability": 2, "cin_episodes": 2, "cin_assessments": 1, "assessment_factors": 1,
        "cin_plans": 1, "s47_enquiry": 1, "initial_cp_conference": 1, "cp_plans": 1, "cp_reviews": 2,
        "pre_proceedings": 1,
    }  # fmt: skip
    assert result.rows_read == 15
    referral = "C1:2025-05-01"
    persons = {row.values["pers_person_id"]: row.values for row in rows_of(result, "person")}
    assert persons["C1"] == {
        "pers_person_id": "C1", "pers_sex": "F", "pers_gender": None, "pers_ethnicity": "WBRI",
        "pers_dob": date(2015, 6, 1), "pers_upn_unknown": None, "pers_expected_dob": None, "pers_death_date": None,
        "pers_upn": UPN, "pers_former_upn": None,
    }  # fmt: skip
    assert persons["C2"]["pers_expected_dob"] == date(2026, 5, 1)
    assert persons["C2"]["pers_upn_unknown"] == "UN1"
    assert sorted(row.values["disa_disability_code"] for row in rows_of(result, "disability")) == ["AUT", "COMM"]
    episodes = {row.values["cine_referral_id"]: row.values for row in rows_of(result, "cin_episodes")}
    assert episodes[referral] == {
        "cine_referral_id": referral, "cine_person_id": "C1", "cine_referral_date": date(2025, 5, 1),
        "cine_cin_primary_need_code": "N1", "cine_referral_source_code": "5D", "cine_referral_nfa": "N",
        "cine_close_reason": "RC9", "cine_close_date": date(2026, 2, 20),
    }  # fmt: skip
    assert episodes["C2:2026-01-05"]["cine_referral_nfa"] == "Y"
    assessment_id = f"{referral}:assessment:2025-05-02"
    assert only(result, "cin_assessments") == {
        "cina_assessment_id": assessment_id, "cina_person_id": "C1", "cina_referral_id": referral,
        "cina_assessment_start_date": date(2025, 5, 2), "cina_assessment_auth_date": date(2025, 6, 1),
    }  # fmt: skip
    assert only(result, "assessment_factors") == {
        "cinf_table_id": f"{assessment_id}:factors",
        "cinf_assessment_id": assessment_id,
        "cinf_assessment_factors_json": '["3A", "24A"]',
    }
    assert only(result, "cin_plans")["cinp_cin_plan_end_date"] == date(2025, 6, 9)
    s47_id = f"{referral}:s47:2025-05-20"
    assert only(result, "s47_enquiry") == {
        "s47e_s47_enquiry_id": s47_id, "s47e_referral_id": referral, "s47e_person_id": "C1",
        "s47e_s47_start_date": date(2025, 5, 20),
    }  # fmt: skip
    plan_id = f"{referral}:cp_plan:2025-06-10"
    icpc_id = f"{referral}:icpc:2025-06-10"
    # The conference is given twice (Section47 and CINdetails) on one date: one row, linked both ways.
    assert only(result, "initial_cp_conference") == {
        "icpc_icpc_id": icpc_id, "icpc_s47_enquiry_id": s47_id, "icpc_person_id": "C1", "icpc_cp_plan_id": plan_id,
        "icpc_referral_id": referral, "icpc_icpc_target_date": date(2025, 6, 11), "icpc_icpc_date": date(2025, 6, 10),
        "icpc_icpc_outcome_cp_flag": "Y",
    }  # fmt: skip
    assert only(result, "cp_plans") == {
        "cppl_cp_plan_id": plan_id, "cppl_referral_id": referral, "cppl_icpc_id": icpc_id, "cppl_person_id": "C1",
        "cppl_cp_plan_start_date": date(2025, 6, 10), "cppl_cp_plan_end_date": date(2026, 1, 15),
        "cppl_cp_plan_initial_category": "NEG", "cppl_cp_plan_latest_category": "EMO",
        "cppl_previous_cp_plans": 0,
    }  # fmt: skip
    reviews = sorted(row.values["cppr_cp_review_date"] for row in rows_of(result, "cp_reviews"))
    assert reviews == [date(2025, 9, 1), date(2025, 12, 1)]
    assert {row.values["cppr_cp_plan_id"] for row in rows_of(result, "cp_reviews")} == {plan_id}
    assert only(result, "pre_proceedings") == {
        "prep_table_id": f"{referral}:pre_proceedings:2025-11-01", "prep_person_id": "C1",
        "prep_plo_family_id": f"{referral}:pre_proceedings:2025-11-01",
        "prep_pre_pro_decision_date": date(2025, 11, 1), "prep_initial_pre_pro_meeting_date": date(2025, 11, 12),
        "prep_pre_pro_outcome": "B", "prep_agree_stepdown_issue_date": date(2026, 1, 10),
        "prep_pre_pro_letter_date": date(2025, 11, 5), "prep_care_pro_letter_date": date(2026, 1, 21),
        "prep_pre_pro_meetings_num": 2,
    }  # fmt: skip
    assert_rows_fit_the_model(result)


def test_keys_and_places(tmp_path):
    result = read_text(tmp_path, VALID_2026)
    keys = {row.table: row.source_record_key for row in result.rows if "C1" in row.source_record_key}
    assert keys["person"] == "C1"
    assert keys["cin_episodes"] == "C1|2025-05-01"
    assert keys["cp_plans"] == "C1|2025-05-01|cp_plan|2025-06-10"
    assert keys["pre_proceedings"] == "C1|2025-05-01|pre_proceedings|2025-11-01"
    plan = rows_of(result, "cp_plans")[0]
    line = VALID_2026.splitlines().index("        <ChildProtectionPlans>") + 1
    assert plan.row == f"LAchildID C1, line {line}"
    # facts with no canonical column stay in the raw values
    assert plan.raw["NumberOfPreviousCPP"] == "0"
    assert rows_of(result, "cin_assessments")[0].raw["AssessmentInternalReviewDate"] == "2025-05-20"
    assert rows_of(result, "pre_proceedings")[0].raw["CourtAppDate"] == "2026-01-20"


def test_every_row_loads_into_the_store(tmp_path, synthetic_2026):
    """The rows fit the canonical tables as DuckDB has them: names, types and NOT NULL."""
    results = [read_text(tmp_path, VALID_2026), read_cin_census(synthetic_2026[2026])]
    results += [read_cin_census(path) for path in sorted(SAMPLES.glob("*.xml"))]
    provenance = ["source_system", "batch_id", "source_record_key"]
    with Store(tmp_path / "store").writer() as conn:
        for batch, result in enumerate(results, start=1):
            for table, columns in CANONICAL_COLUMNS.items():
                rows = rows_of(result, table)
                if not rows:
                    continue
                names = [*columns, *provenance]
                one_row = f"({', '.join('?' * len(names))})"
                sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, names))}) VALUES " + ", ".join(
                    [one_row] * len(rows)
                )
                conn.execute(
                    sql,
                    [
                        value
                        for row in rows
                        for value in (*row.values.values(), result.source_system, batch, row.source_record_key)
                    ],
                )
        loaded = conn.execute("SELECT count(*) FROM cin_episodes").fetchone()[0]
    assert loaded == sum(len(rows_of(result, "cin_episodes")) for result in results)


# ------------------------------------------------------------------ code lists by year
def valid_in(set_id: str, year: int) -> frozenset[str]:
    return valid_codes(set_id, year, within="cin_census")


def test_sex_codes_change_in_2025():
    assert valid_in(SEX, 2024) == {"1", "2", "0", "9"}
    assert valid_in(SEX, 2025) == valid_in(SEX, 2026) == {"M", "F", "U"}


@pytest.mark.parametrize(
    "year, old, new, ok",
    [
        (2022, "<ReasonForClosure>RC9</ReasonForClosure>", None, False),
        (2023, "<ReasonForClosure>RC9</ReasonForClosure>", None, True),
        (2022, "<ReferralSource>5D</ReferralSource>", None, False),
        (2023, "<ReferralSource>5D</ReferralSource>", None, True),
        (2021, "<AssessmentFactors>24A</AssessmentFactors>", None, False),
        (2022, "<AssessmentFactors>24A</AssessmentFactors>", None, True),
        (2020, "<AssessmentFactors>24A</AssessmentFactors>", "<AssessmentFactors>18A</AssessmentFactors>", True),
        (2021, "<AssessmentFactors>24A</AssessmentFactors>", "<AssessmentFactors>18A</AssessmentFactors>", False),
        (2020, "<AssessmentFactors>24A</AssessmentFactors>", "<AssessmentFactors>19C</AssessmentFactors>", False),
        (2024, "<GenderCurrent>2</GenderCurrent>", "<Sex>F</Sex>", False),
        (2025, "<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>", False),
        (2024, "<GenderCurrent>2</GenderCurrent>", "<Sex>2</Sex>", True),
        (2026, "<PrimaryNeedCode>N1</PrimaryNeedCode>", "<PrimaryNeedCode>N10</PrimaryNeedCode>", False),
        (2026, "<LatestCategoryOfAbuse>EMO<", "<LatestCategoryOfAbuse>XXX<", False),
        (2026, "<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>White</Ethnicity>", False),
    ],
)  # fmt: skip
def test_codes_are_checked_against_their_year(tmp_path, year, old, new, ok):
    text = as_year(year)
    assert old in text
    if year < 2022:  # no CIN plan module yet, and 24A is not a code: keep the file otherwise valid
        text = re.sub(r"\s*<CINPlanDates>.*?</CINPlanDates>", "", text, flags=re.S)
    result = read_text(tmp_path, text.replace(old, new or old))
    element = re.match(r"<(\w+)>", new or old).group(1)  # the element the change is in
    found = [p for p in problems(result, "warning", element) if p.message.endswith("loaded as unknown")]
    assert not problems(result, "error", element)  # an unknown code never rejects its row
    if ok:
        assert not found, found
    else:
        assert len(found) == 1, result.problems
        assert str(year) in found[0].message or "CIN census" in found[0].message


def test_genders_map_to_sex_and_keep_the_raw_code(tmp_path):
    text = as_year(2019).replace("<GenderCurrent>2</GenderCurrent>", "<GenderCurrent>9</GenderCurrent>")
    text = re.sub(r"\s*<CINPlanDates>.*?</CINPlanDates>", "", text, flags=re.S)
    text = text.replace("<ReferralSource>5D</ReferralSource>", "<ReferralSource>5B</ReferralSource>")
    text = text.replace("<ReasonForClosure>RC9</ReasonForClosure>", "<ReasonForClosure>RC8</ReasonForClosure>")
    text = text.replace("<AssessmentFactors>24A</AssessmentFactors>", "<AssessmentFactors>18A</AssessmentFactors>")
    result = read_text(tmp_path, text)
    sexes = {
        row.values["pers_person_id"]: (row.values["pers_sex"], row.values["pers_gender"])
        for row in result.rows
        if row.table == "person"
    }
    assert sexes == {"C1": ("U", "9"), "C2": ("U", "0")}
    # the module from 2026 is read in 2019 with one warning
    assert [p.column for p in result.problems] == ["PreProceedingsandFGDM"]
    assert result.problems[0].severity == "warning"


# ------------------------------------------------------------------ errors and their reach
def test_missing_la_child_id_rejects_the_whole_child(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace("<LAchildID>C1</LAchildID>", "<LAchildID> </LAchildID>"))
    [problem] = errors(result)
    assert problem.column == "LAchildID"
    assert problem.row.startswith("LAchildID (none), line ")
    assert problem.message == "missing: none of this child's 13 records is loaded"
    assert not [row for row in result.rows if "C1" in row.source_record_key]
    assert result.rows_read == 15


def test_unreadable_referral_date_rejects_the_episode_and_what_is_under_it(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace("<CINreferralDate>2025-05-01<", "<CINreferralDate>2025-05-32<"))
    [problem] = errors(result)
    assert (problem.column, problem.value) == ("CINreferralDate", "2025-05-32")
    assert problem.message == "not a date that exists: this referral is not loaded; nor are the 9 records under it"
    assert Counter(row.table for row in result.rows) == {"person": 2, "disability": 2, "cin_episodes": 1}
    assert result.rows_read == 15


def test_a_bad_date_in_an_assessment_rejects_that_assessment_only(tmp_path):
    text = VALID_2026.replace("<AssessmentAuthorisationDate>2025-06-01<", "<AssessmentAuthorisationDate>June 2025<")
    result = read_text(tmp_path, text)
    [problem] = errors(result)
    assert (problem.column, problem.value, problem.row.split(",")[0]) == (
        "AssessmentAuthorisationDate",
        "June 2025",
        "LAchildID C1",
    )
    assert not rows_of(result, "cin_assessments")
    assert rows_of(result, "assessment_factors") and len(result.rows) == 14 and result.rows_read == 15


def test_an_unreadable_assessment_start_takes_its_factors_with_it(tmp_path):
    text = VALID_2026.replace("<AssessmentActualStartDate>2025-05-02<", "<AssessmentActualStartDate><")
    result = read_text(tmp_path, text)
    [problem] = errors(result)
    assert problem.message.startswith("missing: this assessment is not loaded; nor is the record under it")
    assert not rows_of(result, "cin_assessments") and not rows_of(result, "assessment_factors")
    assert result.rows_read == 15


def test_an_unknown_factor_is_left_out_of_the_factors_with_a_warning(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace(">24A<", ">RB<"))
    assert errors(result) == []
    [problem] = [p for p in result.problems if p.column == "AssessmentFactors"]
    assert (problem.value, problem.severity) == ("RB", "warning")
    assert problem.message.endswith("loaded as unknown")
    [factors] = rows_of(result, "assessment_factors")
    assert "RB" not in json.loads(factors.values["cinf_assessment_factors_json"])


@pytest.mark.parametrize(
    "old, new, column, table, canonical",
    [
        ("<PPOutcome>B<", "<PPOutcome>D<", "PPOutcome", "pre_proceedings", "prep_pre_pro_outcome"),
        ("<UPNunknown>UN1<", "<UPNunknown>UN9<", "UPNunknown", "person", "pers_upn_unknown"),
        ("<ReferralSource>5D<", "<ReferralSource>5Z<", "ReferralSource", "cin_episodes", "cine_referral_source_code"),
        (
            "<NumberOfPreviousCPP>0<",
            "<NumberOfPreviousCPP>two<",
            "NumberOfPreviousCPP",
            "cp_plans",
            "cppl_previous_cp_plans",
        ),
    ],
)
def test_an_unknown_code_loads_its_row_with_the_value_unknown(tmp_path, old, new, column, table, canonical):
    result = read_text(tmp_path, VALID_2026.replace(old, new, 1))
    assert errors(result) == []
    [problem] = [p for p in result.problems if p.column == column]
    assert problem.severity == "warning" and problem.message.endswith("loaded as unknown")
    assert problem.value == new.strip("<>").split(">")[1]
    assert len(result.rows) == 15
    assert None in [row.values[canonical] for row in rows_of(result, table)]


def test_a_rejected_person_keeps_their_episodes(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace("<PersonBirthDate>2015-06-01<", "<PersonBirthDate>2015-02-29<"))
    [problem] = errors(result)
    assert problem.message == "not a date that exists"
    assert [row.values["pers_person_id"] for row in rows_of(result, "person")] == ["C2"]
    assert len(rows_of(result, "cin_episodes")) == 2


@pytest.mark.parametrize(
    "old, new, column",
    [
        ("<UPN>", "<UPN>X", "UPN"),
        ("<ReferralNFA>false<", "<ReferralNFA>no<", "ReferralNFA"),
        ("<ReviewMeetingsCount>2<", "<ReviewMeetingsCount>two<", "ReviewMeetingsCount"),
        ("<Disability>AUT<", "<Disability><", "Disability"),
        ("<Disability>AUT<", "<Disability>XYZ<", "Disability"),  # a disability record is its code
        ("<CPPreviewDate>2025-09-01<", "<CPPreviewDate>01-09-2025<", "CPPreviewDate"),
    ],
)
def test_other_errors_reject_one_row(tmp_path, old, new, column):
    result = read_text(tmp_path, VALID_2026.replace(old, new, 1))
    [problem] = errors(result)
    assert problem.column == column
    assert len(result.rows) == 14 and result.rows_read == 15


def test_warnings_leave_the_row_loaded(tmp_path):
    text = VALID_2026.replace("<CINclosureDate>2026-02-20<", "<CINclosureDate>2025-04-01<")
    text = text.replace("<CPPstartDate>2025-06-10<", "<CPPstartDate>10/06/2025<")
    text = text.replace("<UPN>" + UPN, "<UPN>" + ("A" if UPN[0] != "A" else "B") + UPN[1:])
    text = text.replace("<CINPlanEndDate>2025-06-09<", "<CINPlanEndDate>2026-06-09<")
    text = text.replace("<ReferralSource>5D</ReferralSource>", "")
    result = read_text(tmp_path, text)
    assert errors(result) == []
    assert len(result.rows) == 15
    messages = {(p.column, p.message) for p in result.problems}
    assert ("CINclosureDate", "before CINreferralDate 2025-05-01") in messages
    assert ("UPN", "the UPN's check letter does not match the rest of it") in messages
    assert ("CINPlanEndDate", "after the census reference date 2026-03-31") in messages
    assert ("ReferralSource", "missing: the census requires ReferralSource") in messages
    assert any(column == "CPPstartDate" and "day/month/year" in message for column, message in messages)
    assert only(result, "cp_plans")["cppl_cp_plan_start_date"] == date(2025, 6, 10)


def test_a_repeated_child_is_read_once_and_a_conflicting_one_is_refused(tmp_path):
    tree = etree.fromstring(VALID_2026.encode())
    children = tree.find("Children")
    children.append(copy.deepcopy(children[0]))
    same = read_text(tmp_path, etree.tostring(tree, encoding="unicode"))
    assert errors(same) == []
    assert len(same.rows) == 15 and same.rows_read == 28
    assert any("a Child with this LAchildID was read at" in p.message for p in same.problems)
    assert any(p.message.startswith("repeats the cin_episodes record at LAchildID C1, line ") for p in same.problems)

    children[-1].find("ChildIdentifiers/PersonBirthDate").text = "2016-06-01"
    conflicting = read_text(tmp_path, etree.tostring(tree, encoding="unicode"))
    [problem] = errors(conflicting)
    assert problem.message.startswith("has the key of the person record at LAchildID C1, line ")
    persons = {row.values["pers_person_id"]: row.values["pers_dob"] for row in rows_of(conflicting, "person")}
    assert persons == {"C1": date(2015, 6, 1), "C2": None}


def test_odd_content_never_crashes(tmp_path):
    text = VALID_2026.replace(
        "<PrimaryNeedCode>N1</PrimaryNeedCode>",
        "<PrimaryNeedCode><!-- n -->N1</PrimaryNeedCode><Surprise>x</Surprise><Surprise/><?pi x?>",
    )
    text = text.replace("<ChildCharacteristics>", "<ChildCharacteristics>stray text<Extra><Deep>1</Deep></Extra>", 1)
    text = text.replace("<ICPCnotRequired>false</ICPCnotRequired>", "<ICPCnotRequired/>")
    text = text.replace("<PPOutcome>B</PPOutcome>", "<PPOutcome></PPOutcome><PPOutcome>C</PPOutcome>")
    result = read_text(tmp_path, text)
    assert errors(result) == []
    assert only(result, "pre_proceedings")["prep_pre_pro_outcome"] is None
    unexpected = [p for p in result.problems if p.message.startswith("unexpected element")]
    assert [(p.column, p.message.endswith("(2 times; the first is shown)")) for p in unexpected] == [
        ("Extra", False),
        ("Surprise", True),
    ]
    assert any(p.column == "PPOutcome" and "appears 2 times" in p.message for p in result.problems)


def test_namespaced_file_reads_the_same(tmp_path):
    text = VALID_2026.replace("<Message>", '<Message xmlns="http://www.example.org/cin">')
    result = read_text(tmp_path, text)
    assert result.problems == [] and len(result.rows) == 15


# ------------------------------------------------------------------ the header
def test_reference_date_is_authoritative_over_year(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace("<Year>2026</Year>", "<Year>2025</Year>"))
    assert result.scope == "cin_census:2026"
    [warning] = result.problems
    assert (warning.column, warning.severity) == ("Year", "warning")


def test_year_is_used_when_the_reference_date_is_unreadable(tmp_path):
    result = read_text(tmp_path, VALID_2026.replace("<ReferenceDate>2026-03-31<", "<ReferenceDate>soon<"))
    assert (result.scope, result.extract_date) == ("cin_census:2026", date(2026, 3, 31))
    assert [p.column for p in result.problems] == ["ReferenceDate"]


def test_a_reference_date_other_than_31_march(tmp_path):
    text = VALID_2026.replace("<ReferenceDate>2026-03-31<", "<ReferenceDate>2026-07-21<")
    result = read_text(tmp_path, text)
    assert (result.scope, result.extract_date) == ("cin_census:2026", date(2026, 7, 21))
    # and the file says it was made on 2 April, before that date
    assert [(p.column, p.severity) for p in result.problems] == [("ReferenceDate", "warning"), ("DateTime", "warning")]


@pytest.mark.parametrize(
    "text, message",
    [
        (VALID_2026.replace("<ReferenceDate>2026-03-31</ReferenceDate>", "").replace("<Year>2026</Year>", ""),
         "no collection year"),
        (VALID_2026.replace("<ReferenceDate>2026-03-31<", "<ReferenceDate><").replace(">2026</Year>", ">0000</Year>"),
         "no collection year"),
        (VALID_2026.replace("Message>", "Census>"), "not a CIN census file"),
        (VALID_2026.replace("</Children>", ""), "census.xml"),
    ],
)  # fmt: skip
def test_files_that_are_not_a_census_are_refused(tmp_path, text, message):
    with pytest.raises(IngestError, match=message):
        read_text(tmp_path, text)


def test_a_census_without_children_is_an_error(tmp_path):
    result = read_text(tmp_path, re.sub(r"<Children>.*</Children>", "<Children/>", VALID_2026, flags=re.S))
    assert [(p.column, p.severity) for p in result.problems] == [("Children", "error")]
    assert result.rows == [] and result.rows_read == 0


def test_file_label_names_the_file(tmp_path):
    result = read_cin_census(write(tmp_path, VALID_2026.replace(">RC9<", ">RC99<")), file_label="upload 7")
    assert [p.file for p in result.problems] == ["upload 7"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("2024-03-31Z", date(2024, 3, 31)),
        ("2024-03-31+01:00", date(2024, 3, 31)),
        ("31/03/2024", date(2024, 3, 31)),
        ("2024-02-30", None),
        ("1066-04-13", None),
        ("2024-3-31", None),
        ("２０２４-０３-３１", None),
        ("2024-03-31T00:00:00", None),
    ],
)
def test_census_dates(text, expected):
    assert parse_census_date(text).value == expected


# ------------------------------------------------------------------ DfE-format samples
def sample(name: str) -> Path:
    path = SAMPLES / name
    assert path.exists(), f"the sample is missing: {path}"
    return path


def test_every_sample_reads():
    files = sorted(SAMPLES.glob("*.xml"))
    assert len(files) >= 4, f"no samples in {SAMPLES}"
    for path in files:
        result = read_cin_census(path)
        assert result.scope.startswith("cin_census:") and result.rows
        assert_rows_fit_the_model(result)
        assert all(p.file == path.name for p in result.problems)


def test_2024_and_2026_samples_report_their_deliberate_faults():
    for name in ("CIN_Census_2024.xml", "CIN_Census_2026.xml"):
        result = read_cin_census(sample(name))
        # the header says Year 2023, ReferenceDate 2024-03-31: the ReferenceDate wins
        assert (result.scope, result.extract_date) == ("cin_census:2024", date(2024, 3, 31))
        assert [p.severity for p in problems(result, column="Year")] == ["warning"]
        # the child with <Sex>M</Sex>: M is a sex code only from 2025, so their sex is loaded as unknown
        [sex] = [p for p in problems(result, "warning", "Sex") if p.message.endswith("loaded as unknown")]
        assert (sex.value, sex.row.split(",")[0]) == ("M", "LAchildID child_fails_assessments")
        people = {row.values["pers_person_id"]: row.values for row in rows_of(result, "person")}
        assert people.keys() == {"DfEX0000001", "child_fails_assessments"}
        assert people["child_fails_assessments"]["pers_sex"] is None
        # <Sex>1</Sex> (a GenderCurrent code under the 2025 name) is read as M with a warning
        assert people["DfEX0000001"]["pers_sex"] == "M" and people["DfEX0000001"]["pers_gender"] == "1"
        # RB is no assessment factor: it is left out of the factors with a warning, the others load
        [factor] = problems(result, "warning", "AssessmentFactors")
        assert factor.value == "RB"
        assert not [
            row
            for row in rows_of(result, "assessment_factors")
            if "DfEX0000001" in row.source_record_key and "RB" in row.values["cinf_assessment_factors_json"]
        ]
        # an assessment starting 2028-04-28, authorised 2020: real dates, so warnings; the row loads
        started = problems(result, "warning", "AssessmentActualStartDate")
        assert {p.message for p in started if p.value == "2028-04-28"} == {"after the census reference date 2024-03-31"}
        assert [p.message for p in problems(result, "warning", "AssessmentAuthorisationDate")] == [
            "before AssessmentActualStartDate 2028-04-28"
        ]
        starts = {row.values["cina_assessment_start_date"] for row in rows_of(result, "cin_assessments")}
        assert date(2028, 4, 28) in starts
        # the other child's referral is after the reference date, and its LAchildID is too long
        late = problems(result, "warning", "CINreferralDate")
        assert [p.row.split(",")[0] for p in late] == ["LAchildID child_fails_assessments"]
        assert problems(result, "warning", "LAchildID")
        assert errors(result) == []


def test_2026_sample_reads_pre_proceedings():
    result = read_cin_census(sample("CIN_Census_2026.xml"))
    assert only(result, "pre_proceedings") == {
        "prep_table_id": "DfEX0000001:2022-10-06:pre_proceedings:2026-09-09",
        "prep_person_id": "DfEX0000001",
        "prep_plo_family_id": "DfEX0000001:2022-10-06:pre_proceedings:2026-09-09",
        "prep_pre_pro_decision_date": date(2026, 9, 9), "prep_initial_pre_pro_meeting_date": date(2026, 9, 28),
        "prep_pre_pro_outcome": "A", "prep_agree_stepdown_issue_date": date(2026, 12, 1),
        "prep_pre_pro_letter_date": date(2026, 9, 20), "prep_care_pro_letter_date": date(2027, 2, 5),
        "prep_pre_pro_meetings_num": 3,
    }  # fmt: skip
    # read as the 2024 census (its ReferenceDate), which had no such module
    assert problems(result, "warning", "PreProceedingsandFGDM")


def test_2021_sample_refuses_an_impossible_expected_birth_date():
    result = read_cin_census(sample("CIN_Census_2021.xml"))
    assert result.scope == "cin_census:2023"  # its ReferenceDate is 2023-03-31
    [problem] = errors(result)
    assert (problem.column, problem.value) == ("ExpectedPersonBirthDate", "1066-04-13")
    assert not rows_of(result, "person")
    # two conferences: the Section47's and the referral's own, on different dates
    assert len(rows_of(result, "initial_cp_conference")) == 2


def test_the_332_child_sample_maps_gender_current():
    path = sample("fake_CIN_data.xml")
    tree = etree.parse(str(path))
    result = read_cin_census(path)
    assert (result.scope, result.extract_date) == ("cin_census:2022", date(2022, 7, 21))
    assert errors(result) == []
    persons = rows_of(result, "person")
    assert len(persons) == len(tree.findall("Children/Child")) == 332
    genders = Counter(tree.findtext(f"Children/Child[{n}]/ChildIdentifiers/GenderCurrent") for n in range(1, 333))
    assert Counter(row.values["pers_gender"] for row in persons) == genders
    expected = {"1": "M", "2": "F", "0": "U", "9": "U"}
    assert all(row.values["pers_sex"] == expected[row.values["pers_gender"]] for row in persons)
    assert len(rows_of(result, "cin_episodes")) == len(tree.findall(".//CINdetails")) == 402


# ------------------------------------------------------------------ the synthetic authority, round trip
@pytest.fixture(scope="module")
def synthetic_2026(tiny_authority) -> dict[int, Path]:
    assert tiny_authority.as_at == date(2026, 3, 31)
    census = tiny_authority.extracts / "social_care" / "cin_census"
    return {int(p.stem[-4:]): p for p in sorted(census.glob("CIN_Census_*.xml"))}


@pytest.fixture(scope="module")
def synthetic_2019(tmp_path_factory) -> dict[int, Path]:
    out = tmp_path_factory.mktemp("synth-2019")
    census = generate("tiny", 4, date(2019, 3, 31), out).extracts / "social_care" / "cin_census"
    return {int(p.stem[-4:]): p for p in sorted(census.glob("CIN_Census_*.xml"))}


def census_facts(path: Path) -> dict[str, object]:
    """What the census XML itself says, counted independently of the reader."""
    tree = etree.parse(str(path))
    facts: dict[str, object] = Counter()
    plans, conferences = set(), set()
    for child in tree.iterfind("Children/Child"):
        child_id = child.findtext("ChildIdentifiers/LAchildID")
        facts["disability"] += sum(d.text != "NONE" for d in child.iterfind(".//Disability"))
        for details in child.iterfind("CINdetails"):
            referred = details.findtext("CINreferralDate")
            for held in details.iterfind("DateOfInitialCPC"):
                conferences.add((child_id, referred, held.text))
            for held in details.iterfind("Section47/DateOfInitialCPC"):
                conferences.add((child_id, referred, held.text))
            for start in details.iterfind("ChildProtectionPlans/CPPstartDate"):
                plans.add((child_id, referred, start.text))
    facts["person"] = len({e.text for e in tree.iterfind("Children/Child/ChildIdentifiers/LAchildID")})
    facts["children"] = len(tree.findall("Children/Child"))
    for table, path_ in [
        ("cin_episodes", ".//CINdetails"), ("cin_assessments", ".//Assessments"),
        ("assessment_factors", ".//FactorsIdentifiedAtAssessment"), ("cin_plans", ".//CINPlanDates"),
        ("s47_enquiry", ".//Section47"), ("cp_plans", ".//ChildProtectionPlans"), ("cp_reviews", ".//CPPreviewDate"),
    ]:  # fmt: skip
        facts[table] = len(tree.findall(path_))
    facts["initial_cp_conference"] = len(conferences)
    facts["plans"] = plans
    return facts


def test_synthetic_census_round_trip(synthetic_2026):
    assert sorted(synthetic_2026) == [2024, 2025, 2026]
    truth = synthetic_2026[2026].parents[3] / "truth.csv"
    with truth.open(newline="") as handle:
        social_care_ids = {row["source_record_id"] for row in csv.DictReader(handle) if row["source"] == "social_care"}
    for year, path in synthetic_2026.items():
        result = read_cin_census(path)
        facts = census_facts(path)
        assert result.scope == f"cin_census:{year}"
        assert result.problems == [], [str(p) for p in result.problems[:5]]
        counts = Counter(row.table for row in result.rows)
        assert facts["person"] == facts["children"] == counts["person"]
        for table in CANONICAL_COLUMNS:
            if table not in ("person", "pre_proceedings"):
                assert counts[table] == facts[table], table
        assert result.rows_read == len(result.rows)
        loaded_plans = {
            (row.values["cppl_person_id"], row.values["cppl_referral_id"].split(":")[1],
             row.values["cppl_cp_plan_start_date"].isoformat())
            for row in rows_of(result, "cp_plans")
        }  # fmt: skip
        assert loaded_plans == facts["plans"]
        # every child is a social-care record of the generator's ground truth, with its sex
        persons = rows_of(result, "person")
        assert {row.values["pers_person_id"] for row in persons} <= social_care_ids
        assert {row.values["pers_sex"] for row in persons} <= {"M", "F", "U"}
        # Sex from 2025 (no gender kept); GenderCurrent before, kept raw
        assert all((row.values["pers_gender"] is None) == (year >= 2025) for row in persons)
        assert_rows_fit_the_model(result)


def test_the_same_fact_keeps_its_key_from_year_to_year(synthetic_2026):
    def referrals_in(path: Path) -> set[str]:
        tree = etree.parse(str(path))
        return {
            f"{child.findtext('ChildIdentifiers/LAchildID')}|{details.findtext('CINreferralDate')}"
            for child in tree.iterfind("Children/Child")
            for details in child.iterfind("CINdetails")
        }

    keys = {}
    for year, path in synthetic_2026.items():
        rows = read_cin_census(path).rows
        keys[year] = {
            table: {row.source_record_key for row in rows if row.table == table} for table in CANONICAL_COLUMNS
        }
    both = referrals_in(synthetic_2026[2025]) & referrals_in(synthetic_2026[2026])
    assert both, "no referral open across the two years"
    assert keys[2025]["cin_episodes"] & keys[2026]["cin_episodes"] == both
    assert keys[2025]["person"] & keys[2026]["person"]


def test_2017_era_files_map_gender_current(synthetic_2019):
    assert sorted(synthetic_2019) == [2017, 2018, 2019]
    for year, path in synthetic_2019.items():
        result = read_cin_census(path)
        assert result.scope == f"cin_census:{year}"
        assert result.problems == [], [str(p) for p in result.problems[:5]]
        tree = etree.parse(str(path))
        genders = [e.text for e in tree.iterfind("Children/Child/ChildIdentifiers/GenderCurrent")]
        persons = rows_of(result, "person")
        assert genders and len(persons) == len(genders)
        assert Counter(row.values["pers_gender"] for row in persons) == Counter(genders)
        assert {(row.values["pers_gender"], row.values["pers_sex"]) for row in persons} <= {
            ("1", "M"),
            ("2", "F"),
            ("0", "U"),
            ("9", "U"),
        }
        assert not rows_of(result, "cin_plans")  # the module came in 2022
        assert_rows_fit_the_model(result)


def test_planted_errors_are_reported(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-dq")
    generate("tiny", 6, date(2026, 3, 31), out, dq_errors=len(KINDS))
    with (out / "dq_errors.csv").open(newline="") as handle:
        planted = [row for row in csv.DictReader(handle) if row["file"].endswith(".xml")]
    assert {row["kind"] for row in planted} == {"cin_closure_before_referral", "cin_unknown_referral_source"}
    for row in planted:
        result = read_cin_census(out / row["file"])
        found = [
            p
            for p in problems(result, "warning", row["field"])
            if p.value == row["value_after"] and p.row.startswith(row["row"] + ",")
        ]
        assert found, f"{row['kind']} at {row['row']} was not reported"


# ------------------------------------------------------------------ mutations never crash
MUTABLE = [
    element
    for element in etree.fromstring(VALID_2026.encode()).iter()
    if element.tag not in ("Message", "Header", "CollectionDetails", "Year")
]
ODD_TEXTS = [
    "", " ", "2024-02-30", "31/12/2025", "2025-13-01", "0001-01-01", "9999-12-31", "1066-04-13", "not a date",
    "N4", "RC9", "ZZ", "true", "maybe", "-1", "1e9", "２０２５-０１-０１", "2025-05-01T10:00:00", " 2025-05-01 ",
    "M", "1", "<", "&amp;", "x" * 3000, "C1", "2025-06-10",
]  # fmt: skip
mutation = st.one_of(
    st.tuples(
        st.just("text"),
        st.integers(0, len(MUTABLE) - 1),
        st.one_of(
            st.sampled_from(ODD_TEXTS),
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
        ),
    ),
    st.tuples(st.sampled_from(["delete", "duplicate", "unexpected"]), st.integers(0, len(MUTABLE) - 1), st.none()),
)


def mutate(actions) -> str:
    tree = etree.fromstring(VALID_2026.encode())
    elements = [e for e in tree.iter() if e.tag not in ("Message", "Header", "CollectionDetails", "Year")]
    for action, index, text in actions:
        element = elements[index]
        parent = element.getparent()
        if action == "text":
            element.text = text
        elif parent is None:
            continue
        elif action == "delete":
            parent.remove(element)
        elif action == "duplicate":
            parent.insert(parent.index(element), copy.deepcopy(element))
        else:
            etree.SubElement(element, "Unexpected").text = "2025-01-01"
    return etree.tostring(tree, encoding="unicode")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=5))
def test_mutated_files_never_crash_nor_load_an_unreadable_date(actions):
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), mutate(actions))
        result = read_cin_census(path, file_label="mutant")
    assert isinstance(result, ReadResult)
    assert re.fullmatch(r"cin_census:[0-9]{4}", result.scope)
    assert_rows_fit_the_model(result)
    assert all(p.file == "mutant" for p in result.problems)
    for row in result.rows:
        for column, value in row.values.items():
            if SCHEMA[row.table][column][0] == "DATE" and value is not None:
                # the loaded date is what the raw text says, read as a census date
                assert any(parse_census_date(raw.strip() or None).value == value for raw in row.raw.values())
