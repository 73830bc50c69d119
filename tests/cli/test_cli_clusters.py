"""``childhub clusters load`` and ``childhub clusters show``, as a person runs them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from helpers import run


@pytest.mark.slow
def test_load_keeps_the_clusters_and_show_counts_the_children_each_holds(history, tmp_path):
    history.child("A", dob=date(2015, 1, 1))
    history.add("address", addr_person_id="A", addr_address_postcode="QX1 2AB")
    history.child("B", dob=date(2016, 1, 1))
    history.add("address", addr_person_id="B", addr_address_postcode="QX9 1AB")
    history.child("C", dob=date(2016, 1, 1))  # no home, no school: no cluster
    store = history.store()
    source = tmp_path / "ours.csv"
    source.write_text("cluster,postcode_sector\nNorth,QX1 2\nNorth,QX1 3\nEast,QX9 1\n", "utf-8")
    loaded = run("clusters", "load", str(source), data_dir=store.data_dir)
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 2 clusters (3 postcode sectors, 0 schools)" in loaded.stdout
    shown = run("clusters", "show", "--format", "json", data_dir=store.data_dir)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == [
        {
            "cluster": "East",
            "postcode sectors": "QX9 1",
            "schools (URN)": "",
            "children by home": 1,
            "children by school": 0,
            "children": 1,
        },
        {
            "cluster": "North",
            "postcode sectors": "QX1 2, QX1 3",
            "schools (URN)": "",
            "children by home": 1,
            "children by school": 0,
            "children": 1,
        },
        {
            "cluster": "No cluster",
            "postcode sectors": "",
            "schools (URN)": "",
            "children by home": 0,
            "children by school": 0,
            "children": 1,
        },
    ]


@pytest.mark.slow
def test_a_bad_clusters_file_is_one_line_per_problem_and_changes_nothing(tmp_path):
    data = tmp_path / "data"
    source = tmp_path / "bad.csv"
    source.write_text("cluster,postcode_sector\nNorth,QX1 2\nEast,QX1 2\n,QX3 1\n", "utf-8")
    failed = run("clusters", "load", str(source), data_dir=data)
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        "error: bad.csv row 3, postcode_sector: QX1 2 is in two clusters, 'North' (row 2) and 'East'",
        "bad.csv row 4, cluster: empty (every row names its cluster)",
    ]
    assert not (data / "clusters.csv").exists()
    none = run("clusters", "show", data_dir=data)
    assert none.returncode == 1 and "no clusters are loaded" in none.stderr and "Traceback" not in none.stderr
