"""Annex A: the templates as versioned data, and the tolerant reader of authorities' workbooks."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childhub.annex_a import AnnexATemplateError, load_templates, template, version_for, versions
from childhub.annex_a.templates import TEMPLATE_DIR
from childhub.ingest.annex_a_reader import AnnexARead, AnnexARow, read_annex_a
from childhub.ingest.model import Problem

# --- templates -----------------------------------------------------------------------------


def test_versions_load_oldest_first_and_latest_is_default():
    assert versions() == ["2020", "2023", "2026"]
    assert template().version == "2026"
    assert template("2020").version == "2020"


@pytest.mark.parametrize("version", ["2020", "2023", "2026"])
def test_each_version_has_the_eleven_lists_in_order(version):
    annex_a = template(version)
    assert [annex_list.number for annex_list in annex_a.lists] == list(range(1, 12))
    assert annex_a.get_list(1).sheet_name == "List 1 - Contacts"
    assert annex_a.get_list(1).column_ids == (
        "child_unique_id",
        "gender",
        "ethnicity",
        "date_of_birth",
        "age_of_child",
        "date_of_contact",
        "contact_source",
    )
    for annex_list in annex_a.lists:
        for column in annex_list.columns:
            assert (column.type == "code") == (column.code_set is not None)
            if column.code_set:
                assert column.code_set in annex_a.code_sets


def test_2026_heads_the_gender_column_sex_in_every_list():
    for annex_list in template("2026").lists:
        assert annex_list.column("gender").header == "Sex"
    for version in ("2020", "2023"):
        assert {item.column("gender").header for item in template(version).lists} == {"Gender"}


def test_2023_adds_four_care_leaver_columns():
    before = template("2020").get_list(9).column_ids
    after = template("2023").get_list(9).column_ids
    assert len(before) == 13 and len(after) == 17
    assert [column_id for column_id in after if column_id not in before] == [
        "uasc_or_former_uasc",
        "allocated_personal_advisor",
        "latest_pathway_plan_review_date",
        "latest_date_of_contact",
    ]
    assert template("2023").get_list(9).column("uasc_or_former_uasc").header == (
        "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)"
    )


def test_exact_headers_and_code_sets_are_data():
    list_5 = template("2023").get_list(5)
    assert list_5.column("icpc_unnecessary").header == "Was an Initial Child Protection Conference deemed unnecessary?"
    assert list_5.column("icpc_unnecessary").code_set == "yes_no_unknown"
    gender = template().code_set("gender")
    assert gender.labels == {"a": "Male", "b": "Female", "c": "Not stated/recorded", "d": "Neither"}
    assert template().code_set("primary_need").labels["N9"] == "Cases other than children in need"
    assert template().code_set("reason_for_closure").lookup("rc8") == "RC8"
    assert template().code_set("ethnicity").lookup("a) WBRI") == "WBRI"


@pytest.mark.parametrize(
    ("day", "version"),
    [(date(2021, 6, 1), "2020"), (date(2023, 1, 1), "2023"), (date(2025, 12, 31), "2023"), (date(2026, 1, 1), "2026")],
)
def test_version_for_a_date(day, version):
    assert version_for(day) == version


def test_no_template_before_the_first_or_for_an_unknown_version():
    with pytest.raises(AnnexATemplateError, match="earliest applies from 2020-01-01"):
        version_for(date(2019, 12, 31))
    with pytest.raises(AnnexATemplateError, match="versions are 2020, 2023, 2026"):
        template("2019")


def test_a_broken_definition_fails_at_load_naming_every_problem(tmp_path):
    for source in TEMPLATE_DIR.glob("*.yml"):
        shutil.copy(source, tmp_path / source.name)
    columns = tmp_path / "columns.yml"
    columns.write_text(columns.read_text().replace("code_set: primary_need", "code_set: primary_needs", 1))
    version_2023 = tmp_path / "annex_a_2023.yml"
    text = version_2023.read_text()
    text = text.replace(
        '      - {id: date_of_contact, header: "Date of Contact"}\n',
        '      - {id: date_of_contact, header: "Date of Contact"}\n      - {id: gender, header: "Gender"}\n',
    )
    text = text[: text.index("  - number: 11")]  # List 11 gone
    version_2023.write_text(text)

    with pytest.raises(AnnexATemplateError) as raised:
        load_templates(tmp_path)
    message = str(raised.value)
    assert "columns.yml: primary_need.code_set: unknown code set id 'primary_needs'" in message
    assert "annex_a_2023.yml: lists.0.columns.6.id: duplicate column id 'gender' in List 1" in message
    assert "annex_a_2023.yml: lists: List 11 is missing" in message


# --- reading a workbook --------------------------------------------------------------------

REFERRAL_HEADERS = [
    "child unique ID",
    "GENDER",
    "  Ethnicity ",
    "Date Of Birth",
    "Age of child (years)",
    "DATE OF REFERRAL",
    "Referral-Source",
    "Referral NFA",
    "Number of referrals in last 12 months",
    "Allocated Team",
    "Alocated Worker",
    "Notes",
]
REFERRAL_ROWS = [
    [
        "C001",
        "a) Male",
        "WBRI - White British",
        datetime(2015, 3, 1),
        9,
        "05/01/2024",
        "a) 1A: Individual",
        "Yes",
        0,
        "Front Door",
        "Sam Smith",
        "first",
    ],
    [
        1002,
        "Female",
        "White and Black Caribbean",
        "2012-07-14",
        "11",
        datetime(2024, 1, 20),
        "Police",
        "N",
        2.0,
        "Front Door",
        None,
        None,
    ],
    [
        "C003",
        "1 - Male",
        "a) WBRI",
        "14-02-2010",
        13,
        "31/02/2024",
        "Martian",
        "b) No",
        "1",
        "Team B",
        "Jo Bloggs",
        None,
    ],
    [None, "M", "REFU", None, None, "2024-02-01", "6", "Y", 0, "Team B", "Jo Bloggs", None],
]

CARE_LEAVER_HEADERS_2020 = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Allocated Team",
    "Allocated Worker",
    "Eligibility Category",
    "LA in Touch",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
]


def messy_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Cover"
    cover.append(["Annex A return for Ofsted"])
    cover.append(["Prepared by the performance team"])

    referrals = workbook.create_sheet("L3 Referrals")
    referrals.append(["Annex A - List 3: Referrals"])  # a title row, then a blank one
    referrals.append([])
    referrals.append(REFERRAL_HEADERS)
    for row in REFERRAL_ROWS:
        referrals.append(row)
    referrals.append([])

    contacts = workbook.create_sheet("Sheet3")  # no list in the name: known by its headers
    contacts.append(["ChildUniqueID", "Sex", "Ethnicity", "DOB", "Date of Contact", "Contact Source"])
    contacts.append(
        ["K1", "b) Female", "Any other ethnic group", "2019-05-05", datetime(2024, 2, 29), "g) 3A: Health services"]
    )
    contacts.append(["K2", "c) Not stated/recorded", "Refused", date(2020, 1, 2), "29.02.2024", "5D - early help"])

    care_leavers = workbook.create_sheet("list_9")  # the 2020 layout
    care_leavers.append(CARE_LEAVER_HEADERS_2020)
    care_leavers.append(
        [
            "CL1",
            "Male",
            "BAFR",
            "01/09/2005",
            18,
            "No",
            "Leaving Care",
            "Alex Jones",
            "Former relevant",
            "a) Yes",
            "D1",
            "Suitable",
            "F2: Full time in education other than higher",
        ]
    )

    notes = workbook.create_sheet("Lookups")
    notes.append(["foo", "bar"])
    notes.append([1, 2])
    workbook.save(path)
    return path


@pytest.fixture
def messy(tmp_path):
    path = messy_workbook(tmp_path / "annex_a_march.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    yield read_annex_a(path, workbook)
    workbook.close()


def test_messy_referrals_read_into_normalised_rows(messy):
    referrals = messy.get(3)
    assert (referrals.sheet_name, referrals.list_id, referrals.version, referrals.header_row) == (
        "L3 Referrals",
        "referrals",
        "2023",
        3,
    )
    assert referrals.rows == [
        AnnexARow(
            4,
            {
                "child_unique_id": "C001",
                "gender": "a",
                "ethnicity": "WBRI",
                "date_of_birth": date(2015, 3, 1),
                "age_of_child": 9,
                "date_of_referral": date(2024, 1, 5),
                "referral_source": "1A",
                "referral_nfa": "Y",
                "referrals_in_last_12_months": 0,
                "allocated_team": "Front Door",
                "allocated_worker": "Sam Smith",
            },
        ),
        AnnexARow(
            5,
            {
                "child_unique_id": "1002",
                "gender": "b",
                "ethnicity": "MWBC",
                "date_of_birth": date(2012, 7, 14),
                "age_of_child": 11,
                "date_of_referral": date(2024, 1, 20),
                "referral_source": "6",
                "referral_nfa": "N",
                "referrals_in_last_12_months": 2,
                "allocated_team": "Front Door",
                "allocated_worker": None,
            },
        ),
        AnnexARow(
            6,
            {
                "child_unique_id": "C003",
                "gender": "a",
                "ethnicity": "WBRI",
                "date_of_birth": date(2010, 2, 14),
                "age_of_child": 13,
                "date_of_referral": None,
                "referral_source": None,
                "referral_nfa": "N",
                "referrals_in_last_12_months": 1,
                "allocated_team": "Team B",
                "allocated_worker": "Jo Bloggs",
            },
        ),
        AnnexARow(
            7,
            {
                "child_unique_id": None,
                "gender": "a",
                "ethnicity": "REFU",
                "date_of_birth": None,
                "age_of_child": None,
                "date_of_referral": date(2024, 2, 1),
                "referral_source": "6",
                "referral_nfa": "Y",
                "referrals_in_last_12_months": 0,
                "allocated_team": "Team B",
                "allocated_worker": "Jo Bloggs",
            },
        ),
    ]
    assert referrals.headers["gender"] == "GENDER"
    assert referrals.headers["allocated_worker"] == "Alocated Worker"
    assert referrals.unmatched_headers == ["Notes"]
    assert referrals.missing_columns == []


def test_messy_referrals_problems_name_file_row_column_and_value(messy):
    on_sheet = "on sheet 'L3 Referrals'"
    assert messy.get(3).problems == [
        Problem(
            "annex_a_march.xlsx",
            "3",
            "Alocated Worker",
            None,
            f"read as 'Allocated Worker' (a close match, 0.97) {on_sheet}",
            "warning",
        ),
        Problem(
            "annex_a_march.xlsx", "3", "Notes", None, f"header not recognised as a List 3 column {on_sheet}", "warning"
        ),
        Problem("annex_a_march.xlsx", "6", "DATE OF REFERRAL", "31/02/2024", f"not a real date {on_sheet}"),
        Problem(
            "annex_a_march.xlsx",
            "6",
            "Referral-Source",
            "Martian",
            f"unknown referral source code {on_sheet}: loaded as unknown",
            "warning",
        ),
        Problem("annex_a_march.xlsx", "7", "child unique ID", None, f"Child Unique ID is missing {on_sheet}"),
    ]


def test_a_list_known_only_by_its_headers_and_its_missing_column(messy):
    contacts = messy.get(1)
    assert (contacts.sheet_name, contacts.version, contacts.header_row) == ("Sheet3", "2026", 1)
    assert contacts.missing_columns == ["age_of_child"]
    assert [row.values for row in contacts.rows] == [
        {
            "child_unique_id": "K1",
            "gender": "b",
            "ethnicity": "OOTH",
            "date_of_birth": date(2019, 5, 5),
            "age_of_child": None,
            "date_of_contact": date(2024, 2, 29),
            "contact_source": "3A",
        },
        {
            "child_unique_id": "K2",
            "gender": "c",
            "ethnicity": "REFU",
            "date_of_birth": date(2020, 1, 2),
            "age_of_child": None,
            "date_of_contact": date(2024, 2, 29),
            "contact_source": "5D",
        },
    ]
    assert contacts.problems == [
        Problem(
            "annex_a_march.xlsx",
            "1",
            "Age of Child (Years)",
            None,
            "expected column missing on sheet 'Sheet3'",
            "warning",
        ),
    ]


def test_a_2020_care_leavers_sheet_is_read_as_2020(messy):
    care_leavers = messy.get(9)
    assert (care_leavers.version, care_leavers.missing_columns, care_leavers.problems) == ("2020", [], [])
    assert care_leavers.rows[0].values == {
        "child_unique_id": "CL1",
        "gender": "a",
        "ethnicity": "BAFR",
        "date_of_birth": date(2005, 9, 1),
        "age_of_child": 18,
        "disability": "N",
        "allocated_team": "Leaving Care",
        "allocated_worker": "Alex Jones",
        "eligibility_category": "b",
        "la_in_touch": "YES",
        "accommodation_type": "D",
        "accommodation_suitability": "a",
        "activity_status": "F2",
    }


def test_sheets_it_cannot_recognise_are_warnings(messy):
    assert [item.number for item in messy.lists] == [3, 1, 9]
    assert messy.problems == [
        Problem(
            "annex_a_march.xlsx",
            None,
            None,
            "Cover",
            "sheet 'Cover' is not recognisable as an Annex A list; skipped",
            "warning",
        ),
        Problem(
            "annex_a_march.xlsx",
            None,
            None,
            "Lookups",
            "sheet 'Lookups' is not recognisable as an Annex A list; skipped",
            "warning",
        ),
    ]
    assert all(problem.severity == "warning" for problem in messy.problems)


def read_one_sheet(tmp_path: Path, name: str, rows: list[list]) -> AnnexARead:
    path = tmp_path / "one.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = name
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    with_data = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return read_annex_a(path, with_data)
    finally:
        with_data.close()


@pytest.mark.parametrize(
    ("cell", "gender"),
    [
        ("a) Male", "a"),
        ("M", "a"),
        ("male", "a"),
        ("1 - Male", "a"),
        (1, "a"),
        ("F", "b"),
        ("2", "b"),
        ("Not known", "c"),
        ("0", "c"),
        ("d) Neither", "d"),
        ("Non-binary", "d"),
    ],
)
def test_gender_spellings(tmp_path, cell, gender):
    read = read_one_sheet(tmp_path, "List 1", [["Child Unique ID", "Sex", "Date of Contact"], ["X", cell, None]])
    assert read.get(1).rows[0].values["gender"] == gender
    assert read.get(1).problems[-1].message == "expected column missing on sheet 'List 1'"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2024, 3, 1, 13, 5), date(2024, 3, 1)),
        ("2024-03-01", date(2024, 3, 1)),
        ("01/03/2024", date(2024, 3, 1)),
        ("1-3-2024", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
        ("1 Mar 2024", date(2024, 3, 1)),
        (45352, date(2024, 3, 1)),
    ],
)
def test_date_spellings(tmp_path, cell, expected):
    read = read_one_sheet(tmp_path, "L1", [["Child Unique ID", "Gender", "Date of Contact"], ["X", "M", cell]])
    assert read.get(1).rows[0].values["date_of_contact"] == expected


@pytest.mark.parametrize(
    ("cell", "answer"),
    [
        ("Y", True),
        ("Yes", True),
        (True, True),
        ("TRUE", True),
        (1, True),
        ("a) Yes", True),
        ("N", False),
        ("no", False),
        (False, False),
        (0, False),
        ("Unknown", None),
    ],
)
def test_yes_no_spellings(tmp_path, cell, answer):
    read = read_one_sheet(
        tmp_path,
        "List 8",
        [
            ["Child Unique ID", "Date Started to be Looked After", "UASC within the last 12 months (Y/N)"],
            ["X", "2024-01-01", cell],
        ],
    )
    list_8 = read.get(8)
    assert list_8.headers["uasc_in_last_12_months"] == "UASC within the last 12 months (Y/N)"
    assert list_8.rows[0].values["uasc_in_last_12_months"] is answer
    assert not [problem for problem in list_8.problems if problem.severity == "error"]


def test_a_code_naming_two_codes_is_loaded_as_unknown_with_a_warning(tmp_path):
    read = read_one_sheet(tmp_path, "List 1", [["Child Unique ID", "Gender"], ["X", "a) Female"]])
    assert read.get(1).rows[0].values["gender"] is None
    assert [problem for problem in read.get(1).problems if problem.row == "2"] == [
        Problem(
            "one.xlsx",
            "2",
            "Gender",
            "a) Female",
            "names more than one gender code (a, b) on sheet 'List 1': loaded as unknown",
            "warning",
        )
    ]


# --- never crashing ------------------------------------------------------------------------

LIST_1_HEADERS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Date of Contact",
    "Contact Source",
]

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=30),
    st.sampled_from(["#N/A", "#REF!", "=1+1", "31/02/2024", "a) Male", "(x)", "[", "a) b) c)", "- - -", " ", "0.5"]),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2099, 12, 31)),
    st.times(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell_values, min_size=0, max_size=9), min_size=0, max_size=8))
def test_random_cells_in_a_recognised_sheet_never_raise(tmp_path, rows):
    read = read_one_sheet(tmp_path, "List 1 - Contacts", [LIST_1_HEADERS, *rows])
    contacts = read.get(1)
    assert contacts is not None
    for row in contacts.rows:
        assert set(row.values) == set(template().get_list(1).column_ids)
        assert row.values["date_of_contact"] is None or isinstance(row.values["date_of_contact"], date)
        assert row.values["age_of_child"] is None or isinstance(row.values["age_of_child"], int)
    for problem in contacts.problems:
        assert problem.file == "one.xlsx" and problem.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(cell_values, min_size=0, max_size=12), first=cell_values)
def test_random_headers_never_raise(tmp_path, header, first):
    read = read_one_sheet(tmp_path, "Sheet1", [header, [first, time(1, 2)]])
    assert read.file == "one.xlsx"


def test_an_annex_a_workbook_loads_list_by_list(tmp_path):
    from childhub.hub import ingest
    from childhub.store import Store

    path = messy_workbook(tmp_path / "annex_a.xlsx")
    store = Store(tmp_path / "store")
    [report] = ingest(store, [path])
    assert report.status == "loaded" and report.kind == "annex_a", report.message
    assert report.rows_loaded > 0 and report.problems
    with store.reader() as conn:
        referrals = conn.execute("SELECT count(*) FROM cin_episodes").fetchone()[0]
        people = conn.execute("SELECT count(DISTINCT pers_person_id) FROM person").fetchone()[0]
    assert referrals > 0 and people > 0
    [again] = ingest(store, [path])
    assert again.status == "unchanged"
