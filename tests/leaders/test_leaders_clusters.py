"""Clusters: the clusters file, a child's cluster, the figures per cluster (hand-worked), disclosure control for
scrutiny, and the declared rules for the most vulnerable children."""

from __future__ import annotations

import stat
from datetime import date

import pytest

from childhub.disclosure import SUPPRESSED
from childhub.errors import ChildhubError
from childhub.facts import prepare
from childhub.leaders.clusters import (
    MEASURES,
    NO_CLUSTER,
    Cell,
    ClusterError,
    Clusters,
    child_clusters,
    cluster_figures,
    cluster_report,
    clusters_for,
    load_clusters,
    month_ends,
    postcode_sector,
    read_clusters,
    read_rules,
    rule_findings,
    rules_for,
    vulnerable_children,
)

AS_AT = date(2026, 3, 31)


def write(path, text: str):
    path.write_text(text, "utf-8")
    return path


# --- the clusters file ----------------------------------------------------------------------------


def test_a_clusters_file_maps_sectors_and_schools_each_to_one_cluster(tmp_path):
    source = write(
        tmp_path / "ours.csv",
        "Cluster,Postcode sector,URN\n"
        "North, qx1  2 ,\n"
        "North,QX1 3,100001\n"
        "East,QX9 1,\n"
        "East,,100002\n"
        "North,QX1 2,\n",  # the same sector again, in the same cluster: no problem
    )
    clusters = read_clusters(source)
    assert clusters.sectors == (("QX1 2", "North"), ("QX1 3", "North"), ("QX9 1", "East"))
    assert clusters.schools == (("100001", "North"), ("100002", "East"))
    assert clusters.names == ("East", "North")


def test_every_problem_in_a_clusters_file_is_one_line_naming_file_row_and_field(tmp_path):
    source = write(
        tmp_path / "bad.csv",
        "cluster,postcode_sector,school_urn\n"
        "North,QX1 2,\n"  # row 2
        "East,QX1 2,\n"  # row 3: the sector is North's already
        "East,QX12,\n"  # row 4: no inward digit
        ",QX3 1,\n"  # row 5: no cluster
        "West,,12345\n"  # row 6: a URN is six digits
        "South,,\n"  # row 7: neither
        "No cluster,QX4 1,\n"  # row 8: the name childhub uses
        "West,,100001\n"  # row 9
        "South,,100001\n",  # row 10: the school is West's
    )
    with pytest.raises(ClusterError) as raised:
        read_clusters(source)
    assert str(raised.value).splitlines() == [
        "bad.csv row 3, postcode_sector: QX1 2 is in two clusters, 'North' (row 2) and 'East'",
        "bad.csv row 4, postcode_sector: 'QX12' is not a postcode sector (the outward code, a space and the first "
        'digit of the inward code: "QX12 3")',
        "bad.csv row 5, cluster: empty (every row names its cluster)",
        "bad.csv row 6, school_urn: '12345' is not a school's URN (six digits)",
        "bad.csv row 7: names neither a postcode sector nor a school",
        "bad.csv row 8, cluster: 'No cluster' is what childhub calls children in no cluster",
        "bad.csv row 10, school_urn: 100001 is in two clusters, 'West' (row 9) and 'South'",
    ]


def test_a_cluster_name_with_a_control_character_or_far_too_long_is_refused_in_one_short_line(tmp_path):
    source = write(
        tmp_path / "names.csv",
        "cluster,postcode_sector\n"
        "No\x07rth,QX1 1\n"  # row 2: a bell, invisible on the page and in the files
        "East\u202e,QX1 2\n"  # row 3: a right-to-left override turns what follows it round
        + "N" * 5_000
        + ",QX1 3\n",  # row 4: the message quotes the start of it, not 5,000 characters
    )
    with pytest.raises(ClusterError) as raised:
        read_clusters(source)
    assert str(raised.value).splitlines() == [
        "names.csv row 2, cluster: 'No\\x07rth' holds a control character (U+0007); a cluster name is plain text",
        "names.csv row 3, cluster: 'East\\u202e' holds a control character (U+202E); a cluster name is plain text",
        f"names.csv row 4, cluster: '{'N' * 80}...' (5,000 characters) is not a cluster name (at most 80 characters, "
        "no '/')",
    ]


