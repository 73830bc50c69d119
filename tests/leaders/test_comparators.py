"""Comparators: the DfE's open-data files and statistical-neighbour list loaded into the hub database, and the
authority placed among its neighbours. Every figure below is worked by hand from the files written here."""

from __future__ import annotations

import stat

import pytest

from childhub.indicators import AuthoritySettings, indicator
from childhub.leaders import ComparatorError, comparison_for, file_kind, load_file, load_measures, loads
from childhub.leaders.comparators import figure_of, ordinal, year_label
from childhub.store import HubDatabase
from helpers import run

PLACE = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
    "la_name,new_la_code"
)
DEV = "Development assessments: Children looked after ages 0 to 4 years"
UP = "Development assessments up to date"
TESTSHIRE = AuthoritySettings(name="Testshire", ons_code="E06000101")


def _la(year, old, name, code, region="E12000009", region_name="South West"):
    return f"{year},Reporting year,Local authority,E92000001,England,{region},{region_name},{old},{name},{code}"


def development_file(tmp_path, testshire="80", name="development.csv", years=(2025,)):
    """Development assessments up to date (higher is better): England 88, South West 85, Testshire ``testshire``,
    its neighbours Alpha 90, Bravo 80, Charlie suppressed (c), Delta 70; Echo 99 is no neighbour of it. Each LA has a
    'Total' row the filters leave out, and 2024 has other figures the latest year (2025) must win over."""
    lines = [f"{PLACE},characteristic,breakdown,children_count,children_percent"]
    for year in years:
        shift = 0 if year == max(years) else -30
        lines.append(f"{year},Reporting year,National,E92000001,England,,,,,,{DEV},{UP},5580,{88 + shift}")
        lines.append(
            f"{year},Reporting year,Regional,E92000001,England,E12000009,South West,,,,{DEV},{UP},330,{85 + shift}"
        )
        for old, la, code, value in (
            ("801", "Testshire", "E06000101", testshire if year == max(years) else "50"),
            ("802", "Alpha", "E06000102", "90"),
            ("803", "Bravo", "E06000103", "80"),
            ("804", "Charlie", "E06000104", "c"),
            ("805", "Delta", "E06000105", "70"),
            ("806", "Echo", "E06000106", "99"),
        ):
            lines.append(f"{_la(year, old, la, code)},{DEV},{UP},40,{value}")
            lines.append(f'{_la(year, old, la, code)},{DEV},"Total ages 0 to 4 years",50,100')
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def neighbours_file(tmp_path, fourth="Delta", name="neighbours.csv"):
    """Testshire's neighbours, closest first: Alpha, Bravo, Charlie, then ``fourth``; Alpha's one, by its code."""
    path = tmp_path / name
    path.write_text(
        "LA code,LA name,SN1,SN2,SN3,SN4\n"
        f"E06000101,Testshire,Alpha,Bravo,Charlie,{fourth}\n"
        "E06000102,Alpha,E06000101,,,\n",
        "utf-8",
    )
    return path


REREFERRALS = """measures:
  re_referrals_12m:
    publication: Characteristics of children in need
    column: re_referral_percent
    unit: percent
"""


def rereferrals(tmp_path, testshire="22.5"):
    """Re-referrals within 12 months (lower is better), declared by the authority's own YAML: England 21.4, South
    West 20, Testshire ``testshire``, Alpha 18, Bravo 20, Charlie x, Delta 22.5 (a tie with Testshire)."""
    measure = tmp_path / "mine.yml"
    measure.write_text(REREFERRALS, "utf-8")
    path = tmp_path / "rereferrals.csv"
    rows = [
        f"{PLACE},re_referral_percent",
        "202425,Financial year,National,E92000001,England,,,,,,21.4",
        "202425,Financial year,Regional,E92000001,England,E12000009,South West,,,,20.0",
        f"{_la(202425, '801', 'Testshire', 'E06000101')},{testshire}",
        f"{_la(202425, '802', 'Alpha', 'E06000102')},18.0",
        f"{_la(202425, '803', 'Bravo', 'E06000103')},20.0",
        f"{_la(202425, '804', 'Charlie', 'E06000104')},x",
        f"{_la(202425, '805', 'Delta', 'E06000105')},22.5",
    ]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path, load_measures([measure])


