"""The quick paths of a run give what the plain ones give: a CSV read by DuckDB's reader as by Python's csv,
rows added with or without pyarrow. Behaviour only; how long they take is bench/bench_dq.py's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from childhub.dq import Rule, RuleError, ValidateError, read_returns, read_ssda903_folder, run_rules
from childhub.dq import engine as engine_module
from childhub.dq import files as files_module
from childhub.dq.engine import ReturnRun

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def _contents(run: ReturnRun) -> dict[str, list[tuple]]:
    """Every table the run holds with every row (its _rid included), and where each row came from."""
    names = [row[0] for row in run.conn.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {name: run.conn.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


def _both_ways(folder: Path, monkeypatch) -> tuple[dict, dict, list[bool]]:
    """The run read as validate reads it (DuckDB's reader where it may), and with Python's reader only;
    and, per table, whether DuckDB's reader took it."""
    took: list[bool] = []
    quick = files_module._add_csv
    monkeypatch.setattr(files_module, "_DUCKDB_FROM", 0)  # DuckDB's reader for any CSV it may read, however small

    def spy(*args):
        took.append(quick(*args))
        return took[-1]

    monkeypatch.setattr(files_module, "_add_csv", spy)
    run = read_ssda903_folder(folder, 2024)
    fast = _contents(run)
    run.close()
    monkeypatch.setattr(files_module, "_add_csv", lambda *args: False)
    run = read_ssda903_folder(folder, 2024)
    slow = _contents(run)
    run.close()
    return fast, slow, took


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / "return"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    return folder


def test_a_plain_csv_is_read_by_duckdb_as_python_reads_it(tmp_path, monkeypatch):
    text = (
        "\ufeff" + HEADER + "\r\n"
        " A1 ,1,01/02/2010,\xa0WBRI\u3000,,  ,\r\n"  # blanks and Unicode spaces trimmed, blank is NULL
        'A2,2,"02/03/2011",WIRI,"X""1,2",,\r\n'  # quoted, with a doubled quote and a comma
        "A3,1\r\n"  # a short row: the rest NULL
        " , ,\r\n"  # no value: left out, but counted in the line numbers
        ",,,,,,\r\n"
        "A4,2,03/04/2012,WBRI,,,\r\n"
        "\r\n\r\n"  # empty lines at the end
    )
    fast, slow, took = _both_ways(_write(tmp_path, "header.csv", text.encode("utf-8")), monkeypatch)
    assert took == [True]
    assert fast == slow
    assert [row[:5] for row in fast["header"]] == [
        (1, "A1", "1", "01/02/2010", "WBRI"),
        (2, "A2", "2", "02/03/2011", "WIRI"),
        (3, "A3", "1", None, None),
        (4, "A4", "2", "03/04/2012", "WBRI"),
    ]
    assert fast["header"][1][5] == 'X"1,2'
    assert [(rid, line, child) for rid, _, _, line, child in fast["_rows"]] == [
        (1, 2, "A1"),
        (2, 3, "A2"),
        (3, 4, "A3"),
        (4, 7, "A4"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        (HEADER + "\nA1,1,01/02/2010,WBRI,,,\n\nA2,2,01/02/2011,WBRI,,,\n").encode(),  # an empty line in between
        (HEADER + '\nA1,1,01/02/2010,"WB\nRI",,,\nA2,2,01/02/2011,WBRI,,,\n').encode(),  # a value over two lines
        (HEADER + "\nA1,1,01/02/2010,WBRI,Zo\xe9,,\n").encode("cp1252"),  # not UTF-8
        (HEADER + "\rA1,1,01/02/2010,WBRI,,,\rA2,2,01/02/2011,WBRI,,,\r").encode(),  # old Mac line ends
        (HEADER + '\nA1,1,01/02/2010, "WBRI",,,\nA2,2,01/02/2011,WBRI,"X" ,,\n').encode(),  # spaces by quotes
        (HEADER + '\nA1,1,01/02/2010,"WB"RI,,,\nA2,2,01/02/2011,WBRI,,,\n').encode(),  # text after a quote
    ],
    ids=["empty-line", "value-over-two-lines", "cp1252", "carriage-returns", "space-before-quote", "after-quote"],
)
def test_a_csv_duckdb_would_read_otherwise_is_read_by_python(tmp_path, monkeypatch, content):
    fast, slow, took = _both_ways(_write(tmp_path, "header.csv", content), monkeypatch)
    assert took in ([], [False])
    assert fast == slow
    assert [row[1] for row in fast["header"]] == ["A1"] + (["A2"] if b"A2" in content else [])


def test_columns_are_taken_by_their_exact_name_as_python_takes_them(tmp_path, monkeypatch):
    # "dob" is the DOB column for the table's recognition, but not by its exact name; ETHNIC is given twice
    text = "CHILD,SEX,dob,ETHNIC,UPN,MOTHER,MC_DOB,ETHNIC\nA1,1,01/02/2010,WBRI,,,,WIRI\n"
    fast, slow, took = _both_ways(_write(tmp_path, "header.csv", text.encode()), monkeypatch)
    assert took == [True]
    assert fast == slow
    assert fast["header"] == [(1, "A1", "1", None, "WIRI", None, None, None)]


def test_a_row_with_too_many_values_is_refused_in_one_line(tmp_path):
    folder = _write(tmp_path, "header.csv", (HEADER + "\nA1,1,01/02/2010,WBRI,,,,extra\n").encode())
    with pytest.raises(ValidateError, match=r"^header.csv: row 2: 8 values but the header names 7 columns$"):
        read_ssda903_folder(folder, 2024)


def test_rows_added_with_or_without_pyarrow_are_the_same(monkeypatch):
    rows = [{"CHILD": " A1 ", "SEX": 1, "DOB": "01/02/2010"}, {"CHILD": "A2", "ETHNIC": "  "}, {"UPN": "X"}]

    def added() -> dict[str, list[tuple]]:
        run = ReturnRun.new("ssda903", 2024)
        run.add_rows("header", rows, "header.csv", [2, 3, 5])
        run.add_rows("header", rows[:1], "other.csv", None, last_year=True)
        contents = _contents(run)
        run.close()
        return contents

    without = added()
    monkeypatch.setattr(engine_module, "_ARROW_FROM", 0)
    assert added() == without
    assert without["header"] == [
        (1, "A1", "1", "01/02/2010", None, None, None, None),
        (2, "A2", None, None, None, None, None, None),
        (3, None, None, None, None, "X", None, None),
    ]
    assert [row[1:] for row in without["_rows"]] == [
        ("header", "header.csv", 2, "A1"),
        ("header", "header.csv", 3, "A2"),
        ("header", "header.csv", 5, None),
        ("header_last", "other.csv", None, "A1"),
    ]


def test_the_blanks_trimmed_in_sql_are_those_python_strips():
    spaces = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert set(files_module.WHITESPACE) == spaces


@pytest.mark.parametrize(
    ("dates", "year"),
    [
        (["01/04/2024", "31/03/2024"], 2025),  # the latest, 1 April 2024, falls in 2024-25
        (["31/03/2025", "31/02/2026", "2026-01-01"], 2025),  # no 31 February, nor another form
        (["15/3/2025", " 1/4/2025"], 2026),  # one-digit day or month: still a day, as strptime reads it
        (["", "unknown"], None),
    ],
)
def test_the_year_is_worked_out_from_the_latest_episode_date(tmp_path, dates, year):
    episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    episodes += "".join(f"A{i},{day},S,C2,N1,U1,PR1,,,,,,\n" for i, day in enumerate(dates))
    folder = _write(tmp_path, "episodes.csv", episodes.encode())
    if year is None:
        with pytest.raises(ValidateError, match="cannot tell the collection year"):
            read_returns([folder])
        return
    (run,) = read_returns([folder])
    assert run.year == year
    run.close()


def _rule(code: str, sql: str) -> Rule:
    return Rule.model_validate(
        {"code": code, "return": "ssda903", "severity": "error", "message": f"rule {code}", "sql": sql}
    )


def _header_run() -> ReturnRun:
    run = ReturnRun.new("ssda903", 2024)
    rows = [{"CHILD": f"A{i}", "SEX": str(1 + i % 2), "DOB": "01/02/2010"} for i in range(6)]
    run.add_rows("header", rows, "header.csv", [2, 3, 4, 5, 6, 7])
    run.add_rows("header", rows[:2], "header_last.csv", [2, 3], last_year=True)
    return run


@pytest.mark.parametrize("workers", [1, 3])
def test_rules_run_together_find_what_each_rule_alone_finds(monkeypatch, workers):
    monkeypatch.setattr(engine_module, "_WORKERS", workers)
    monkeypatch.setattr(engine_module, "_RULES_PER_WORKER", 1)
    monkeypatch.setattr(engine_module, "_ROWS_PER_WORKER", 1)
    rules = {
        "1": _rule("1", "select _rid from header where SEX = '2' order by _rid desc"),
        "2": _rule("2", "select _rid from header_last union all select _rid from header_last"),  # twice: once
        "3": _rule("3", "select null as _rid from header having count(*) > 5"),  # the return as a whole
        "4": _rule("4", "select _rid from header where age_on(d(DOB), collection_end()) > 99"),  # none
        "5": _rule("5", "select cast(_rid as integer) as _rid, CHILD from header where CHILD = 'A0' -- no newline"),
    }
    run = _header_run()
    timings: dict[str, float] = {}
    alone = run_rules(run, rules, timings=timings)
    together = run_rules(run, rules)
    run.close()
    assert sorted(timings) == sorted(rules)
    assert together == alone
    assert [(f.rule, f.origin, f.line, f.child) for f in together] == [
        ("1", "header.csv", 3, "A1"),
        ("1", "header.csv", 5, "A3"),
        ("1", "header.csv", 7, "A5"),
        ("2", "header_last.csv", 2, "A0"),
        ("2", "header_last.csv", 3, "A1"),
        ("3", None, None, None),
        ("5", "header.csv", 2, "A0"),
    ]


@pytest.mark.parametrize("workers", [1, 3])
def test_the_first_rule_to_fail_is_named_as_when_run_alone(monkeypatch, workers):
    monkeypatch.setattr(engine_module, "_WORKERS", workers)
    monkeypatch.setattr(engine_module, "_RULES_PER_WORKER", 1)
    monkeypatch.setattr(engine_module, "_ROWS_PER_WORKER", 1)
    rules = {
        "1": _rule("1", "select _rid from header"),
        "2": _rule("2", "select _rid from header where cast(CHILD as integer) > 0"),  # fails on the data
        "3": _rule("3", "select _rid from header where no_such_macro(CHILD)"),  # fails as it is read
        "4": _rule("4", "select _rid from header"),
    }
    run = _header_run()
    with pytest.raises(RuleError) as alone:
        run_rules(run, rules, timings={})
    with pytest.raises(RuleError) as together:
        run_rules(run, rules)
    run.close()
    assert str(together.value) == str(alone.value)
    assert str(together.value).startswith("rule ssda903 2 failed: Conversion Error")


def test_a_file_whose_name_duckdb_would_read_as_a_pattern_is_read_by_python(tmp_path, monkeypatch):
    folder = _write(tmp_path, "he?der.csv", (HEADER + "\nA1,1,01/02/2010,WBRI,,,\n").encode())
    (tmp_path / "return" / "heXder.txt").write_text(HEADER + "\nB1,1,01/02/2010,WBRI,,,\n")  # what ? would match
    fast, slow, took = _both_ways(folder, monkeypatch)
    assert took == []
    assert fast == slow
    assert [row[1] for row in fast["header"]] == ["A1"]


def test_no_rule_to_run_finds_nothing():
    run = _header_run()
    assert run_rules(run, {"1": _rule("1", "select _rid from header")}, only={"2"}) == []
    assert run_rules(run, {}) == []
    run.close()
