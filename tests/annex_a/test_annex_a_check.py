"""Annex A checked before it leaves: each check on hand-built rows, then on a store, the workbook and the CLI.

The inspection (as-at) date is 30 November 2026 throughout. Rows are built cell by cell as the sheets
hold them (the 2026 template's drop-down texts); every mandatory cell of a row is filled with a valid
value unless a test says otherwise, so each test sees only the finding it plants.
"""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pytest

from childhub.annex_a import template
from childhub.annex_a.check import CHECK_CSV_HEADERS, AnnexAChecker, check_lists, is_proxy_date
from childhub.annex_a.export import AnnexAExportError, refuse_future_date, write_annex_a
from childhub.audit import events
from helpers import run

AS_AT = date(2026, 11, 30)
ANNEX = template("2026")
FILLER = {"date": date(2026, 1, 5), "integer": 0, "yes_no": "N", "text": "x"}
FILLER_CODES = {"case_status": "c) Child in need plan"}  # a case status no other list contradicts


def row(number: int, child: str, dob: date | None, **cells) -> tuple:
    """One row of List ``number`` for ``child``: mandatory cells valid unless given, the age from ``dob``."""
    from childhub.calendar import age_on

    annex_list = ANNEX.get_list(number)
    filled = {}
    for column in annex_list.columns:
        if column.id not in annex_list.checks.mandatory:
            continue
        if column.id in FILLER_CODES:
            filled[column.id] = FILLER_CODES[column.id]
        elif column.type == "code":
            first = ANNEX.code_set(column.code_set).codes[0]
            filled[column.id] = first.template_value or first.code
        else:
            filled[column.id] = FILLER[column.type]
    filled.update(child_unique_id=child, date_of_birth=dob, age_of_child=age_on(dob, AS_AT) if dob else None)
    filled.update(cells)
    return tuple(filled.get(column_id) for column_id in annex_list.column_ids)


def check(*lists: tuple[int, list[tuple]]):
    return check_lists(ANNEX, AS_AT, [(ANNEX.get_list(number), rows) for number, rows in lists])


def found(report) -> set[tuple]:
    """(list, sheet row, column id, check, child) of every finding."""
    return {(f.list_number, f.row, f.column_id, f.check, f.child_id) for f in report.findings}


def test_a_clean_row_has_no_findings():
    assert check((9, [row(9, "A", date(2006, 1, 1))])).findings == ()


# --- values outside the drop-down lists ------------------------------------------------------


def test_care_leaver_activity_written_as_0_is_not_a_drop_down_value():
    # The new user's trial: three care leavers' activity written as "0". F2's text is a choice.
    rows = [
        row(9, "CL1", date(2006, 1, 1), activity_status="0"),
        row(9, "CL2", date(2006, 1, 1), activity_status="F2: Full time in education other than higher"),
        row(9, "CL3", date(2006, 1, 1), activity_status="0"),
    ]
    report = check((9, rows))
    assert found(report) == {
        (9, 2, "activity_status", "not_in_drop_down", "CL1"),
        (9, 4, "activity_status", "not_in_drop_down", "CL3"),
    }
    assert report.findings[0].message == "'0' is not one of the template's choices for Activity Status"


def test_a_yes_no_column_takes_only_y_or_n_and_numbers_and_dates_their_type():
    rows = [row(8, "C1", date(2015, 1, 1), uasc_in_last_12_months="Maybe", placements_in_last_12_months="two")]
    assert found(check((8, rows))) == {
        (8, 2, "uasc_in_last_12_months", "not_in_drop_down", "C1"),
        (8, 2, "placements_in_last_12_months", "not_in_drop_down", "C1"),
    }


# --- ages ------------------------------------------------------------------------------------