@pytest.fixture
def hub(tmp_path):
    return HubDatabase(tmp_path / "data")


def _dump(hub):
    with hub.connect(write=False) as conn:
        return {
            table: sorted(tuple(row) for row in conn.execute(f"SELECT * FROM {table}"))  # noqa: S608 (fixed names)
            for table in ("comparator_load", "comparator_value", "comparator_neighbour")
        }


def test_higher_is_better_position_ties_and_a_neighbour_without_a_figure(hub, tmp_path):
    load_file(hub, development_file(tmp_path), loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), loaded_by="tester")
    found = comparison_for(hub, indicator("development_assessment_under5"), TESTSHIRE, 60.0)
    assert found.year == "2025"
    assert (found.england, found.region, found.region_name) == (88, 85, "South West")
    assert [(n.name, n.value, n.marker) for n in found.neighbours] == [
        ("Alpha", 90, None),
        ("Bravo", 80, None),
        ("Charlie", None, "c"),
        ("Delta", 70, None),
    ]
    # Ranked on its published 80, not its figure now (60): only Alpha (90) is better, Bravo's 80 ties and shares;
    # Charlie published no figure, so 3 neighbours and Testshire are ranked.
    assert (found.own_published, found.position, found.of, found.ranked_on) == (80, 2, 4, "published")
    assert found.neighbours_average == pytest.approx((90 + 80 + 70) / 3)
    assert found.synthetic is False
    assert found.source == (
        "Children looked after in England including adoptions, 2025 (development.csv); "
        "statistical neighbours (neighbours.csv)"
    )
    assert found.ranking("Testshire").startswith("Testshire ranks 2nd of 4 among its statistical neighbours")


def test_lower_is_better_from_the_authoritys_own_declaration(hub, tmp_path):
    path, measures = rereferrals(tmp_path)
    load_file(hub, path, measures=measures, loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), measures=measures, loaded_by="tester")
    found = comparison_for(hub, indicator("re_referrals_12m"), TESTSHIRE, None)
    assert found.year == "2024-25"
    # Lower is better: Alpha 18 and Bravo 20 are below 22.5; Delta's 22.5 ties and shares 3rd; Charlie has none.
    assert (found.position, found.of) == (3, 4)
    assert found.neighbours_average == pytest.approx((18 + 20 + 22.5) / 3)


def test_without_its_own_published_figure_the_figure_now_is_ranked(hub, tmp_path):
    path, measures = rereferrals(tmp_path, testshire="c")
    load_file(hub, path, measures=measures, loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), measures=measures, loaded_by="tester")
    found = comparison_for(hub, indicator("re_referrals_12m"), TESTSHIRE, 19.0)
    # 19.0 now: only Alpha's 18 is lower.
    assert (found.own_published, found.position, found.of, found.ranked_on) == (None, 2, 4, "current")
    nothing = comparison_for(hub, indicator("re_referrals_12m"), TESTSHIRE, None)
    assert (nothing.position, nothing.of) == (None, None)
    assert nothing.note == "The authority has no figure to rank."


def test_a_neutral_indicator_has_no_position_and_says_so(hub, tmp_path):
    path = tmp_path / "cla.csv"
    path.write_text(
        f"{PLACE},population_type,population_estimate,children_count,rate_per_10000\n"
        "2025,Reporting year,National,E92000001,England,,,,,,Children looked after on 31 March each year,"
        '12183016,"81,770",67\n'
        f"{_la(2025, '801', 'Testshire', 'E06000101')},Children looked after on 31 March each year,50000,350,70\n"
        f"{_la(2025, '802', 'Alpha', 'E06000102')},Children looked after on 31 March each year,40000,240,60\n",
        "utf-8",
    )
    load_file(hub, development_file(tmp_path), loaded_by="tester")  # names Bravo, Charlie and Delta
    load_file(hub, path, loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), loaded_by="tester")
    found = comparison_for(hub, indicator("cla_rate"), TESTSHIRE, 72.0)
    assert (found.england, found.own_published, found.position, found.of) == (67, 70, None, None)
    assert found.note == "Neither higher nor lower is better for this indicator, so no position is given."
    assert found.ranking("Testshire") == found.note