def test_a_clusters_file_with_no_clusters_or_the_wrong_columns_is_refused(tmp_path):
    with pytest.raises(ClusterError, match=r"^empty\.csv: the file has a header but no clusters$"):
        read_clusters(write(tmp_path / "empty.csv", "cluster,postcode_sector\n"))
    with pytest.raises(ChildhubError, match=r"^nothing\.csv: the file is empty$"):
        read_clusters(write(tmp_path / "nothing.csv", ""))
    with pytest.raises(ClusterError) as raised:
        read_clusters(write(tmp_path / "odd.csv", "area,ward\nNorth,Kingsmere\n"))
    assert str(raised.value).splitlines() == [
        "odd.csv row 1: unknown column(s) 'area', 'ward'; the columns are cluster, postcode_sector and school_urn",
        "odd.csv row 1: there is no column cluster (the cluster's name)",
        "odd.csv row 1: there is neither a postcode_sector nor a school_urn column",
    ]


def test_an_excel_clusters_file_reads_as_the_csv_does(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["cluster", "postcode_sector", "school_urn"])
    sheet.append(["North", "QX1 2", None])
    sheet.append(["East", None, 100002])  # a URN typed as a number
    book.save(tmp_path / "clusters.xlsx")
    clusters = read_clusters(tmp_path / "clusters.xlsx")
    assert clusters.sectors == (("QX1 2", "North"),)
    assert clusters.schools == (("100002", "East"),)


def test_loading_keeps_the_file_in_the_data_folder_owner_only_and_a_bad_file_changes_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    assert clusters_for(data).names == ()
    load_clusters(data, write(tmp_path / "a.csv", "cluster,postcode_sector\nNorth,QX1 2\nEast,QX9 1\n"))
    kept = data / "clusters.csv"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert clusters_for(data).names == ("East", "North")
    before = kept.read_bytes()
    with pytest.raises(ClusterError):
        load_clusters(data, write(tmp_path / "b.csv", "cluster,postcode_sector\nSouth,QX1\n"))
    assert kept.read_bytes() == before
    assert sorted(p.name for p in data.iterdir()) == ["clusters.csv"]  # no half-written file left behind
    load_clusters(data, write(tmp_path / "c.csv", "cluster,school_urn\nSouth,100001\n"))
    assert clusters_for(data) == Clusters((), (("100001", "South"),))


def test_a_postcode_sector_is_the_outward_code_and_the_inward_codes_first_digit():
    assert postcode_sector("qx12 3ab") == "QX12 3"
    assert postcode_sector(" QX1  5AB") == "QX1 5"
    assert postcode_sector("QX15AB") == "QX1 5"
    assert postcode_sector("QX1") is None
    assert postcode_sector(None) is None


# --- a child's cluster ------------------------------------------------------------------------------

CLUSTERS = Clusters(
    sectors=(("QX1 1", "North"), ("QX1 2", "North"), ("QX9 1", "East")),
    schools=(("100001", "South"), ("100009", "North")),
)


def attendance(history, person, year, term, possible, missed, urn="100009", system="social_care"):
    history.add(
        "school_attendance",
        system,
        attd_person_id=person,
        attd_school_urn=urn,
        attd_academic_year=year,
        attd_term=term,
        attd_possible_sessions=possible,
        attd_sessions_authorised_absence=missed,
        attd_sessions_unauthorised_absence=0,
    )


def home(history, person, postcode, system="social_care", start=date(2020, 1, 1)):
    history.add("address", system, addr_person_id=person, addr_address_postcode=postcode, addr_address_start_date=start)