def test_a_cp_plan_open_past_18_and_one_that_ended_on_the_18th_birthday():
    # C1301 of the trial: born 14 July 2008, plan since 23 July 2024 and still open on 30 November 2026: 18.
    # E1 was born the same day and her plan ended on her 18th birthday (aged 17 the day before): fine.
    # E2's plan ended the day after her 18th birthday: she was 18 the day before it ended.
    rows = [
        row(7, "C1301", date(2008, 7, 14), cp_plan_start_date=date(2024, 7, 23)),
        row(7, "E1", date(2008, 7, 14), cp_plan_end_date=date(2026, 7, 14)),
        row(7, "E2", date(2008, 7, 14), cp_plan_end_date=date(2026, 7, 15)),
        row(7, "Y", date(2010, 1, 1)),
    ]
    report = check((7, rows))
    assert found(report) == {
        (7, 2, "age_of_child", "age_outside_range", "C1301"),
        (7, 4, "age_of_child", "age_outside_range", "E2"),
    }
    by_child = {f.child_id: f.message for f in report.findings}
    assert by_child["C1301"].startswith("aged 18 on the inspection date with the episode still open")
    assert by_child["E2"] == (
        "aged 18 on 14/07/2026, the day before the Child Protection Plan End Date (15/07/2026); "
        "this list is for ages unborn to 17"
    )


def test_an_event_list_judges_age_on_the_day_of_the_event():
    # Born 14 July 2008, so 18 on the inspection date. A contact on 13 July 2026 was with a 17-year-old:
    # fine. A contact on her 18th birthday was with an adult: outside List 1.
    born = date(2008, 7, 14)
    report = check(
        (
            1,
            [
                row(1, "A", born, date_of_contact=date(2026, 7, 13)),
                row(1, "A", born, date_of_contact=date(2026, 7, 14)),
            ],
        )
    )
    assert found(report) == {(1, 3, "age_of_child", "age_outside_range", "A")}
    assert (
        report.findings[0].message == "aged 18 on the Date of Contact (14/07/2026); this list is for ages unborn to 17"
    )


def test_looked_after_past_18_and_care_leavers_outside_16_to_25():
    # List 8: 18 on 30 Nov 2026 (born 30 Nov 2008) and still looked after. List 9: ages 15 and 26 out, 16 and 25 in.
    report = check(
        (8, [row(8, "L18", date(2008, 11, 30)), row(8, "L17", date(2008, 12, 1))]),
        (
            9,
            [
                row(9, "A15", date(2011, 1, 1)),
                row(9, "A16", date(2010, 11, 30)),
                row(9, "A25", date(2001, 1, 1)),
                row(9, "A26", date(2000, 11, 30)),
            ],
        ),
    )
    assert found(report) == {
        (8, 2, "age_of_child", "age_outside_range", "L18"),
        (9, 2, "age_of_child", "age_outside_range", "A15"),
        (9, 5, "age_of_child", "age_outside_range", "A26"),
    }


def test_an_unborn_child_may_be_referred_but_not_looked_after():
    unborn = dict(date_of_birth=date(2027, 2, 1), age_of_child=-1)
    report = check((3, [row(3, "U", None, **unborn)]), (8, [row(8, "U", None, **unborn)]))
    # The expected date of birth after the as-at date is not a "date after the inspection".
    assert found(report) == {(8, 2, "age_of_child", "age_outside_range", "U")}


# --- dates -------------------------------------------------------------------------------------


def test_dates_after_the_inspection_date():
    rows = [
        row(1, "C1", date(2015, 1, 1), date_of_contact=date(2026, 12, 1)),
        row(1, "C2", date(2015, 1, 1), date_of_contact=AS_AT),
    ]
    report = check((1, rows))
    assert found(report) == {(1, 2, "date_of_contact", "date_after_inspection", "C1")}
    assert report.findings[0].message == "Date of Contact 01/12/2026 is after the inspection date 30/11/2026"


def test_a_collection_year_end_on_a_column_the_ssda903_feeds_is_a_proxy():
    rows = [
        row(8, "H1", date(2015, 1, 1), date_of_last_health_assessment=date(2026, 3, 31)),
        row(8, "H2", date(2015, 1, 1), date_of_last_health_assessment=date(2026, 3, 30)),
        row(8, "H3", date(2015, 1, 1), date_of_last_dental_check=date(2025, 3, 31)),
    ]
    report = check((8, rows), (9, [row(9, "CL", date(2006, 1, 1), latest_date_of_contact=date(2026, 3, 31))]))
    assert found(report) == {
        (8, 2, "date_of_last_health_assessment", "proxy_date", "H1"),
        (8, 4, "date_of_last_dental_check", "proxy_date", "H3"),
        (9, 2, "latest_date_of_contact", "proxy_date", "CL"),
    }
    # Not on a column no return feeds: a contact on 31 March is a real day.
    assert check((1, [row(1, "C", date(2015, 1, 1), date_of_contact=date(2026, 3, 31))])).findings == ()
    assert is_proxy_date(date(2024, 3, 31)) and not is_proxy_date(date(2024, 4, 1)) and not is_proxy_date(None)