def test_the_authority_is_found_by_its_la_number_or_its_name(hub, tmp_path):
    load_file(hub, development_file(tmp_path), loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), loaded_by="tester")
    ind = indicator("development_assessment_under5")
    by_number = comparison_for(hub, ind, AuthoritySettings(name="Somewhere", la_number="801"), None)
    by_name = comparison_for(hub, ind, AuthoritySettings(name="testshire"), None)
    assert (by_number.own_published, by_number.position) == (80, 2)
    assert (by_name.own_published, by_name.position) == (80, 2)
    stranger = comparison_for(hub, ind, AuthoritySettings(name="Elsewhere"), None)
    assert (stranger.england, stranger.region, stranger.neighbours, stranger.position) == (88, None, (), None)
    assert "Elsewhere is not among the local authorities" in stranger.note


def test_nothing_loaded_for_an_indicator_is_none(hub, tmp_path):
    assert comparison_for(hub, indicator("cla_rate"), TESTSHIRE, 70.0) is None
    load_file(hub, development_file(tmp_path), loaded_by="tester")
    assert comparison_for(hub, indicator("cla_rate"), TESTSHIRE, 70.0) is None


def test_a_later_file_replaces_the_same_indicator_and_year(hub, tmp_path):
    first = load_file(hub, development_file(tmp_path, years=(2024, 2025)), loaded_by="tester")
    assert (first.load.years, first.load.rows_kept) == ("2024, 2025", 16)  # 8 areas x 2 years; Totals left out
    assert first.skipped == 12  # the 'Total' rows: 6 LAs x 2 years
    second = load_file(hub, development_file(tmp_path, testshire="85", name="development-v2.csv"), loaded_by="b")
    assert second.replaced == ()  # the first still holds 2024
    load_file(hub, neighbours_file(tmp_path), loaded_by="tester")
    found = comparison_for(hub, indicator("development_assessment_under5"), TESTSHIRE, None)
    assert (found.own_published, found.position) == (85, 2)
    assert found.source.endswith("2025 (development-v2.csv); statistical neighbours (neighbours.csv)")
    third = load_file(
        hub, development_file(tmp_path, testshire="95", name="development-v3.csv", years=(2024, 2025)), loaded_by="c"
    )
    assert set(third.replaced) == {"development.csv", "development-v2.csv"}
    assert [(load.kind, load.file_name) for load in loads(hub)] == [
        ("open_data", "development-v3.csv"),
        ("neighbours", "neighbours.csv"),
    ]
    assert comparison_for(hub, indicator("development_assessment_under5"), TESTSHIRE, None).position == 1
    again = load_file(hub, neighbours_file(tmp_path, fourth="Echo", name="neighbours-2.csv"), loaded_by="d")
    assert again.replaced == ("neighbours.csv",)
    names = [
        n.name for n in comparison_for(hub, indicator("development_assessment_under5"), TESTSHIRE, None).neighbours
    ]
    assert names == ["Alpha", "Bravo", "Charlie", "Echo"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty.csv: is empty"),
        ("a,b,c\n1,2,3\n", "empty.csv: row 1: header: is neither the DfE's open-data layout"),
        (f"{PLACE},children_percent\n", "empty.csv: row 1: header: no declared measure's columns are in it"),
        (f"{PLACE},characteristic,breakdown,children_percent\n", "empty.csv: has a header but no rows"),
        (
            f"{PLACE},characteristic,breakdown,children_percent\n"
            f"{_la(2025, '801', 'Testshire', 'E06000101')},{DEV},{UP},8O\n",
            "empty.csv: row 2: children_percent: '8O' is neither a number nor one of the DfE's symbols",
        ),
        (
            f"{PLACE},characteristic,breakdown,children_percent\n2025/26,x,Local authority,E92000001,England,,,801,"
            f"Testshire,E06000101,{DEV},{UP},80\n",
            "empty.csv: row 2: time_period: '2025/26' is not a year",
        ),
        (
            f"{PLACE},characteristic,breakdown,children_percent\n2025,x,Local authority,E92000001,England,,,,"
            f"Testshire,,{DEV},{UP},80\n",
            "empty.csv: row 2: new_la_code: is empty on a Local authority row",
        ),
        (
            "LA code,LA name,SN1,SN2\nE06000101,Testshire,Alpha,Nowhere\nE06000102,Alpha,Testshire,\n",
            "empty.csv: row 2: SN2: 'Nowhere' is not a local authority this list or a loaded file names",
        ),
        (
            "LA name,SN1,SN3\nTestshire,Alpha,Bravo\n",
            "empty.csv: row 1: header: the neighbour columns should be numbered",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_row_and_field_and_changes_nothing(hub, tmp_path, content, message):
    load_file(hub, development_file(tmp_path), loaded_by="tester")
    load_file(hub, neighbours_file(tmp_path), loaded_by="tester")
    before = _dump(hub)
    bad = tmp_path / "empty.csv"
    bad.write_text(content, "utf-8")
    with pytest.raises(ComparatorError) as raised:
        load_file(hub, bad, loaded_by="tester")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    assert _dump(hub) == before


def test_the_same_figure_twice_is_refused(hub, tmp_path):
    path = tmp_path / "twice.csv"
    row = f"{_la(2025, '801', 'Testshire', 'E06000101')},{DEV},{UP},80"
    path.write_text(f"{PLACE},characteristic,breakdown,children_percent\n{row}\n{row}\n", "utf-8")
    with pytest.raises(ComparatorError, match=r"twice.csv: row 3: children_percent: a second figure .* row 2"):
        load_file(hub, path, loaded_by="tester")


def test_a_neighbour_list_in_excel_with_a_title_above_its_header(hub, tmp_path):
    from openpyxl import Workbook

    load_file(hub, development_file(tmp_path), loaded_by="tester")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Children's services statistical neighbour benchmarking tool"])
    sheet.append([])
    sheet.append(["LA number", "LA name", "SN1", "SN2", "SN3", "SN4"])
    sheet.append([801, "Testshire", "Alpha", "806", "Charlie", "Delta"])  # Echo by its old code, from the figures
    path = tmp_path / "neighbours.xlsx"
    workbook.save(path)
    assert file_kind(path) == "neighbours"
    report = load_file(hub, path, loaded_by="tester")
    assert report.load.rows_kept == 4
    found = comparison_for(hub, indicator("development_assessment_under5"), TESTSHIRE, None)
    assert [n.name for n in found.neighbours] == ["Alpha", "Echo", "Charlie", "Delta"]
    assert (found.position, found.of) == (3, 4)  # Alpha's 90 and Echo's 99 are better, Delta's 70 worse; Charlie none


def test_a_workbook_far_longer_than_any_neighbour_list_is_refused_in_one_line_and_changes_nothing(
    hub, tmp_path, monkeypatch
):
    """A neighbour list has a row per authority (153 in England): a sheet of millions of rows (an Excel bomb, a few
    MB zipped) is refused once past the limit, not read whole into memory for minutes."""
    from openpyxl import Workbook

    from childhub.leaders import comparators

    monkeypatch.setattr(comparators, "MAX_WORKBOOK_ROWS", 20)
    load_file(hub, development_file(tmp_path), loaded_by="tester")
    before = _dump(hub)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["LA number", "LA name", "SN1", "SN2"])
    sheet.append([801, "Testshire", "Alpha", "Charlie"])
    for _ in range(30):
        sheet.append([" "])  # rows that hold nothing but a space still count: each is read
    path = tmp_path / "long.xlsx"
    workbook.save(path)
    with pytest.raises(ComparatorError) as raised:
        load_file(hub, path, loaded_by="tester")
    assert str(raised.value) == (
        "long.xlsx: the sheet has more than 20 rows; a statistical-neighbour list has one row per local authority"
    )
    assert _dump(hub) == before


def test_a_workbook_that_would_expand_past_the_limit_is_refused_before_it_is_opened(hub, tmp_path, monkeypatch):
    """openpyxl reads a whole sheet to size it when the sheet does not say its size: a zip of a few MB expanding
    to hundreds took minutes. The workbook passes the ingest guard first, with a neighbour list's own limit."""
    from openpyxl import Workbook

    from childhub.leaders import comparators

    monkeypatch.setattr(comparators, "MAX_WORKBOOK_BYTES", 4096)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["LA number", "LA name", "SN1", "SN2"])
    for number in range(200):
        sheet.append([number, f"Authority {number}", "", ""])
    path = tmp_path / "big.xlsx"
    workbook.save(path)
    with pytest.raises(ComparatorError, match=r"^big\.xlsx: looks like a zip bomb: its contents would expand to "):
        load_file(hub, path, loaded_by="tester")
    assert _dump(hub)["comparator_load"] == []


