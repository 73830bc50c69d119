"""The synthetic authority: formats, identifiers, truth, families, determinism and realism."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from childhub.errors import SynthError
from childhub.identifiers import is_valid_nhs_number, is_valid_upn, normalise_postcode
from childhub.synth import EXTRACTS, build_authority, generate, mapping_files
from childhub.synth.dq_errors import KINDS
from childhub.synth.realism import measure
from conftest import TINY_AS_AT, TINY_SEED

AS_AT = TINY_AS_AT  # the shared tiny authority's, so its folder is this module's authority
SEED = TINY_SEED

# SSDA903 tables and their columns, as ../shared/reference/formats.md lists them
SSDA903_COLUMNS = {
    "header": "CHILD SEX DOB ETHNIC UPN MOTHER MC_DOB",
    "episodes": "CHILD DECOM RNE LS CIN PLACE PLACE_PROVIDER DEC REC REASON_PLACE_CHANGE HOME_POST PL_POST URN",
    "reviews": "CHILD DOB REVIEW REVIEW_CODE",
    "uasc": "CHILD SEX DOB DUC",
    "oc2": "CHILD DOB SDQ_SCORE SDQ_REASON CONVICTED HEALTH_CHECK IMMUNISATIONS TEETH_CHECK HEALTH_ASSESSMENT "
    "SUBSTANCE_MISUSE INTERVENTION_RECEIVED INTERVENTION_OFFERED",
    "oc3": "CHILD DOB IN_TOUCH ACTIV ACCOM",
    "ad1": "CHILD DOB DATE_INT DATE_MATCH FOSTER_CARE NB_ADOPTR SEX_ADOPTR LS_ADOPTR",
    "placed_for_adoption": "CHILD DOB DATE_PLACED DATE_PLACED_CEASED REASON_PLACED_CEASED",
    "previous_permanence": "CHILD DOB PREV_PERM LA_PERM DATE_PERM",
    "missing": "CHILD DOB MISSING MIS_START MIS_END",
    "sw_episodes": "CHILD DOB SW_ID SW_DECOM SW_DEC SW_REASON",
    "dolo": "CHILD DOB DOLO_START DOLO_END",
}
DATE_COLUMNS = {
    "DOB",
    "DECOM",
    "DEC",
    "REVIEW",
    "DUC",
    "DATE_INT",
    "DATE_MATCH",
    "DATE_PLACED",
    "DATE_PLACED_CEASED",
    "MIS_START",
    "MIS_END",
    "SW_DECOM",
    "SW_DEC",
    "MC_DOB",
    "DATE_PERM",
}
# the column holding each source system's own record key, per extract file
RECORD_KEYS = {
    "social_care/case_management/persons.csv": ("social_care", "person_id"),
    "education/pupils.csv": ("education", "pupil_id"),
    "sen/sen.csv": ("sen", "sen_id"),
    "youth_justice/youth_justice.csv": ("youth_justice", "yj_id"),
    "police/police_notifications.csv": ("police", "nominal_id"),
    "neet/neet.csv": ("neet", "young_person_id"),
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def authority_dir(tiny_authority) -> Path:
    return tiny_authority.folder


@pytest.fixture(scope="module")
def truth(authority_dir) -> list[dict[str, str]]:
    return read_csv(authority_dir / "truth.csv")


def test_every_source_system_writes_its_files(authority_dir):
    manifest = json.loads((authority_dir / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["as_at"] == AS_AT.isoformat()
    for name in [
        *RECORD_KEYS,
        "education/attendance.csv",
        "education/exclusions.csv",
        "social_care/case_management/contacts.csv",
        "social_care/case_management/early_help.csv",
        "social_care/case_management/allocations.csv",
        "social_care/case_management/workers.csv",
        "social_care/case_management/teams.csv",
    ]:
        assert (authority_dir / EXTRACTS / name).is_file(), name
    for year in (2024, 2025, 2026):
        assert (authority_dir / EXTRACTS / f"social_care/cin_census/CIN_Census_{year}.xml").is_file()
        for table in SSDA903_COLUMNS:
            path = authority_dir / EXTRACTS / f"social_care/ssda903/{year}/{table}.csv"
            if table == "dolo" and year < 2027 or table == "sw_episodes" and year < 2024:
                assert not path.exists()
                continue
            assert path.is_file(), path
    assert all(count >= 0 for count in manifest["files"].values())


def test_the_generators_own_files_are_beside_the_extracts_not_in_them(authority_dir):
    assert sorted(p.name for p in authority_dir.iterdir()) == ["extracts", "manifest.json", "mappings", "truth.csv"]
    extracts = {p.relative_to(authority_dir).as_posix() for p in (authority_dir / EXTRACTS).rglob("*") if p.is_file()}
    manifest = json.loads((authority_dir / "manifest.json").read_text())
    assert set(manifest["files"]) == extracts | {"truth.csv"}
    assert sorted(p.name for p in (authority_dir / "mappings").iterdir()) == [p.name for p in mapping_files()]
    assert len(mapping_files()) == 17 and all(p.name.startswith("synthetic_") for p in mapping_files())


def test_ssda903_tables_have_the_published_columns_and_dates(authority_dir):
    for year_dir in sorted((authority_dir / EXTRACTS / "social_care" / "ssda903").iterdir()):
        for path in year_dir.glob("*.csv"):
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                assert header == SSDA903_COLUMNS[path.stem].split(), path
                for row in reader:
                    for column, value in zip(header, row, strict=True):
                        if column in DATE_COLUMNS and value:
                            datetime.strptime(value, "%d/%m/%Y")


def test_cin_census_headers_and_children(authority_dir):
    for year in (2024, 2025, 2026):
        root = etree.parse(str(authority_dir / EXTRACTS / f"social_care/cin_census/CIN_Census_{year}.xml")).getroot()
        assert root.findtext("Header/CollectionDetails/ReferenceDate") == f"{year}-03-31"
        children = root.findall("Children/Child")
        assert children
        sex_item = "Sex" if year >= 2025 else "GenderCurrent"
        for child in children:
            assert child.find(f"ChildIdentifiers/{sex_item}") is not None
            assert child.findall("CINdetails")
            upn = child.findtext("ChildIdentifiers/UPN")
            assert upn is None or is_valid_upn(upn)
            assert upn or child.findtext("ChildIdentifiers/UPNunknown") in {"UN1", "UN5", "UN7"}


def test_every_record_is_in_the_truth_file_and_nothing_else(authority_dir, truth):
    keys = {(row["source"], row["source_record_id"]) for row in truth}
    assert len(keys) == len(truth), "truth.csv has duplicate source records"
    seen = set()
    for file, (source, column) in RECORD_KEYS.items():
        ids = {(source, row[column]) for row in read_csv(authority_dir / EXTRACTS / file)}
        assert ids <= keys, f"{file} has records missing from truth.csv"
        seen |= ids
    # SSDA903 and CIN children are social-care person records
    for path in (authority_dir / EXTRACTS / "social_care" / "ssda903").glob("*/header.csv"):
        assert {("social_care", row["CHILD"]) for row in read_csv(path)} <= keys
    for path in (authority_dir / EXTRACTS / "social_care" / "cin_census").glob("*.xml"):
        ids = etree.parse(str(path)).getroot().iterfind("Children/Child/ChildIdentifiers/LAchildID")
        assert {("social_care", e.text) for e in ids} <= keys
    assert seen == keys, "truth.csv lists records no extract holds"


def test_truth_ties_several_systems_to_one_child(truth):
    systems_per_person = defaultdict(set)
    for row in truth:
        systems_per_person[row["person_id"]].add(row["source"])
    known_to_several = sum(1 for systems in systems_per_person.values() if len(systems) >= 2)
    assert known_to_several > 100
    assert set().union(*systems_per_person.values()) == {
        "social_care",
        "education",
        "sen",
        "youth_justice",
        "police",
        "neet",
    }


def test_identifiers_keep_their_check_characters(authority_dir):
    for file, column in [
        ("education/pupils.csv", "upn"),
        ("sen/sen.csv", "upn"),
        ("youth_justice/youth_justice.csv", "upn"),
        ("neet/neet.csv", "upn"),
        ("social_care/case_management/persons.csv", "upn"),
    ]:
        values = [row[column] for row in read_csv(authority_dir / EXTRACTS / file) if row[column]]
        assert values and all(is_valid_upn(v) for v in values), file
    nhs_numbers = [
        row["nhs_number"]
        for file in ("social_care/case_management/persons.csv", "sen/sen.csv", "youth_justice/youth_justice.csv")
        for row in read_csv(authority_dir / EXTRACTS / file)
        if row["nhs_number"]
    ]
    assert nhs_numbers and all(is_valid_nhs_number(v) for v in nhs_numbers)
    for file in ("social_care/case_management/persons.csv", "education/pupils.csv", "police/police_notifications.csv"):
        postcodes = [row["postcode"] for row in read_csv(authority_dir / EXTRACTS / file) if row["postcode"]]
        assert postcodes and all(normalise_postcode(p) == p for p in postcodes), file


def test_shared_identifiers_appear_at_system_dependent_rates(authority_dir):
    def share(file, column):
        rows = read_csv(authority_dir / EXTRACTS / file)
        return sum(1 for row in rows if row[column]) / len(rows)

    assert share("education/pupils.csv", "upn") == 1.0
    assert share("police/police_notifications.csv", "nominal_id") == 1.0
    assert 0.55 < share("social_care/case_management/persons.csv", "nhs_number") < 0.9
    assert share("youth_justice/youth_justice.csv", "nhs_number") < share(
        "social_care/case_management/persons.csv", "nhs_number"
    )


def test_households_look_like_english_families():
    authority = build_authority("tiny", SEED, AS_AT)
    households = [h for h in authority.households if not h.children[0].uasc]
    assert all(1 <= len(h.children) <= 6 for h in households)
    assert any(h.lone_parent for h in households) and any(h.stepfamily for h in households)
    step_surnames = [len({c.surname for c in h.children}) > 1 for h in households if h.stepfamily]
    assert sum(step_surnames) >= len(step_surnames) // 2
    twins = [c for h in households for c in h.children if c.twin_of]
    assert twins
    by_id = {c.person_id: c for h in households for c in h.children}
    for child in twins:
        other = by_id[child.twin_of]
        assert other.dob == child.dob and other.household_id == child.household_id
        assert other.forename != child.forename
    assert any(len(h.residences) > 1 for h in households), "some families move house"
    assert any("-" in c.surname for h in households for c in h.children), "some surnames are hyphenated"


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_same_seed_same_files_other_seed_other_files(authority_dir, tmp_path):
    again = tmp_path / "again"
    generate("tiny", SEED, AS_AT, again)
    assert _file_hashes(again) == _file_hashes(authority_dir)
    other = tmp_path / "other"
    generate("tiny", SEED + 1, AS_AT, other)
    assert _file_hashes(other)["truth.csv"] != _file_hashes(authority_dir)["truth.csv"]


@pytest.mark.slow
def test_noise_changes_partner_copies_but_not_the_truth(tmp_path):
    clean, noisy = tmp_path / "clean", tmp_path / "noisy"
    generate("tiny", SEED, AS_AT, clean, noise=0.0)
    generate("tiny", SEED, AS_AT, noisy, noise=0.3)
    assert (clean / "truth.csv").read_bytes() == (noisy / "truth.csv").read_bytes()
    authority = build_authority("tiny", SEED, AS_AT)
    truth_names = {
        row["source_record_id"]: row["person_id"]
        for row in read_csv(clean / "truth.csv")
        if row["source"] == "education"
    }
    children = {c.person_id: c for c in authority.children()}

    def mismatches(folder):
        rows = read_csv(folder / EXTRACTS / "education" / "pupils.csv")
        wrong = Counter()
        for row in rows:
            child = children[truth_names[row["pupil_id"]]]
            wrong["forename"] += row["forename"] != child.forename
            wrong["date_of_birth"] += row["date_of_birth"] != child.dob.isoformat()
        return wrong, len(rows)

    clean_wrong, _ = mismatches(clean)
    noisy_wrong, rows = mismatches(noisy)
    assert clean_wrong["forename"] == 0 and clean_wrong["date_of_birth"] == 0
    assert 0.15 < noisy_wrong["forename"] / rows < 0.45
    assert 0.08 < noisy_wrong["date_of_birth"] / rows < 0.3


@pytest.mark.slow
def test_dq_errors_are_planted_and_listed(tmp_path):
    out = tmp_path / "dq"
    generate("tiny", SEED, AS_AT, out, dq_errors=len(KINDS))
    listed = read_csv(out / "dq_errors.csv")
    assert {row["kind"] for row in listed} == {kind.name for kind in KINDS}
    for row in listed:
        path = out / row["file"]
        if path.suffix == ".csv":
            rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
            header = rows[0]
            assert rows[int(row["row"]) - 1][header.index(row["field"])] == row["value_after"], row
        else:
            child_id = row["row"].removeprefix("LAchildID ")
            root = etree.parse(str(path)).getroot()
            child = next(
                c for c in root.iterfind("Children/Child") if c.findtext("ChildIdentifiers/LAchildID") == child_id
            )
            assert row["value_after"] in [e.text for e in child.iter(row["field"])]


def test_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SynthError, match="not empty"):
        generate("tiny", SEED, AS_AT, tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    with pytest.raises(SynthError, match="unknown size"):
        generate("enormous", SEED, AS_AT, tmp_path / "x")


# name -> (low, high): England's published figure with a tolerance wide enough for one
# small (20,000-child) authority; see docs/synthetic-authority.md
TOLERANCES = {
    "referrals_per_10k": (400, 650),
    "re_referral_pct": (17, 28),
    "referral_nfa_pct": (3.5, 10),
    "assessments_within_45_pct": (80, 91),
    "assessment_median_working_days": (28, 38),
    "icpc_within_15_pct": (65, 92),
    "s47_per_10k": (130, 250),
    "cin_at_31_march_per_10k": (240, 420),
    "cp_plans_at_31_march_per_10k": (28, 55),
    "looked_after_at_31_march_per_10k": (48, 90),
    "persistent_absence_pct": (16, 24),
    "persistent_absence_children_in_need_pct": (35, 60),
    "ehc_plan_pct": (3.8, 6.8),
    "sen_support_pct": (10.5, 18),
    "twins_per_1000_maternities": (8, 24),
    "children_per_household": (1.55, 1.85),
    # the statutory record (issue 12)
    "starts_under_1_pct": (10, 32),
    "looked_after_under_1_pct": (0.5, 10),
    "re_entries_within_12m_pct": (3, 20),
    "cp_visits_within_10wd_pct": (80, 95),
    "cp_last_visit_seen_alone_pct": (35, 75),
    "cla_visits_on_time_pct": (85, 100),
    "cla_with_permanence_plan_pct": (75, 100),
    "health_assessment_pct": (80, 100),
    "dental_check_pct": (65, 95),
    "development_assessment_under5_pct": (60, 100),
    "persistent_absence_looked_after_pct": (8, 32),
    "caseload_per_fte": (12, 20),
    "teams_holding_no_cases": (0, 0),
    "care_leavers_with_adviser_pct": (100, 100),
}


@pytest.mark.slow  # a whole small authority's rates; the realism check
def test_rates_are_near_englands_published_figures():
    figures = measure(build_authority("small", 11, AS_AT))
    outside = {
        name: figures[name].value for name, (low, high) in TOLERANCES.items() if not low <= figures[name].value <= high
    }
    assert not outside, f"outside tolerance: {outside}"


def test_a_foster_placement_made_long_term_keeps_its_carers():
    """When the full care order is made, some children's short-term foster placements (U6, U3) are confirmed as
    long-term with the same carers (U4, U1): a new episode with RNE U, the same provider, postcode and URN, and
    the placement change reason PLACE, so time with the same carers outlasts the placement."""
    authority = build_authority("tiny", SEED, AS_AT)
    kept = 0
    for child in authority.children():
        for period in child.care_periods:
            for before, after in zip(period.episodes, period.episodes[1:], strict=False):
                if after.reason_new != "U" or after.placement == "A5":
                    continue
                assert {before.placement: after.placement} in ({"U6": "U4"}, {"U3": "U1"})
                assert (after.legal_status, before.reason_place_change) == ("C2", "PLACE")
                assert before.legal_status != "C2"
                same = (before.provider, before.placement_postcode, before.urn)
                assert (after.provider, after.placement_postcode, after.urn) == same
                kept += 1
    assert kept