# --- mandatory cells ---------------------------------------------------------------------------


def test_blank_mandatory_cells_and_a_closure_without_its_reason():
    rows = [
        row(6, "N1", date(2015, 1, 1), primary_need=None),
        row(6, "N2", date(2015, 1, 1), cin_closure_date=date(2026, 5, 1)),  # closed, no reason
        row(6, "N3", date(2015, 1, 1)),  # open: no reason needed
    ]
    report = check((6, rows), (9, [row(9, "CL", date(2006, 1, 1), eligibility_category=None, gender=None)]))
    assert found(report) == {
        (6, 2, "primary_need", "blank_mandatory", "N1"),
        (6, 3, "reason_for_closure", "blank_mandatory", "N2"),
        (9, 2, "eligibility_category", "blank_mandatory", "CL"),
        (9, 2, "gender", "blank_mandatory", "CL"),
    }
    closure = next(f for f in report.findings if f.column_id == "reason_for_closure")
    assert closure.message == "Reason for Closure is blank although CIN Closure Date is filled"


# --- contradictions across lists and duplicates ------------------------------------------------


def test_a_child_whose_lists_disagree():
    eligible, former = "d) Eligible child", "b) Former relevant child"
    report = check(
        (1, [row(1, "D", date(2015, 1, 1))]),
        (7, [row(7, "P", date(2012, 1, 1))]),  # an open CP plan
        (
            8,
            [
                row(8, "D", date(2015, 2, 1)),  # another date of birth than List 1's
                row(8, "Y", date(2009, 1, 1)),  # looked after on the date
                row(8, "Z", date(2009, 1, 1)),
            ],
        ),
        (
            6,
            [
                row(6, "P", date(2012, 1, 1), case_status="c) Child in need plan"),  # but on a CP plan
                row(6, "Y", date(2009, 1, 1), case_status="a) Looked after child"),  # borne out by List 8
                row(6, "Q", date(2012, 1, 1), case_status="a) Looked after child"),  # not in List 8
            ],
        ),
        (
            9,
            [
                row(9, "Y", date(2009, 1, 1), eligibility_category=former),
                row(9, "Z", date(2009, 1, 1), eligibility_category=eligible),
            ],
        ),
    )
    assert found(report) == {
        (8, 2, "date_of_birth", "contradiction", "D"),
        (6, 2, "case_status", "contradiction", "P"),
        (6, 4, "case_status", "contradiction", "Q"),
        (9, 2, "eligibility_category", "contradiction", "Y"),
    }
    messages = {f.child_id: f.message for f in report.findings}
    assert messages["D"] == "01/02/2015 here but 01/01/2015 in List 1"
    assert (
        messages["Y"]
        == "b) Former relevant child here, but looked after on the inspection date in List 8 (an eligible child)"
    )


def test_duplicate_rows_name_the_row_they_repeat():
    first = row(1, "C1", date(2015, 1, 1))
    report = check((1, [first, row(1, "C2", date(2015, 1, 1)), first]))
    assert found(report) == {(1, 4, "", "duplicate_row", "C1")}
    assert report.findings[0].message == "this row repeats sheet row 2 cell for cell"


def test_rows_checked_in_batches_keep_their_sheet_rows():
    checker = AnnexAChecker(ANNEX, AS_AT)
    annex_list = ANNEX.get_list(1)
    checker.check_rows(annex_list, [row(1, "C1", date(2015, 1, 1))])
    checker.check_rows(annex_list, [row(1, "C2", date(2015, 1, 1), date_of_contact=None)])
    assert found(checker.finish()) == {(1, 3, "date_of_contact", "blank_mandatory", "C2")}


def test_findings_grouped_per_list_column_and_check():
    rows = [row(9, f"CL{n}", date(2006, 1, 1), activity_status="0") for n in range(7)]
    (group,) = check((9, rows)).groups()
    assert (group.sheet_name, group.header, group.check_words, group.count) == (
        "List 9 - Care Leavers",
        "Activity Status",
        "Value not in the template's drop-down list",
        7,
    )
    assert group.first_children() == "CL0, CL1, CL2, CL3, CL4 and 2 more"


# --- the inspection date -----------------------------------------------------------------------


