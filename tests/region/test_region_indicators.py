"""The region's indicators: two hand-made authorities sharing a child who moved, every figure worked by hand; each
authority's figure from its export's rows equal to what its own store counts; refusals; the same on Spark."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from region_support import KEY_CHECK, hand_export, hand_region

from childhub.region import RegionError, count_region, load_region, protect
from helpers import run

END = date(2026, 3, 31)

# Authority A (population 1,000) holds children a1, a2, a3; authority B (3,000) holds b1, b2 and b9, which the region
# link did not reach (no row in region_children: it counts as its own child). a2 and b1 are one child who moved
# (region child 100).
A_ROWS = [
    # referrals: items, a referral in each council is a referral
    ("referrals_count", "a1", "ref-a1", 1, None, None),
    ("referrals_count", "a2", "ref-a2", 1, None, None),
    ("referral_rate", "a1", "ref-a1", 1, None, None),
    ("referral_rate", "a2", "ref-a2", 1, None, None),
    # children with no allocated worker: children, counted once
    ("unallocated_cases", "a2", None, 1, None, None),
    # short-term placement stability: a percentage of children
    ("placement_stability_short", "a2", None, 0, 1, None),
    ("placement_stability_short", "a3", None, 1, 1, None),
    # missing incidents per child who went missing: the incidents add up, the child is one
    ("missing_incidents_per_child", "a2", None, 2, 1, None),
    # the median working days of assessments: items
    ("assessment_median_wd", "a1", "asm-a1", 1, None, 10),
    ("assessment_median_wd", "a2", "asm-a2", 1, None, 30),
    # children looked after on the date: people, each row with its episode as the item; the mover is in both
    ("cla_count", "a2", "epi-a2", 1, None, None),
    ("cla_count", "a3", "epi-a3", 1, None, None),
]
B_ROWS = [
    ("referrals_count", "b1", "ref-b1", 1, None, None),
    ("referral_rate", "b1", "ref-b1", 1, None, None),
    ("unallocated_cases", "b1", None, 1, None, None),
    ("unallocated_cases", "b2", None, 1, None, None),
    ("unallocated_cases", "b9", None, 1, None, None),
    ("placement_stability_short", "b1", None, 1, 1, None),
    ("missing_incidents_per_child", "b1", None, 3, 1, None),
    ("missing_incidents_per_child", "b2", None, 1, 1, None),
    ("assessment_median_wd", "b1", "asm-b1", 1, None, 20),
    ("assessment_median_wd", "b2", "asm-b2", 1, None, 50),
    ("assessment_median_wd", "b2", "asm-b2x", 0, None, 99),  # not counted (numerator 0): not in the median
    ("cla_count", "b1", "epi-b1", 1, None, None),
]
REGION_CHILDREN = [("A", "a1", 1), ("A", "a2", 100), ("A", "a3", 3), ("B", "b1", 100), ("B", "b2", 5)]


@pytest.fixture
def region(tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, A_ROWS, END)
    b = hand_export(tmp_path / "b", "B", 3000, B_ROWS, END)
    return hand_region(tmp_path / "region", [a, b], REGION_CHILDREN)


# (indicator, scope): (numerator, denominator, value, children), worked by hand from the rows above
EXPECTED = {
    # 3 referrals (two in A, one in B; the mover's two are two referrals) of 2 region children (1 and 100)
    ("referrals_count", "region"): (3, None, 3, 2),
    ("referrals_count", "A"): (2, None, 2, 2),
    ("referrals_count", "B"): (1, None, 1, 1),
    # per 10,000 of the summed population: 3 / 4,000 * 10,000 = 7.5; A 2 / 1,000 * 10,000 = 20; B 1 / 3,000 = 3.33
    ("referral_rate", "region"): (3, None, 7.5, 2),
    ("referral_rate", "A"): (2, None, 20.0, 2),
    ("referral_rate", "B"): (1, None, 10_000 / 3000, 1),
    # the mover counted once: 100, 5 and b9 (not linked) = 3, where the councils' sum is 4
    ("unallocated_cases", "region"): (3, None, 3, 3),
    ("unallocated_cases", "A"): (1, None, 1, 1),
    ("unallocated_cases", "B"): (3, None, 3, 3),
    # child 100 stable in B (1/1), not in A: counted stable once (1/1); a3 1/1: 2 of 2 = 100%; A 1 of 2 = 50%
    ("placement_stability_short", "region"): (2, 2, 100.0, 2),
    ("placement_stability_short", "A"): (1, 2, 50.0, 1),
    ("placement_stability_short", "B"): (1, 1, 100.0, 1),
    # child 100: 2 + 3 incidents, one child; b2: 1 incident: 6 incidents of 2 children = 3.0; A 2/1; B 4/2
    ("missing_incidents_per_child", "region"): (6, 2, 3.0, 2),
    ("missing_incidents_per_child", "A"): (2, 1, 2.0, 1),
    ("missing_incidents_per_child", "B"): (4, 2, 2.0, 2),
    # median of 10, 30, 20, 50 = 25; A of 10, 30 = 20; B of 20, 50 = 35 (99 is not counted)
    ("assessment_median_wd", "region"): (4, None, 25.0, 3),
    ("assessment_median_wd", "A"): (2, None, 20.0, 2),
    ("assessment_median_wd", "B"): (2, None, 35.0, 2),
    # looked after: child 100 (in both councils, two episodes) and a3: 2 children, where the councils' sum is 3
    ("cla_count", "region"): (2, None, 2, 2),
    ("cla_count", "A"): (2, None, 2, 2),
    ("cla_count", "B"): (1, None, 1, 1),
}


def _figures(region, engine="duckdb"):
    loaded = load_region(region)
    return {(f.indicator_id, f.scope): f for f in count_region(loaded, loaded.month_end(None), engine)}


def _check(figures):
    for (indicator_id, scope), (numerator, denominator, value, children) in EXPECTED.items():
        figure = figures[(indicator_id, scope)]
        got = (figure.numerator, figure.denominator, figure.value, figure.children)
        assert got == pytest.approx((numerator, denominator, value, children)), (indicator_id, scope)


def test_the_region_counts_a_moved_child_once_and_two_councils_events_twice(region):
    figures = _figures(region)
    _check(figures)
    # an indicator with no rows is zero everywhere, not missing
    assert figures[("adoptions_count", "region")].numerator == 0


def test_a_region_without_every_population_has_no_rate(tmp_path):
    a = hand_export(tmp_path / "a", "A", None, A_ROWS, END)
    b = hand_export(tmp_path / "b", "B", 3000, B_ROWS, END)
    figures = _figures(hand_region(tmp_path / "region", [a, b], REGION_CHILDREN))
    assert figures[("referral_rate", "region")].value is None
    assert "population_0_17" in figures[("referral_rate", "region")].note
    assert figures[("referral_rate", "B")].value == pytest.approx(10_000 / 3000)


# ---- refusals --------------------------------------------------------------------------------------------------


def _refused(region, match):
    with pytest.raises(RegionError, match=match) as caught:
        load_region(region)
    assert "\n" not in str(caught.value)


def test_an_export_under_another_key_is_refused(tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, A_ROWS, END)
    b = hand_export(tmp_path / "b", "B", 3000, B_ROWS, END, key_check="cd" * 32)
    _refused(hand_region(tmp_path / "region", [a, b], REGION_CHILDREN), r"b: exported under another key")


def test_a_key_given_that_is_not_the_exports_is_refused(region):
    with pytest.raises(RegionError, match="another key"):
        load_region(region, key_check="ef" * 32)
    assert load_region(region, key_check=KEY_CHECK).authorities[0].code == "A"


def test_a_missing_authority_folder_or_manifest_is_refused(region, tmp_path):
    shutil.rmtree(tmp_path / "b")
    _refused(region, "b: no such authority folder")
    hand_export(tmp_path / "b", "B", 3000, B_ROWS, END)
    (tmp_path / "b" / "manifest.json").unlink()
    _refused(region, "no manifest.json")
    (region / "manifest.json").unlink()
    _refused(region, "not a region's folder")


def test_a_corrupt_or_truncated_parquet_is_refused(region, tmp_path):
    rows = tmp_path / "a" / "indicator_rows.parquet"
    rows.write_bytes(rows.read_bytes()[:-10])
    _refused(region, "indicator_rows.parquet: corrupt or truncated")


def test_an_unknown_format_version_is_refused(tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, A_ROWS, END, version=2)
    b = hand_export(tmp_path / "b", "B", 3000, B_ROWS, END)
    _refused(hand_region(tmp_path / "region", [a, b], REGION_CHILDREN), "format version 2 is not one")


def test_a_corrupt_region_manifest_is_refused(region):
    (region / "manifest.json").write_text("{not json", encoding="utf-8")
    _refused(region, "not readable JSON")


def test_one_authority_named_twice_is_refused(tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, A_ROWS, END)
    region = hand_region(tmp_path / "region", [a, a], REGION_CHILDREN)
    _refused(region, "authority A is named twice")


def test_the_month_end_is_the_latest_on_or_before_the_date(region):
    loaded = load_region(region)
    assert loaded.month_end(date(2026, 4, 15)) == END
    with pytest.raises(RegionError, match="no month end on or before 2026-03-30"):
        loaded.month_end(date(2026, 3, 30))


# ---- an authority's own figures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_region(tiny_authority, tmp_path_factory):
    """The tiny authority's pooled export, alone in a region (each child its own region child)."""
    import pyarrow.parquet as pq

    from childhub.indicators import AuthoritySettings
    from childhub.region.pooled import export_pooled

    root = tmp_path_factory.mktemp("tiny-region")
    authority = AuthoritySettings(name="Tinyshire", ons_code="E06000099", population_0_17=45_000)
    export = root / "export"
    export_pooled(tiny_authority.store, authority, bytes(range(32)), export, tiny_authority.as_at)
    ids = pq.read_table(export / "children.parquet", columns=["pooled_id"]).column(0).to_pylist()
    key_check = json.loads((export / "manifest.json").read_text())["key_check"]
    pairs = [("E06000099", pooled, number) for number, pooled in enumerate(ids)]
    region = hand_region(root / "region", [export], pairs, key_check)
    return tiny_authority, authority, region