def test_a_childs_cluster_is_their_home_sectors_else_their_schools_else_no_cluster(history):
    # A: social care's home postcode wins over the school system's record of the same child
    history.child("A", dob=date(2015, 1, 1), child_id=1)
    history.child("A-EDU", dob=date(2015, 1, 1), child_id=1, source_system="education")
    home(history, "A", "qx1 2ab")
    home(history, "A-EDU", "QX9 1AB", system="education")
    # B: no home postcode; the school of their latest attendance record (2025/26 spring) is South's
    history.child("B", dob=date(2014, 1, 1), child_id=2)
    attendance(history, "B", "2024/25", "summer", 100, 0, urn="100009")
    attendance(history, "B", "2025/26", "spring", 100, 0, urn="100001")
    attendance(history, "B", "2025/26", "autumn", 100, 0, urn="100009")
    # C: a home outside every cluster (a neighbouring authority's sector), a school in none
    history.child("C", dob=date(2013, 1, 1), child_id=3)
    home(history, "C", "QY3 1AA")
    attendance(history, "C", "2025/26", "autumn", 100, 0, urn="100555")
    # D: a home in no cluster, but a school in one
    history.child("D", dob=date(2013, 1, 1), child_id=4)
    home(history, "D", "QY3 1AA")
    attendance(history, "D", "2025/26", "autumn", 100, 0, urn="100009")
    # E: a home address that has ended is no home
    history.child("E", dob=date(2013, 1, 1), child_id=5)
    history.add(
        "address",
        addr_person_id="E",
        addr_address_postcode="QX9 1AA",
        addr_address_start_date=date(2020, 1, 1),
        addr_address_end_date=date(2024, 1, 1),
    )
    with history.store().reader() as conn:
        prepare(conn, ["child", "attendance"])
        placed = child_clusters(conn, CLUSTERS)
    assert {key: (p.cluster, p.placed_by) for key, p in placed.items()} == {
        "C1": ("North", "home"),
        "C2": ("South", "school"),
        "C3": (NO_CLUSTER, None),
        "C4": ("North", "school"),
        "C5": (NO_CLUSTER, None),
    }


# --- the figures per cluster, hand-worked ---------------------------------------------------------


@pytest.fixture
def three_children(history):
    """P1 and P2 live in North (QX1), P3 in East (QX9); their schools' attendance, early help and care:

    - P1 (born 1 May 2015, 10 on 31 August 2025): autumn 140 possible, 20 missed; spring 120 possible, 8 missed:
      to 31 March 2026 260 possible, 28 missed (10.8%: persistent), 232 attended. Early help from 5 January 2026.
    - P2 (born 10 January 2014): autumn 140 and 14, spring 120 and 12: 260 and 26 (exactly 10%: persistent), 234
      attended.
    - P3 (born 7 July 2016): autumn 140 and 0, spring 120 and 6: 260 and 6 (2.3%), 254 attended. Looked after from
      3 November 2025 (RNE S), still.
    """
    for person, born, postcode in (
        ("P1", date(2015, 5, 1), "QX1 1AA"),
        ("P2", date(2014, 1, 10), "QX1 2BB"),
        ("P3", date(2016, 7, 7), "QX9 1CC"),
    ):
        history.child(person, dob=born)
        home(history, person, postcode)
    for person, autumn_missed, spring_missed in (("P1", 20, 8), ("P2", 14, 12), ("P3", 0, 6)):
        attendance(history, person, "2025/26", "autumn", 140, autumn_missed)
        attendance(history, person, "2025/26", "spring", 120, spring_missed)
    history.add(
        "early_help_episodes",
        earl_episode_id="EH1",
        earl_person_id="P1",
        earl_episode_start_date=date(2026, 1, 5),
    )
    history.episode("P3", date(2025, 11, 3), "S", "C2")
    return history.store()