def test_an_inspection_date_in_the_future_is_refused():
    with pytest.raises(
        AnnexAExportError, match=r"^The inspection date 2026-12-01 is in the future \(today is 2026-11-30\)"
    ):
        refuse_future_date(date(2026, 12, 1), today=AS_AT)
    refuse_future_date(AS_AT, today=AS_AT)


# --- on a store: the workbook, CSV and the command line ----------------------------------------


def build(history):
    """C1301 on a CP plan past 18; CL1 a care leaver whose activity was recorded as 0 (the SSDA903's own record)."""
    history.child("C1301", dob=date(2008, 7, 14), sex="M")
    history.add(
        "cp_plans",
        cppl_cp_plan_id="CP1",
        cppl_person_id="C1301",
        cppl_cp_plan_start_date=date(2024, 7, 23),
        cppl_cp_plan_initial_category="NEG",
    )
    history.child("CL1", dob=date(2006, 5, 1))
    history.add(
        "care_leavers",
        clea_table_id="L1",
        clea_person_id="CL1",
        clea_care_leaver_in_touch="YES",
        clea_care_leaver_latest_contact=date(2026, 6, 1),
        clea_care_leaver_activity="0",
        clea_care_leaver_eligibility="b",
    )
    return history.store()


def test_the_workbook_carries_a_checks_sheet_naming_children_and_source_records(history, tmp_path):
    store = build(history)
    out = tmp_path / "annex_a.xlsx"
    report = write_annex_a(store, AS_AT, out, check=True)
    checked = {(f.list_number, f.column_id, f.check, f.child_id): f for f in report.check.findings}
    # List 7 leaves out a plan open past 18 (it ended in law at 18); the check names it and the plan to end.
    left_out = checked[(7, "cp_plan_end_date", "left_out", "C1301")]
    assert left_out.source_records == "cp_plan CP1; social_care C1301" and left_out.row is None
    assert "14/07/2026" in left_out.message
    assert checked[(9, "activity_status", "not_in_drop_down", "CL1")].value == "0"
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[-2:] == ["Summary", "Checks"]
    sentence = workbook["Summary"]["A2"].value
    assert sentence.startswith(f"Checked before it left: {len(report.check.findings)} finding(s) about ")
    sheet = [tuple(cell.value for cell in r) for r in workbook["Checks"].iter_rows()]
    assert sheet[0][:5] == ("List", "Sheet", "Column", "Check", "Findings")
    assert (9, "List 9 - Care Leavers", "Activity Status", "Value not in the template's drop-down list", 1, "CL1") in [
        r[:6] for r in sheet
    ]
    assert tuple(CHECK_CSV_HEADERS) in sheet
    # Without --check the workbook is as before: no Checks sheet.
    plain = write_annex_a(store, AS_AT, tmp_path / "plain.xlsx")
    assert plain.check is None and openpyxl.load_workbook(tmp_path / "plain.xlsx").sheetnames[-1] == "Summary"


def run_cli(store, *args):
    return run("annex-a", *args, data_dir=store.data_dir)


@pytest.mark.slow
def test_cli_check_prints_the_findings_writes_the_csv_and_exits_0_unless_strict(history, tmp_path):
    store = build(history)
    out, found_csv = tmp_path / "a.xlsx", tmp_path / "findings.csv"
    result = run_cli(store, "--as-at", AS_AT.isoformat(), "--out", str(out), "--check", "--check-out", str(found_csv))
    assert result.returncode == 0, result.stderr
    assert "Annex A checked:" in result.stdout and "C1301" in result.stdout and "CL1" in result.stdout
    with found_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    activity = next(r for r in rows if r["Column"] == "Activity Status")
    assert (activity["Child Unique ID"], activity["Value"], activity["Source records to fix"]) == (
        "CL1",
        "0",
        "social_care CL1",
    )
    event = events(store.data_dir, action="check_annex_a", limit=1)[0]
    assert event.child_count == 2 and len(event.children) == 2
    strict = run_cli(store, "--as-at", AS_AT.isoformat(), "--out", str(out), "--strict")
    assert strict.returncode == 3