def test_declarations_are_checked_against_the_indicator_library(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "measures:\n  no_such_thing: {publication: Nothing at all, column: x, unit: percent}\n"
        "  cla_rate: {publication: Children looked after, column: x, unit: percent}\n",
        "utf-8",
    )
    with pytest.raises(ComparatorError) as raised:
        load_measures([bad])
    assert "bad.yml: measures.no_such_thing: no indicator is called that" in str(raised.value)
    assert "bad.yml: measures.cla_rate.unit: is percent, but the indicator is rate_per_10k" in str(raised.value)


def test_the_demos_synthetic_files_load_and_say_they_are_synthetic(hub, tmp_path):
    from datetime import date

    from childhub.synth import SYNTHETIC_ONS_CODE, write_synthetic_comparators

    paths = write_synthetic_comparators(tmp_path / "c", "Ashmere (synthetic)", date(2026, 12, 5))
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in paths)
    for path in paths:
        assert load_file(hub, path, loaded_by="demo").load.synthetic
    ashmere = AuthoritySettings(name="Ashmere (synthetic)", ons_code=SYNTHETIC_ONS_CODE)
    found = comparison_for(hub, indicator("development_assessment_under5"), ashmere, None)
    assert found.synthetic and found.year == "2026" and len(found.neighbours) == 10
    assert all(n.name.endswith("(synthetic)") for n in found.neighbours)
    assert found.region_name == "Middle Marches (synthetic)"
    assert "Dunmere (synthetic)" in [n.name for n in found.neighbours if n.marker == "c"]