def test_the_figures_per_cluster_are_as_worked_by_hand(three_children):
    with three_children.reader() as conn:
        prepare(conn)
        report = cluster_report(conn, AS_AT, CLUSTERS)
    assert report.clusters == ("East", "North", "South", NO_CLUSTER)
    now = {
        m.measure.id: {f.cluster: (f.now.count, f.now.of, f.now.value) for f in (*m.clusters, m.authority)}
        for m in report.measures
    }
    assert now["attendance"]["North"] == (2, None, pytest.approx(100 * 466 / 520))
    assert now["attendance"]["East"] == (1, None, pytest.approx(100 * 254 / 260))
    assert now["attendance"][""] == (3, None, pytest.approx(100 * 720 / 780))
    assert now["persistent_absence"]["North"] == (2, 2, 100.0)
    assert now["persistent_absence"]["East"] == (0, 1, 0.0)
    # P1: early help and persistent absence; P2: persistent absence; P3: social care (looked after)
    assert now["known_to_two_or_more"]["North"] == (1, 2, 50.0)
    assert now["known_to_two_or_more"]["East"] == (0, 1, 0.0)
    assert now["known_to_two_or_more"][""] == (1, 3, pytest.approx(100 / 3))
    # in care per 10,000 known children: East 1 of its 1 known child
    assert now["looked_after"]["East"] == (1, 1, 10_000.0)
    assert now["looked_after"]["North"] == (0, 2, 0.0)
    assert now["entering_care"]["East"] == (1, None, 1.0)
    assert now["entering_care"][NO_CLUSTER] == (0, None, 0.0)
    # the trend: month ends from April 2025; in care from November, persistent absence of the autumn term alone
    # (P1 20 of 140 missed, P2 14 of 140: both 10% or more) from 1 September
    trend = {
        m.measure.id: {day: point for day, point in next(f for f in m.clusters if f.cluster == cluster).trend}
        for m in report.measures
        for cluster in ["East" if m.measure.id == "looked_after" else "North"]
    }
    assert list(trend["looked_after"]) == month_ends(AS_AT) and month_ends(AS_AT)[0] == date(2025, 4, 30)
    assert trend["looked_after"][date(2025, 10, 31)].count == 0
    assert trend["looked_after"][date(2025, 11, 30)].count == 1
    assert trend["persistent_absence"][date(2025, 12, 31)].count == 2
    assert trend["persistent_absence"][date(2025, 8, 31)].count == 0  # no attendance recorded before September


# --- disclosure control ---------------------------------------------------------------------------------


def counted_with(cells_by_measure: dict[str, dict[str, Cell]], days: list[date]) -> dict:
    return {m.id: {day: dict(cells_by_measure.get(m.id, {})) for day in days} for m in MEASURES}


def test_scrutiny_sees_no_small_count_and_none_worked_out_from_the_authoritys_total():
    clusters = Clusters((("QX1 1", "A"), ("QX2 1", "B"), ("QX3 1", "C")), ())
    days = [*month_ends(AS_AT)]
    counted = counted_with(
        {"looked_after": {"A": Cell(1, 300, 33.3), "B": Cell(7, 300, 233.3), "C": Cell(12, 400, 300.0)}}, days
    )
    report = cluster_figures(counted, AS_AT, clusters, threshold=5)
    looked_after = next(m for m in report.measures if m.measure.id == "looked_after")
    now = {f.cluster: f.now for f in looked_after.clusters}
    # A is small (1); alone it is the total (20) minus B and C, so B, the next smallest, is hidden too
    assert (now["A"].count, now["A"].of, now["A"].value) == (SUPPRESSED, SUPPRESSED, None)
    assert (now["B"].count, now["B"].of, now["B"].value) == (SUPPRESSED, SUPPRESSED, None)
    assert (now["C"].count, now["C"].of, now["C"].value) == (12, 400, 300.0)
    assert (looked_after.authority.now.count, looked_after.authority.now.of) == (20, 1000)
    # in the trend counts are rounded to 5 and the rate made from them: 10 of 400 is 250 per 10,000
    point = dict(next(f for f in looked_after.clusters if f.cluster == "C").trend)[AS_AT]
    assert (point.count, point.of, point.value) == (10, 400, 250.0)
    # under an authority figure that is itself small no cluster is shown, not even a zero ("A 0, B [c]" says
    # where the few children are)
    entering = next(m for m in report.measures if m.measure.id == "entering_care")
    assert entering.authority.now.count == 0  # nothing counted: nothing to hide
    few = counted_with({"entering_care": {"A": Cell(3, None, 3.0)}}, days)
    hidden = next(
        m for m in cluster_figures(few, AS_AT, clusters, threshold=5).measures if m.measure.id == "entering_care"
    )
    assert hidden.authority.now.count == SUPPRESSED
    assert {f.cluster: f.now.count for f in hidden.clusters} == dict.fromkeys(["A", "B", "C", NO_CLUSTER], SUPPRESSED)
    # without a threshold nothing is hidden
    plain = cluster_figures(counted, AS_AT, clusters)
    assert {f.cluster: f.now.count for f in plain.measures[MEASURES.index(looked_after.measure)].clusters} == {
        "A": 1,
        "B": 7,
        "C": 12,
        NO_CLUSTER: 0,
    }