@pytest.mark.slow
def test_an_authoritys_figures_from_its_rows_equal_its_own_stores(tiny_region):
    from childhub.indicators import Calculator

    tiny, authority, region = tiny_region
    loaded = load_region(region)
    ends = [date(2025, 9, 30), tiny.as_at]
    with tiny.store.reader() as conn:
        calc = Calculator(conn, authority)
        for end in ends:
            own = {f.indicator.id: f for f in calc.figures(end)}
            figures = count_region(loaded, end)
            for figure in figures:
                expected = own[figure.indicator_id]
                got = (figure.numerator, figure.denominator, figure.value, figure.children)
                wanted = (expected.numerator, expected.denominator, expected.value, expected.children)
                assert got == pytest.approx(wanted), (figure.indicator_id, figure.scope, end)
    # the region of one authority is that authority: each child its own region child
    assert sum(1 for f in figures if f.value is not None) > 30  # most indicators have a figure on the tiny authority


# ---- Spark ---------------------------------------------------------------------------------------------------------


@pytest.mark.spark
def test_the_region_on_spark_counts_what_duckdb_counts(region):
    _check(_figures(region, "spark"))


@pytest.mark.spark
@pytest.mark.slow
def test_the_tiny_authoritys_region_on_spark_equals_duckdb(tiny_region):
    _, _, region = tiny_region
    loaded = load_region(region)
    end = loaded.month_end(None)
    on_duckdb = {(f.indicator_id, f.scope): f for f in count_region(loaded, end, "duckdb")}
    on_spark = {(f.indicator_id, f.scope): f for f in count_region(loaded, end, "spark")}
    assert on_spark.keys() == on_duckdb.keys()
    for key, figure in on_duckdb.items():
        other = on_spark[key]
        assert (other.numerator, other.denominator, other.value, other.children) == pytest.approx(
            (figure.numerator, figure.denominator, figure.value, figure.children)
        ), key


