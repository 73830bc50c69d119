"""Matching a list against the children we know (``childhub match-list``), on a hand-made store.

The store holds (each child one social-care record unless said): child 1001 Olivia Okafor, born 14 February
2015, postcode QX12 4AB, also known to education; her twin 1002 Amelia Okafor, born the same day at the same
address; 1003 Harry Smith, born 1 September 2012; 1004 Noah Jones, born 5 May 2010 with NHS number
943 476 5919. No linkage run has been made, so the rows are scored by childhub's reference model.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from childhub.audit import events
from childhub.errors import ChildhubError
from childhub.facts import prepare
from childhub.link.lists import load_list_mapping, read_list
from childhub.link.match_list import match_list, reasons, write_result
from childhub.link.source_records import build_source_records
from helpers import run

pytestmark = pytest.mark.slow  # Splink scores each list: CI runs it with -m slow

MAPPING = """columns:
  first_name: Forename
  surname: Surname
  date_of_birth: Date of Birth
  sex: Gender
  postcode: Postcode
  nhs_number: NHS Number
date_formats: ["%d/%m/%Y"]
sex_codes: {Girl: F, Boy: M}
"""
HEADER = "Forename,Surname,Date of Birth,Gender,Postcode,NHS Number\n"
LIST = (
    "Olivia,Okafor,14/02/2015,Girl,QX12 4AB,\n"  # row 2: Olivia exactly
    "Harrry,Smith,01/09/2012,Boy,QX1 1AA,\n"  # row 3: Harry, with a typo
    "Zara,Quinn,03/03/2013,Girl,QX9 9ZZ,\n"  # row 4: nobody the store knows
    "Beatrix,Okafor,14/02/2015,Girl,QX12 4AB,\n"  # row 5: a third Okafor born that day: neither twin
    "N,Jones,05/05/2011,Boy,,943 476 5919\n"  # row 6: Noah by his NHS number alone
)


@pytest.fixture
def store(history):
    for person_id, child_id, forename, surname, born, postcode, nhs in [
        ("101", 1001, "Olivia", "Okafor", date(2015, 2, 14), "QX12 4AB", None),
        ("102", 1002, "Amelia", "Okafor", date(2015, 2, 14), "QX12 4AB", None),
        ("103", 1003, "Harry", "Smith", date(2012, 9, 1), "QX1 1AA", None),
        ("104", 1004, "Noah", "Jones", date(2010, 5, 5), "QX3 2BD", "9434765919"),
    ]:
        history.child(
            person_id, dob=born, child_id=child_id, sex="M" if forename in ("Harry", "Noah") else "F",
            pers_forename=forename, pers_surname=surname, pers_nhs_number=nhs,
        )  # fmt: skip
        history.add("address", addr_person_id=person_id, addr_address_postcode=postcode)
    history.child(
        "E1", dob=date(2015, 2, 14), child_id=1001, source_system="education", pers_forename="Olivia",
        pers_surname="Okafor",
    )  # fmt: skip
    built = history.store()
    with built.writer() as conn:
        build_source_records(conn)
    return built


def _files(tmp_path: Path, rows: str = LIST) -> tuple[Path, Path]:
    (tmp_path / "list.csv").write_text(HEADER + rows, encoding="utf-8")
    (tmp_path / "map.yml").write_text(MAPPING, encoding="utf-8")
    return tmp_path / "list.csv", tmp_path / "map.yml"


def _matched(store, tmp_path, rows: str = LIST, **options):
    listing, mapping = _files(tmp_path, rows)
    read = read_list(listing, load_list_mapping(mapping))
    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        return match_list(conn, read, **options)


def test_each_row_comes_back_with_the_child_it_matches_or_none(store, tmp_path):
    result = _matched(store, tmp_path)
    by_row = {m.row.number: m for m in result.rows}
    olivia = by_row[2]
    assert (olivia.outcome, olivia.child_key, olivia.name, olivia.date_of_birth) == (
        "matched", "C1001", "Olivia Okafor", date(2015, 2, 14)
    )  # fmt: skip
    assert olivia.probability >= 0.9
    assert olivia.why[:3] == ["first name the same", "surname the same", "date of birth the same"]
    assert sorted(olivia.services) == ["education", "social_care"]
    harry = by_row[3]  # "Harrry": a typo of Harry (Jaro-Winkler 0.98)
    assert (harry.outcome, harry.child_key) == ("matched", "C1003")
    assert "first name spelt almost alike" in harry.why
    assert by_row[4].outcome == "none" and by_row[4].child_key is None
    # Beatrix shares a surname, birthday and postcode with the twins, but her first name is neither's.
    assert by_row[5].child_key is None
    noah = by_row[6]  # the NHS number is shared: a match outright, though the year of birth differs
    assert (noah.outcome, noah.child_key, noah.probability) == ("matched", "C1004", 1.0)
    assert result.child_keys == ["C1001", "C1003", "C1004"]
    assert result.counts() == {"matched": 3, "uncertain": 0, "none": 2}


def test_a_twin_is_not_matched_to_her_sister(store, tmp_path):
    result = _matched(store, tmp_path, "Amelia,Okafor,14/02/2015,Girl,QX12 4AB,\n")
    assert [(m.outcome, m.child_key) for m in result.rows] == [("matched", "C1002")]


def test_scope_limits_the_children_a_row_can_match(store, tmp_path):
    result = _matched(store, tmp_path, scope=("p.child_key <> ?", ["C1001"]))
    by_row = {m.row.number: m for m in result.rows}
    assert by_row[2].child_key != "C1001" and by_row[2].outcome == "none"  # not her twin either
    assert by_row[3].child_key == "C1003"


def test_reasons_name_the_fields_that_agreed_in_words():
    # gamma counts down: for first_name (exact, nickname, JW 0.92, JW 0.8, else) 4 is exact and 0 is else.
    assert reasons({"first_name": 2, "surname": 0, "dob": 3, "sex": -1, "postcode": 1, "upn": -1}) == [
        "first name spelt almost alike",
        "date of birth with day and month swapped",
        "postcode in the same district",
    ]


def test_the_result_is_written_as_csv_or_excel_with_every_input_row(store, tmp_path):
    from openpyxl import load_workbook

    result = _matched(store, tmp_path)
    write_result(result, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["source row"] for line in lines] == ["2", "3", "4", "5", "6"]
    assert lines[0]["Forename"] == "Olivia" and lines[0]["child ID"] == "C1001"
    assert lines[0]["outcome"] == "Matched" and lines[2]["outcome"] == "No match"
    write_result(result, tmp_path / "out.xlsx")
    for written in ("out.csv", "out.xlsx"):  # children's personal data: readable by its owner alone
        assert (tmp_path / written).stat().st_mode & 0o777 == 0o600, written
    sheet = load_workbook(tmp_path / "out.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("source row", "Forename") and len(rows) == 6
    assert rows[1][rows[0].index("name in childhub")] == "Olivia Okafor"


def test_an_excel_list_is_read_like_a_csv(store, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["Harry", "Smith", "01/09/2012", "Boy", "QX1 1AA", None])
    workbook.save(tmp_path / "list.xlsx")
    (tmp_path / "map.yml").write_text(MAPPING, encoding="utf-8")
    read = read_list(tmp_path / "list.xlsx", load_list_mapping(tmp_path / "map.yml"))
    assert read.rows[0].number == 2 and read.rows[0].person["forename"] == "harry"
    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        assert match_list(conn, read).rows[0].child_key == "C1003"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Olivia,Okafor,31/02/2015,Girl,,\n", r"^list\.csv row 2, Date of Birth: '31/02/2015' is not a date"),
        ("", r"^list\.csv: the list has a header but no rows$"),
        # a field longer than the csv module reads (its limit is 131,072 characters at most)
        ("Olivia,Okafor,14/02/2015,Girl,," + "9" * 200_000 + "\n", r"^list\.csv line 2: cannot be read as CSV \("),
    ],
)
def test_bad_input_is_one_line_naming_file_row_and_field(tmp_path, rows, message):
    listing, mapping = _files(tmp_path, rows)
    with pytest.raises(ChildhubError, match=message):
        read_list(listing, load_list_mapping(mapping))


def test_a_mapping_naming_a_column_the_list_lacks_is_refused(tmp_path):
    listing, mapping = _files(tmp_path)
    mapping.write_text(MAPPING.replace("Postcode", "Post Code"), encoding="utf-8")
    with pytest.raises(ChildhubError, match=r"^list\.csv: has no column 'Post Code' \(for postcode\)"):
        read_list(listing, load_list_mapping(mapping))
    mapping.write_text("columns: {surname: Surname}\n", encoding="utf-8")
    with pytest.raises(ChildhubError, match=r"^map\.yml: 1 problem\(s\): .*date_of_birth is needed"):
        load_list_mapping(mapping)


def test_the_command_writes_the_result_and_audits_the_children_it_matched(store, tmp_path):
    listing, mapping = _files(tmp_path)
    out = tmp_path / "matched.xlsx"
    done = run("match-list", str(listing), "--mapping", str(mapping), "--out", str(out), data_dir=store.data_dir)
    assert done.returncode == 0, done.stderr
    assert "Matched 3 of 5 rows to children (0 possible matches to check, 2 with no match)" in done.stdout
    assert out.exists()
    (event,) = events(store.data_dir, action="match_list", limit=1)
    assert (event.channel, event.subject, event.child_count) == ("cli", "list.csv", 3)
    assert (event.details["rows"], event.details["matched"], event.details["none"]) == (5, 3, 2)
    assert event.children == ("C1001", "C1003", "C1004")
    bad = run("match-list", str(listing), "--mapping", str(mapping), "--out", str(tmp_path / "x.txt"),
              data_dir=store.data_dir)  # fmt: skip
    assert bad.returncode != 0 and "x.txt: --out is a .csv or an .xlsx file" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_list_s_address_lines_and_further_identifiers_are_read(tmp_path):
    (tmp_path / "police.csv").write_text(
        'Nominal,Name,DOB,Address 1,Town\nN 123,Olivia Okafor,14/02/2015,"12, High St.",Leeds\n', encoding="utf-8"
    )
    (tmp_path / "map.yml").write_text(
        "columns: {full_name: Name, date_of_birth: DOB, address_line_1: Address 1, town: Town}\n"
        "identifiers: {police_id: Nominal}\n",
        encoding="utf-8",
    )
    mapping = load_list_mapping(tmp_path / "map.yml")
    (row,) = read_list(tmp_path / "police.csv", mapping).rows
    assert (row.person["forename"], row.person["surname"]) == ("olivia", "okafor")
    assert row.person["address"] == "12 high st leeds" and row.person["id_police_id"] == "N 123"
    assert [c.field for c in mapping.extra_comparisons()] == ["address", "id_police_id"]
    example = load_list_mapping(Path(__file__).resolve().parents[2] / "docs" / "examples" / "match_list.yml")
    assert example.identifiers == {"police_id": "Nominal Ref"} and example.has_address


@pytest.mark.parametrize(("learn_from", "learned"), [(4, False), (3, True)])
def test_link_lists_learns_from_lists_of_learn_from_rows_or_more(tmp_path, monkeypatch, learn_from, learned):
    from childhub.link import lists, model

    seen = {}

    def scored(conn, **options):
        seen.update(options)
        return model.Scored([], {}, "{}", 3)

    monkeypatch.setattr(lists, "LEARN_FROM", learn_from)
    monkeypatch.setattr(model, "score_pairs", scored)
    (tmp_path / "a.csv").write_text(
        "First,Last,DOB,Address,Nominal\nAmy,Cole,02/03/2015,1 Ash Row,N1\nBen,Cole,02/03/2015,1 Ash Row,N2\n"
        "Cal,Dee,05/06/2014,,N3\n",
        encoding="utf-8",
    )
    (tmp_path / "map.yml").write_text(
        "columns: {first_name: First, surname: Last, date_of_birth: DOB, address: Address}\n"
        "identifiers: {police_id: Nominal}\n",
        encoding="utf-8",
    )
    rows, groups = lists.link_lists([tmp_path / "a.csv"], tmp_path / "map.yml", tmp_path / "out.csv")
    assert (rows, groups) == (3, 3)
    if learned:
        assert seen["model"] is None and seen["train"] is lists.train_on_list
        assert [c.field for c in seen["extra"]] == ["address", "id_police_id"]
        assert seen["extra_blocking"] == (("police_id", ("id_police_id",)),)
    else:  # too small to train on: the reference model, on the declared comparisons alone
        assert seen["model"] == model.reference_model() and seen["extra"] == () and seen["extra_blocking"] == ()


def test_a_shared_further_identifier_lifts_the_twins_constraint():
    from childhub.link.cluster import Record, cluster

    born = date(2015, 2, 14)
    twins = {
        "a:1": Record("a:1", "olivia", born, None, None, None, frozenset({"id_police_id:N1"})),
        "b:1": Record("b:1", "amelia", born, None, None, None, frozenset({"id_police_id:N2"})),
        "b:2": Record("b:2", "amelia", born, None, None, None, frozenset({"id_police_id:N1"})),
    }
    grouped = cluster(twins, [("a:1", "b:1", 0.95), ("a:1", "b:2", 0.95)], 0.9)
    assert grouped.cluster_of["a:1"] == grouped.cluster_of["b:2"]  # one person, written two ways, one police ID
    assert grouped.cluster_of["a:1"] != grouped.cluster_of["b:1"]  # the twin the constraint keeps apart