def test_the_pupils_hidden_under_attendance_are_the_pupils_hidden_under_persistent_absence():
    """Attendance counts the same pupils as persistent absence's "out of": a cluster whose pupils one measure hides
    and the other shows would let the hidden small cluster be worked out from the two together."""
    clusters = Clusters((("QX1 1", "A"), ("QX2 1", "B"), ("QX3 1", "C"), ("QX4 1", "D")), ())
    days = [*month_ends(AS_AT)]
    pupils = {"A": 3, "B": 50, "C": 100, "D": 200}  # 353 pupils; A's 3 are a small number
    absent = {"A": 1, "B": 20, "C": 6, "D": 30}
    counted = counted_with(
        {
            "attendance": {name: Cell(n, None, 90.0) for name, n in pupils.items()},
            "persistent_absence": {name: Cell(absent[name], n, 100 * absent[name] / n) for name, n in pupils.items()},
        },
        days,
    )
    report = cluster_figures(counted, AS_AT, clusters, threshold=5)
    shown = {
        m.measure.id: {f.cluster: f.now for f in m.clusters}
        for m in report.measures
        if m.measure.id in ("attendance", "persistent_absence")
    }
    # persistent absence hides A (1 of 3) and, as A's 1 alone would be the total's 57 minus the rest, C (the next
    # smallest numerator, 6); attendance hid A and B (the next smallest count of pupils), so B's 50 (shown as
    # persistent absence's "out of") and C's 100 (shown as attendance's pupils) gave A's 3 = 353 - 50 - 100 - 200
    pupils_seen = {
        name
        for measure, counts in (("attendance", "count"), ("persistent_absence", "of"))
        for name, now in shown[measure].items()
        if getattr(now, counts) != SUPPRESSED and name != NO_CLUSTER
    }
    assert pupils_seen != {"B", "C", "D"}
    hidden_in = {measure: {n for n, now in s.items() if now.suppressed} for measure, s in shown.items()}
    assert hidden_in["attendance"] == hidden_in["persistent_absence"] == {"A", "C"}
    assert (shown["attendance"]["B"].count, shown["attendance"]["D"].count) == (50, 200)
    assert shown["attendance"]["C"].value is None  # C's attendance is hidden with its pupils


# --- the declared rules ------------------------------------------------------------------------------------

RULES = """\
min_reasons: 2
rules:
  - id: early_help
    words: Open to early help
    sql: |
      SELECT child_key, 'Early help since ' || strftime(start_date, '%-d %B %Y') AS detail
      FROM fact_early_help WHERE start_date <= $as_at AND (end_date IS NULL OR end_date > $as_at)
  - id: absent
    words: Persistently absent
    sql: |
      SELECT child_key, 'Persistent absence' AS detail
      FROM fact_service_attendance a WHERE attendance_on(a, $as_at) AND persistent_absence
  - id: in_care
    words: In care
    sql: SELECT child_key, 'In care' AS detail FROM fact_cla_episode e WHERE looked_after_on(e, $as_at)
"""


