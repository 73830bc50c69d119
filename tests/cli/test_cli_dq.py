"""``childhub dq``: the open findings over the store, filtered by year, rule and team (by name), audited."""

from __future__ import annotations

import json

import pytest

from helpers import run


@pytest.mark.slow
def test_dq_lists_findings_by_rule_and_team_and_audits_them(tiny_authority, tmp_path):
    store = tiny_authority.copy(tmp_path / "store")
    every = run("dq", "--no-check", "--format", "json", data_dir=store.data_dir)
    assert every.returncode == 0, every.stderr
    found = json.loads(every.stdout)
    assert found, "the tiny authority has findings (its check ran after linking)"
    assert all(row["rule"] and row["message"] for row in found)
    assert all(row["system"] for row in found if row["return"] == "Across systems" or row["child"])
    assert all(row["child"] for row in found if row["record"])  # a record to fix belongs to a child
    with store.reader() as conn:
        team_id, team_name = conn.execute(
            "SELECT t.team_id, t.team_name FROM facts.fact_team t JOIN facts.fact_allocation a USING (team_id) "
            "WHERE a.end_date IS NULL ORDER BY 1 LIMIT 1"
        ).fetchone()
    by_team = json.loads(
        run("dq", "--no-check", "--format", "json", "--team", team_name.upper(), data_dir=store.data_dir).stdout
    )
    assert by_team and {row["team"] for row in by_team} == {team_name}
    assert {row["finding"] for row in by_team} < {row["finding"] for row in found}
    one_rule = json.loads(
        run("dq", "--no-check", "--format", "json", "--rule", found[0]["rule"], data_dir=store.data_dir).stdout
    )
    assert {row["rule"] for row in one_rule} == {found[0]["rule"]}
    unknown = run("dq", "--no-check", "--team", "No Such Team", data_dir=store.data_dir)
    assert unknown.returncode == 1 and unknown.stderr.startswith(
        "error: no team is called 'No Such Team'; the teams are"
    )
    audit = run("audit", "--format", "json", data_dir=store.data_dir)
    events = [e for e in json.loads(audit.stdout) if e["action"] == "export_dq_findings"]
    assert len(events) == 3 and events[-1]["child_count"] == len({row["child"] for row in found if row["child"]})