def test_small_helpers():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd",
    ]  # fmt: skip
    assert (year_label("202425"), year_label("2025")) == ("2024-25", "2025")
    with pytest.raises(ValueError):
        year_label("202426")
    assert figure_of(" 41,630 ") == (41630, None)
    assert figure_of("LOW") == (None, "low")
    with pytest.raises(ValueError):
        figure_of("12.3.4")


@pytest.mark.slow
def test_the_command_line_loads_lists_and_refuses_a_bad_file_in_one_line(tmp_path):
    data = tmp_path / "data"
    path, _ = rereferrals(tmp_path)
    done = run("comparators", "load", str(neighbours_file(tmp_path)), str(path), "--measure",
               str(tmp_path / "mine.yml"), data_dir=data, check=True)  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Loaded rereferrals.csv (Characteristics of children in need, 2024-25): 7 figures")
    assert lines[1] == "Loaded the statistical-neighbour list neighbours.csv: 5 neighbours."
    listed = run("comparators", "list", "--format", "json", data_dir=data, check=True)
    assert '"file_name"' not in listed.stdout and '"file": "rereferrals.csv"' in listed.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,here\n", "utf-8")
    refused = run("comparators", "load", str(bad), data_dir=data)
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith("error: bad.csv: row 1: header: is neither")
    assert "Traceback" not in refused.stderr