def test_cli_refuses_a_future_inspection_date_in_one_line_and_writes_nothing(history, tmp_path):
    store = build(history)
    out = tmp_path / "a.xlsx"
    result = run_cli(store, "--as-at", "2999-01-01", "--out", str(out), "--check")
    assert result.returncode == 1
    assert result.stderr.startswith("error: The inspection date 2999-01-01 is in the future (today is ")
    assert len(result.stderr.splitlines()) == 1 and not out.exists()
    assert events(store.data_dir, action="export_annex_a", limit=1) == []


def test_a_list_querys_hidden_columns_give_the_proxy_flag_and_the_row_source_record(history, tmp_path, monkeypatch):
    # When the facts flag a date given only as a collection year's end, a list query passes the flag as the
    # hidden column "_proxy_<column id>", and the record a row came from as "_source_record": the check
    # takes the flag instead of the 31 March rule, and names the record. Neither reaches the sheet.
    from childhub.annex_a import export

    for child, checked_on in (("L1", date(2026, 3, 30)), ("L2", date(2026, 3, 31))):
        history.child(child, dob=date(2015, 1, 1))
        history.episode(child, date(2025, 1, 1), "S", "C2")
        history.add(
            "cla_health",
            clah_health_check_id=f"H{child}",
            clah_person_id=child,
            clah_health_check_type="annual health assessment",
            clah_health_check_date=checked_on,
            clah_health_check_status="1",
        )
    store = history.store()
    list_8 = export.list_queries()[8]
    flagged = (
        "SELECT * REPLACE (l.child_unique_id = 'L1' AS _proxy_date_of_last_health_assessment), "
        "'ssda903 episode ' || l.child_unique_id AS _source_record "
        f"FROM ({list_8.sql.rstrip().rstrip(';')}) AS l"
    )
    queries = {**export.list_queries(), 8: export.ListQuery(8, list_8.file, flagged, list_8.sources, list_8.no_source)}
    monkeypatch.setattr(export, "list_queries", lambda: queries)
    report = write_annex_a(store, AS_AT, tmp_path / "a.xlsx", check=True)
    proxies = [f for f in report.check.findings if f.check == "proxy_date"]
    assert [(f.child_id, f.value) for f in proxies] == [("L1", date(2026, 3, 30))]
    assert proxies[0].source_records == "ssda903 episode L1; social_care L1"
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx")["List 8 - Children in Care"]
    assert sheet.max_column == len(ANNEX.get_list(8).columns)
    with store.reader() as conn:
        listed = {x.annex_list.number: x for x in export.annex_a_rows(conn, AS_AT)}
    assert listed[8].hidden["_source_record"] == ("ssda903 episode L1", "ssda903 episode L2")


def test_a_date_only_the_return_holds_is_reported_as_known_by_its_year_not_as_a_bad_date(history, tmp_path):
    """The SSDA903 return dates a health assessment by its year's end; List 8 writes "Done in the year 2025-26"
    and the check reports it as a date known only by its year (from the facts' flag), never as "not a date". A
    real check that happens to fall on 31 March is a real date and no finding."""
    from helpers import as_the_ssda903_return

    for child in ("Y1", "R1"):
        history.child(child, dob=date(2015, 1, 1))
        history.episode(child, date(2025, 1, 1), "S", "C2")
    history.add(
        "cla_health",
        clah_health_check_id="HY1",
        clah_person_id="Y1",
        clah_health_check_type="annual health assessment",
        clah_health_check_date=date(2026, 3, 31),
        clah_health_check_status="1",
    )
    as_the_ssda903_return(history, "cla_health")
    history.add(
        "cla_health",
        clah_health_check_id="HR1",
        clah_person_id="R1",
        clah_health_check_type="annual health assessment",
        clah_health_check_date=date(2026, 3, 31),
        clah_health_check_status="1",
    )
    report = write_annex_a(history.store(), AS_AT, tmp_path / "a.xlsx", check=True)
    on_health = [f for f in report.check.findings if f.column_id == "date_of_last_health_assessment"]
    assert [(f.child_id, f.check, f.value) for f in on_health] == [("Y1", "proxy_date", "Done in the year 2025-26")]
    assert "known only from the SSDA903 return" in on_health[0].message


def test_supported_accommodation_k3_is_a_placement_type_the_check_accepts():
    """K3 (supported accommodation for 16-17-year-olds, in the SSDA903 since 2023-24) is a placement type, not a
    value to fix: the trial's large authority had 178 children flagged for it."""
    assert ANNEX.code_set("placement_type").lookup("K3") == "K3"
