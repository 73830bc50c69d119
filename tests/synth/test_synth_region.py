"""The synthetic region (``childhub synth-region``): authorities that share the families who moved between them.

Checked against the extracts themselves (what ingest reads), not against the generator's own bookkeeping: a moved
child's UPN in both authorities' school censuses, their school records ending and starting at the move, every record
of every extract in region_truth.csv once, codes that no real authority has, and one authority of a region without
movers byte for byte what ``childhub synth`` writes for its seed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from childhub.indicators import load_authority
from childhub.synth import generate
from childhub.synth.region import generate_region
from helpers import run

AS_AT = date(2026, 3, 31)
SEED = 7
MOVERS = 0.1  # above England's rate, so that a tiny region has plenty of movers to check


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _digests(folder: Path, leave_out: tuple[str, ...] = ("manifest.json", "authority.yml")) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in leave_out
    }


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("region") / "region"
    generate_region(out, 3, "tiny", SEED, AS_AT, movers=MOVERS)
    return out


@pytest.fixture(scope="module")
def described(region) -> dict:
    return json.loads((region / "region.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def truth(region) -> list[dict[str, str]]:
    return _rows(region / "region_truth.csv")


def _pupils(region: Path, code: str) -> list[dict[str, str]]:
    return _rows(region / code / "extracts" / "education" / "pupils.csv")


def test_each_authority_is_a_folder_childhub_synth_would_write_with_its_own_code(region, described):
    codes = [a["code"] for a in described["authorities"]]
    assert len(codes) == len(set(codes)) == 3
    assert len({a["seed"] for a in described["authorities"]}) == 3
    assert len({a["postcode_area"] for a in described["authorities"]}) == 3
    for authority in described["authorities"]:
        folder = region / authority["folder"]
        assert (folder / "extracts").is_dir() and (folder / "mappings").is_dir() and (folder / "truth.csv").exists()
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        settings = load_authority(folder / "authority.yml")  # the store's own reader accepts it
        assert settings.ons_code == authority["code"] == manifest["authority_code"]
        assert settings.name == manifest["authority"] == authority["name"]
        assert settings.population_0_17 == manifest["children_0_17"] == authority["children_0_17"]
        assert int(settings.la_number) == manifest["la_number"]
        # E0999990n: E09 codes are London boroughs, and those run to E09000033
        assert authority["code"].startswith("E0999990")
        # every UPN its schools gave carries its own LA number (characters 2-4)
        own = [p for p in _pupils(region, authority["code"]) if p["upn"][1:4] == settings.la_number]
        assert own, "the authority's own pupils carry its LA number"


def test_every_record_of_every_authority_is_in_region_truth_once(region, described, truth):
    keys = [(row["authority_code"], row["source"], row["source_record_id"]) for row in truth]
    assert len(keys) == len(set(keys))
    for authority in described["authorities"]:
        code = authority["code"]
        own = {(row["source"], row["source_record_id"]) for row in _rows(region / code / "truth.csv")}
        assert own == {(s, r) for c, s, r in keys if c == code}
        # and every record the extracts hold (checked on three systems' own files, read as ingest reads them)
        extracts = region / code / "extracts"
        persons = {r["person_id"] for r in _rows(extracts / "social_care" / "case_management" / "persons.csv")}
        pupils = {r["pupil_id"] for r in _pupils(region, code)}
        sen = {r["sen_id"] for r in _rows(extracts / "sen" / "sen.csv")}
        assert {("social_care", p) for p in persons} <= own
        assert {("education", p) for p in pupils} <= own
        assert {("sen", s) for s in sen} <= own


def test_a_moved_child_is_one_person_in_both_authorities_with_the_same_upn(region, described, truth):
    authorities_of: dict[str, set[str]] = defaultdict(set)
    for row in truth:
        authorities_of[row["region_person_id"]].add(row["authority_code"])
    in_two = {person for person, codes in authorities_of.items() if len(codes) > 1}
    moved = {child: move for move in described["moves"] for child in move["children"]}
    assert len(in_two) > 50  # a tiny region at 10% a year: hundreds of families move
    assert in_two <= set(moved)  # only a child who moved is in two authorities
    for person in in_two:
        assert authorities_of[person] == {moved[person]["origin"], moved[person]["destination"]}
    # the school census of each authority, joined through the truth: a UPN is for life
    pupil_of = {
        (row["authority_code"], row["source_record_id"]): row["region_person_id"]
        for row in truth
        if row["source"] == "education"
    }
    upns: dict[str, set[str]] = defaultdict(set)
    schooled: dict[str, set[str]] = defaultdict(set)
    for authority in described["authorities"]:
        for pupil in _pupils(region, authority["code"]):
            person = pupil_of[(authority["code"], pupil["pupil_id"])]
            upns[person].add(pupil["upn"])
            schooled[person].add(authority["code"])
    at_school_in_both = [person for person in in_two if len(schooled[person]) == 2]
    assert len(at_school_in_both) > 20
    for person in at_school_in_both:
        assert len(upns[person]) == 1


def test_school_records_end_at_the_move_and_start_again_in_the_new_authority_at_a_new_address(region, described, truth):
    areas = {a["code"]: a["postcode_area"] for a in described["authorities"]}
    moved = {child: move for move in described["moves"] for child in move["children"]}
    pupil_of = {
        (row["authority_code"], row["source_record_id"]): row["region_person_id"]
        for row in truth
        if row["source"] == "education"
    }
    checked = 0
    for authority in described["authorities"]:
        code = authority["code"]
        for pupil in _pupils(region, code):
            move = moved.get(pupil_of[(code, pupil["pupil_id"])])
            if move is None:
                continue
            day = date.fromisoformat(move["move_date"])
            if code == move["origin"]:
                assert date.fromisoformat(pupil["entry_date"]) < day
                assert pupil["leaving_date"] and date.fromisoformat(pupil["leaving_date"]) <= day
            else:
                assert code == move["destination"] and date.fromisoformat(pupil["entry_date"]) >= day
                assert pupil["postcode"].startswith(areas[code])  # the new authority's postcode area
                checked += 1
    assert checked > 20


def test_open_child_in_need_cases_close_as_transferred_when_the_family_moves(region, described, truth):
    moved = {child: move for move in described["moves"] for child in move["children"]}
    person_of = {
        (row["authority_code"], row["source_record_id"]): row["region_person_id"]
        for row in truth
        if row["source"] == "social_care"
    }
    import xml.etree.ElementTree as ElementTree

    transferred = 0
    for authority in described["authorities"]:
        code = authority["code"]
        census = region / code / "extracts" / "social_care" / "cin_census" / "CIN_Census_2026.xml"
        for child in ElementTree.parse(census).getroot().iter("Child"):
            person = person_of[(code, child.findtext("ChildIdentifiers/LAchildID"))]
            move = moved.get(person)
            if move is None or move["origin"] != code:
                continue
            day = date.fromisoformat(move["move_date"])
            for episode in child.iter("CINdetails"):
                assert date.fromisoformat(episode.findtext("CINreferralDate")) < day
                closed = episode.findtext("CINclosureDate")
                assert closed and date.fromisoformat(closed) <= day
                transferred += episode.findtext("ReasonForClosure") == "RC5"
    assert transferred > 0


def test_the_movers_rate_is_a_yearly_share_of_households(region, described):
    # 10% a year over the three-year window, less the families that may not move (a child looked after, no child)
    for authority in described["authorities"]:
        households = {row["household_id"] for row in _rows(region / authority["code"] / "truth.csv")}
        households = {h for h in households if not h.startswith("E0")}  # the authority's own, not arrivals
        share = authority["moved_out"] / len(households)
        assert 0.15 < share < 0.30, share


@pytest.mark.slow
def test_a_region_is_the_same_for_a_seed(region, tmp_path):
    again = generate_region(tmp_path / "again", 3, "tiny", SEED, AS_AT, movers=MOVERS)
    assert _digests(again.out, leave_out=()) == _digests(region, leave_out=())


@pytest.mark.slow
def test_without_movers_a_regions_first_authority_is_byte_for_byte_what_childhub_synth_writes(tmp_path):
    made = generate_region(tmp_path / "region", 2, "tiny", 3, AS_AT, movers=0.0)
    first = made.authorities[0]
    alone = generate("tiny", first.seed, AS_AT, tmp_path / "alone")
    assert _digests(made.out / first.folder) == _digests(alone.out)
    assert not made.moves


def test_bad_parameters_get_one_line_and_write_nothing(tmp_path):
    one = run("synth-region", "--out", str(tmp_path / "r"), "--authorities", "1", "--size", "tiny")
    assert one.returncode != 0 and "2 to 20 authorities" in one.stderr and "Traceback" not in one.stderr
    assert len(one.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    busy = run("synth-region", "--out", str(taken), "--size", "tiny", "--as-at", "2026-03-31")
    assert busy.returncode != 0 and "not a childhub synthetic region" in busy.stderr
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    rate = run("synth-region", "--out", str(tmp_path / "r"), "--movers", "0.9", "--size", "tiny")
    assert rate.returncode != 0 and "movers rate" in rate.stderr
    assert not (tmp_path / "r").exists()
