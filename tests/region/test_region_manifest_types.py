"""A region's or a pooled export's manifest of the wrong types, or naming files outside its folder: one line each
(review of issue 17)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from region_support import hand_export, hand_region

from childhub.region import RegionError, load_region
from helpers import run

END = date(2026, 3, 31)


@pytest.fixture
def region(tmp_path):
    a = hand_export(tmp_path / "a", "A", 1000, [("cla_count", "a1", "epi-a1", 1, None, None)], END)
    b = hand_export(tmp_path / "b", "B", 3000, [("cla_count", "b1", "epi-b1", 1, None, None)], END)
    return hand_region(tmp_path / "region", [a, b], [("A", "a1", 1), ("B", "b1", 2)])


def _edit(path, change):
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _refused(region, match):
    with pytest.raises(RegionError, match=match) as caught:
        load_region(region)
    assert "\n" not in str(caught.value)


def test_an_exports_file_entry_that_is_not_an_object_is_one_line(region, tmp_path):
    _edit(tmp_path / "a" / "manifest.json", lambda m: m["files"].__setitem__("children.parquet", "abc"))
    _refused(region, "field 'files'")


def test_an_exports_files_that_are_not_an_object_are_one_line(region, tmp_path):
    _edit(tmp_path / "a" / "manifest.json", lambda m: m.__setitem__("files", ["children.parquet"]))
    _refused(region, "field 'files'")


def test_an_export_naming_a_file_outside_its_folder_is_refused_unread(region, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not the export's", encoding="utf-8")
    _edit(tmp_path / "a" / "manifest.json", lambda m: m["files"].__setitem__("../secret.txt", {"sha256": "x"}))
    _refused(region, "'../secret.txt'")


def test_a_population_that_is_not_a_whole_number_is_one_line(region, tmp_path):
    _edit(tmp_path / "a" / "manifest.json", lambda m: m.__setitem__("population_0_17", "lots"))
    _refused(region, "population_0_17")


def test_month_ends_that_are_not_a_list_of_dates_name_the_field(region, tmp_path):
    _edit(tmp_path / "a" / "manifest.json", lambda m: m.__setitem__("month_ends", 5))
    _refused(region, "field 'month_ends'")


def test_a_region_manifests_file_entry_that_is_not_an_object_is_one_line(region):
    _edit(region / "manifest.json", lambda m: m.__setitem__("files", {"region_children.parquet": "abc"}))
    _refused(region, "field 'files'")


def test_the_command_says_so_in_one_line(region, tmp_path):
    _edit(tmp_path / "a" / "manifest.json", lambda m: m.__setitem__("population_0_17", "lots"))
    result = run("region", "indicators", str(region), "--engine", "duckdb")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "population_0_17" in result.stderr and "unexpected" not in result.stderr


def test_an_export_made_again_since_the_region_link_is_refused(region, tmp_path):
    # the region link names each export's children.parquet by its SHA-256; an authority that exported again into the
    # same folder (new pooled_ids after a new link of its own) would otherwise count its movers twice, silently
    children = tmp_path / "a" / "manifest.json"
    sha = json.loads(children.read_text(encoding="utf-8"))["files"]["children.parquet"]["sha256"]
    _edit(region / "manifest.json", lambda m: m["exports"][0].__setitem__("sha256", "0" * 64))
    _refused(region, "since the region link")
    _edit(region / "manifest.json", lambda m: m["exports"][0].__setitem__("sha256", sha))
    assert load_region(region).authorities[0].code == "A"  # the same export: read


def test_public_never_shows_a_small_number_of_children_counted_in_two_councils():
    from childhub.region import RegionFigure, public_figures

    # 100 children looked after in A, 200 in B, 299 in the region: shown exactly, anyone reading the public table
    # works out that one child was counted by both councils on the date (a small number: the threshold is 5)
    counts = {"region": 299, "A": 100, "B": 200}
    figures = [
        RegionFigure("cla_count", scope, END, float(count), None, float(count), count, None)
        for scope, count in counts.items()
    ]
    shown, hidden = public_figures(figures, 5)
    assert all(hidden[("cla_count", scope)] is None for scope in counts)  # nothing is small: all three are shown
    by_scope = {figure.scope: figure for figure in shown}
    # rounded to the nearest 5: 299 -> 300, 100 -> 100, 200 -> 200; the difference shown is 0, not the 1 child
    assert [by_scope[s].numerator for s in counts] == [300.0, 100.0, 200.0]
    assert [by_scope[s].value for s in counts] == [300.0, 100.0, 200.0]
    assert [by_scope[s].children for s in counts] == [300, 100, 200]
    overlap = by_scope["A"].numerator + by_scope["B"].numerator - by_scope["region"].numerator
    assert not 0 < overlap < 5


def test_public_percentages_are_made_from_the_rounded_counts():
    from childhub.region import RegionFigure, public_figures

    # a percentage: 37 of 121 -> 35 of 120 shown, 29.166...% (not 30.58%); a median is not a count and stays
    figures = [
        RegionFigure("placement_stability_short", "region", END, 37.0, 121.0, 100 * 37 / 121, 37, None),
        RegionFigure("placement_stability_short", "A", END, 37.0, 121.0, 100 * 37 / 121, 37, None),
        RegionFigure("assessment_median_wd", "region", END, 37.0, None, 23.5, 37, None),
        RegionFigure("assessment_median_wd", "A", END, 37.0, None, 23.5, 37, None),
    ]
    shown, _ = public_figures(figures, 5)
    assert (shown[0].numerator, shown[0].denominator, shown[0].children) == (35.0, 120.0, 35)
    assert shown[0].value == pytest.approx(100 * 35 / 120)
    assert (shown[2].numerator, shown[2].value) == (35.0, 23.5)