def test_a_hand_made_rules_file_lists_the_children_with_enough_reasons_most_first(tmp_path, three_children):
    data = tmp_path / "own"
    data.mkdir()
    write(data / "vulnerability.yml", RULES)
    rules = rules_for(data)
    assert not rules.shipped and [rule.id for rule in rules.rules] == ["early_help", "absent", "in_care"]
    with three_children.reader() as conn:
        prepare(conn)
        findings = rule_findings(conn, AS_AT, rules)
        placed = child_clusters(conn, CLUSTERS)
    keys = {p.child_id: key for key, p in placed.items()}
    assert {key: [r.detail for r in reasons] for key, reasons in findings.items()} == {
        keys[1001]: ["Early help since 5 January 2026", "Persistent absence"],
        keys[1002]: ["Persistent absence"],
        keys[1003]: ["In care"],
    }
    listed = vulnerable_children(findings, placed, rules)
    assert [(child.child_key, child.cluster, len(child.reasons)) for child in listed] == [(keys[1001], "North", 2)]
    assert vulnerable_children(findings, placed, rules, cluster="East") == []
    one = type(rules)(1, rules.rules, rules.source)
    assert [child.child_id for child in vulnerable_children(findings, placed, one)] == [1001, 1002, 1003]


def test_the_shipped_rules_load_and_are_used_when_the_data_folder_has_none(tmp_path):
    rules = rules_for(tmp_path)
    assert rules.shipped and rules.min_reasons == 2
    assert {rule.id for rule in rules.rules} >= {
        "child_protection_plan",
        "child_in_need",
        "persistent_absence",
        "exclusion",
        "youth_justice",
        "police_domestic_abuse",
        "neet",
    }


def test_every_problem_in_a_rules_file_names_the_file_and_the_rule(tmp_path):
    path = write(
        tmp_path / "vulnerability.yml",
        "min_reasons: 0\n"
        "rules:\n"
        "  - {id: one, words: One, sql: 'SELECT child_key, 1 AS detail FROM fact_child'}\n"
        "  - {id: one, words: Again, sql: 'SELECT child_key, 2 AS detail FROM fact_child'}\n"
        "  - {id: Two, words: '', sql: 'DELETE FROM fact_child'}\n"
        "  - {id: three, words: Three, sql: 'SELECT child_key FROM fact_child WHERE x = $team'}\n"
        "  - {id: four, words: Four, sql: 'SELECT 1; SELECT 2'}\n"
        "  - {id: five, words: Five, sql: 'SELEC child_key'}\n"
        "  - {id: six, words: Six, sql: 'SELECT 1', weight: 3}\n",
    )
    with pytest.raises(ClusterError) as raised:
        read_rules(path)
    lines = str(raised.value).splitlines()
    assert lines[:7] == [
        f"{path}, min_reasons: 0 is not a whole number of at least 1",
        f"{path}, rule one, id: two rules have this id",
        f"{path}, rule Two, id: 'Two' is not an id (lower case letters, digits and _)",
        f"{path}, rule Two, words: empty (say what the rule finds, in words)",
        f"{path}, rule Two, sql: not a SELECT",
        f"{path}, rule three, sql: the only parameter a rule may use is $as_at",
        f"{path}, rule four, sql: 2 statements; a rule is one SELECT",
    ]
    assert lines[7].startswith(f"{path}, rule five, sql: cannot be parsed (")
    assert lines[8] == f"{path}, rule six: unknown key(s) weight; a rule has id, words and sql"
    assert len(lines) == 9


def test_a_rule_that_fails_when_run_names_the_file_and_the_rule(tmp_path, three_children):
    write(
        tmp_path / "vulnerability.yml",
        "rules:\n  - {id: broken, words: Broken, sql: 'SELECT child_key, detail FROM fact_no_such_thing'}\n",
    )
    rules = rules_for(tmp_path)
    with three_children.reader() as conn:
        prepare(conn, ["child"])
        with pytest.raises(ClusterError, match=r"vulnerability\.yml, rule broken, sql: cannot be run \("):
            rule_findings(conn, AS_AT, rules)