# ---- disclosure and the command ----------------------------------------------------------------------------------


def test_public_hides_a_small_region_figure_whole_and_protects_its_authorities(region):
    loaded = load_region(region)
    figures = count_region(loaded, END)
    # threshold 5: the region's 3 referrals are a small number: the region and both authorities hidden
    hidden = protect(figures, 5)
    assert [hidden[("referrals_count", s)] for s in ("region", "A", "B")] == ["figure", "figure", "figure"]
    # threshold 2: the region's 3 and A's 2 are not small, B's 1 is; A hidden too, or B's 1 = 3 - 2
    hidden = protect(figures, 2)
    assert [hidden[("referrals_count", s)] for s in ("region", "A", "B")] == [None, "figure", "figure"]
    # an indicator with nothing counted hides nothing (zero is not a small number)
    assert hidden[("adoptions_count", "region")] is None


def test_the_command_prints_the_regions_table(region):
    result = run("region", "indicators", str(region), "--engine", "duckdb", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = {(r["indicator_id"], r["scope"]): r for r in json.loads(result.stdout)}
    assert rows[("unallocated_cases", "region")]["numerator"] == 3 and rows[("unallocated_cases", "B")]["value"] == 3
    public = run("region", "indicators", str(region), "--engine", "duckdb", "--format", "json", "--public")
    rows = {(r["indicator_id"], r["scope"]): r for r in json.loads(public.stdout)}
    assert rows[("unallocated_cases", "region")]["value"] == "[c]"  # 3 children, under the default threshold of 5
    shown = [r[column] for r in rows.values() for column in ("numerator", "denominator", "children")]
    assert all(count % 5 == 0 for count in shown if isinstance(count, int | float))  # every count shown rounded to 5


def test_the_command_refuses_a_missing_region_in_one_line(tmp_path):
    result = run("region", "indicators", str(tmp_path / "nowhere"), "--engine", "duckdb")
    assert result.returncode == 1 and result.stderr == f"error: {tmp_path / 'nowhere'}: no such region folder\n"


def test_rows_of_the_wrong_shape_are_one_line(region, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"authority_code": ["A"], "pooled_id": ["a1"]}), region / "region_children.parquet")
    with pytest.raises(RegionError, match="could not be counted on duckdb") as caught:
        count_region(load_region(region), END)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_the_same_children_in_two_councils_count_once_and_their_events_twice(tiny_region, tmp_path):
    """The tiny authority exported as two councils whose children the region link made one each (every child moved):
    an indicator counting people counts what one council counts, any other counts every event twice."""
    import pyarrow.parquet as pq

    from childhub.indicators import AuthoritySettings, library
    from childhub.region.pooled import export_pooled

    tiny, _, region = tiny_region
    first = load_region(region).authorities[0].folder
    second = tmp_path / "second"
    twin = AuthoritySettings(name="Twinshire", ons_code="E06000098", population_0_17=45_000)
    export_pooled(tiny.store, twin, bytes(range(32)), second, tiny.as_at)
    pairs = []
    for folder, code in ((first, "E06000099"), (second, "E06000098")):
        ids = pq.read_table(folder / "children.parquet", columns=["pooled_id"]).column(0).to_pylist()
        pairs += [(code, pooled, number) for number, pooled in enumerate(ids)]  # same order: the same child
    key_check = json.loads((first / "manifest.json").read_text())["key_check"]
    both = hand_region(tmp_path / "both", [first, second], pairs, key_check)
    figures = {(f.indicator_id, f.scope): f for f in count_region(load_region(both), tiny.as_at)}
    for ind in library().values():
        one = figures[(ind.id, "E06000099")]
        region_figure = figures[(ind.id, "region")]
        people = ind.counts in ("children", "young people", "care leavers")
        assert region_figure.numerator == (one.numerator if people else 2 * one.numerator), ind.id
        if ind.unit == "rate_per_10k" and one.value is not None:
            # twice the population: the same children are half the rate, twice the events the same rate
            assert region_figure.value == pytest.approx(one.value / 2 if people else one.value), ind.id
        elif people or ind.unit in ("percent", "median", "mean"):
            assert region_figure.value == pytest.approx(one.value), ind.id  # same children, or each item twice
    # incidents per child who went missing: each child's incidents in both councils add up, the child is one
    incidents = figures[("missing_incidents_per_child", "E06000099")]
    assert figures[("missing_incidents_per_child", "region")].value == pytest.approx(2 * incidents.value)
    assert figures[("cla_count", "region")].numerator > 0  # the tiny authority has children in care
