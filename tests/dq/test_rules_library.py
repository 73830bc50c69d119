"""The rule library: every rule loads, binds over its return's tables in every year it applies, and the
declared form refuses what it should."""

from __future__ import annotations

import pytest
import yaml

from childhub.dq import ReturnRun, RuleError, load_rules
from childhub.dq.engine import applicable, tables_read
from childhub.dq.rules import Rule, year_span


@pytest.mark.slow
def test_every_return_rule_binds_in_every_version():
    """Each version of each rule binds over its return's tables in a year it applies (the earliest from 2019)."""
    from childhub.dq.rules import year_span

    wanted: dict[tuple[str, int], list] = {}
    for kind in ("ssda903", "cin"):
        for rule in load_rules()[kind].values():
            for version in rule.versions or (rule.version(year_span(rule.years or "all")[0]) or rule.versions,):
                first, last = year_span(version.years)
                year = min(max(first, 2019), last)
                wanted.setdefault((kind, year), []).append((rule.code, version.sql))
    problems = []
    for (kind, year), rules in sorted(wanted.items()):
        run = ReturnRun.new(kind, year)
        try:
            for code, sql in rules:
                try:
                    run.conn.execute(f"EXPLAIN SELECT _rid FROM ({sql}) f")
                except Exception as error:  # noqa: BLE001 - every failure is reported
                    problems.append(f"{kind} {code} {year}: {str(error).splitlines()[0]}")
        finally:
            run.close()
    assert not problems, "\n".join(problems)
    assert sum(len(rules) for rules in wanted.values()) > 450


def test_a_rule_is_skipped_when_a_table_it_reads_was_not_supplied():
    run = ReturnRun.new("ssda903", 2026)
    try:
        run.add_rows("header", [{"CHILD": "1", "ETHNIC": "ZZZZ"}], "header.csv", [2])
        codes = {rule.code for rule in applicable(run)}
        assert "103" in codes  # reads header only
        assert "148" not in codes  # reads episodes, not supplied
        assert tables_read("select _rid from episodes e join header_last h on h.CHILD = e.CHILD") == {
            "episodes",
            "header_last",
        }
    finally:
        run.close()


def test_years_and_versions():
    assert year_span("all") == (1900, 9999)
    assert year_span("2023-") == (2023, 9999)
    assert year_span("-2024") == (1900, 2024)
    assert year_span("2025") == (2025, 2025)
    rule = Rule.model_validate(
        {
            "code": "X1",
            "return": "ssda903",
            "severity": "error",
            "message": "old wording",
            "versions": [
                {"years": "-2024", "sql": "select 1 as _rid"},
                {"years": "2025-", "sql": "select 2 as _rid", "message": "new wording"},
            ],
        }
    )
    assert rule.version(2019).sql.endswith("1 as _rid") and rule.message_in(2019) == "old wording"
    assert rule.version(2026).sql.endswith("2 as _rid") and rule.message_in(2026) == "new wording"
    overlapping = {
        "code": "X2",
        "return": "ssda903",
        "severity": "error",
        "message": "m",
        "versions": [{"years": "-2025", "sql": "s"}, {"years": "2025-", "sql": "s"}],
    }
    with pytest.raises(ValueError, match="same collection year"):
        Rule.model_validate(overlapping)
    with pytest.raises(ValueError, match="span of collection years"):
        Rule.model_validate(
            {"code": "X3", "return": "cin", "severity": "error", "message": "m", "years": "soon", "sql": "s"}
        )


def test_a_broken_rule_file_is_named_with_its_field(tmp_path):
    folder = tmp_path / "ssda903"
    folder.mkdir()
    (folder / "999.yml").write_text(
        yaml.safe_dump({"code": "999", "return": "ssda903", "severity": "fatal", "message": "m", "sql": "select 1"})
    )
    load_rules.cache_clear()
    try:
        with pytest.raises(RuleError, match=r"999.yml: severity"):
            load_rules(tmp_path)
    finally:
        load_rules.cache_clear()


def test_the_findings_name_file_row_child_and_fields():
    from childhub.dq import run_rules

    run = ReturnRun.new("ssda903", 2026)
    try:
        run.add_rows(
            "episodes",
            [
                {"CHILD": "A1", "DECOM": "01/04/2025", "DEC": "01/05/2025", "REC": None},  # ceased without a reason
                {"CHILD": "A1", "DECOM": "01/05/2025", "DEC": None, "REC": None},  # open: fine
                {"CHILD": "B2", "DECOM": "01/06/2025", "DEC": None, "REC": "E11"},  # a reason without a date
            ],
            "episodes.csv",
            [2, 3, 4],
        )
        found = [f for f in run_rules(run) if f.rule == "148"]
        assert [(f.origin, f.line, f.child, f.fields) for f in found] == [
            ("episodes.csv", 2, "A1", ("DEC", "REC")),
            ("episodes.csv", 4, "B2", ("DEC", "REC")),
        ]
    finally:
        run.close()


def test_the_catalogue_page_is_written_from_the_library():
    from pathlib import Path

    from childhub.dq.catalogue import catalogue_markdown

    page = Path(__file__).parents[2] / "docs" / "dq-catalogue.md"
    assert page.read_text("utf-8") == catalogue_markdown(), "run scripts/dq_catalogue.py"
