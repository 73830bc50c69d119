"""The tiny authority's pooled export: the contract's columns, one row per linked child, keyed hashes checked against
Python's hmac here, nothing that names a child in any file, owner-only, and the refusals."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from childhub.identifiers import is_valid_nhs_number
from childhub.indicators import AuthoritySettings, library
from childhub.region import RegionError
from childhub.region.pooled import export_pooled
from childhub.store import Store
from helpers import run

KEY = bytes(range(32))
CODE = "E06000099"
AUTHORITY = AuthoritySettings(name="Tinyshire", ons_code=CODE, population_0_17=45_000)
AUTHORITY_DAY = date(2026, 3, 31)


def _contract_columns() -> list[str]:
    words = [f"{field}_bf{i}" for field in ("first_name", "last_name", "dob") for i in range(8)]
    return [
        "pooled_id",
        "authority_code",
        "nhs_hash",
        "upn_hash",
        *words[:8],
        "first_name_bits",
        *words[8:16],
        "last_name_bits",
        *words[16:],
        "dob_bits",
        "birth_month",
        "sex",
        "postcode_district",
    ]


@pytest.fixture(scope="module")
def exported(tiny_authority, tmp_path_factory):
    out = tmp_path_factory.mktemp("pooled") / "export"
    written = export_pooled(tiny_authority.store, AUTHORITY, KEY, out, tiny_authority.as_at)
    return tiny_authority, out, written


@pytest.fixture(scope="module")
def store_children(exported):
    tiny, _, _ = exported
    from childhub.facts import prepare

    with tiny.store.reader() as conn:
        prepare(conn, ["child", "person"])
        children = conn.execute(
            "SELECT child_id, forename, surname, date_of_birth, sex, area FROM fact_child WHERE child_id IS NOT NULL"
        ).fetchall()
        numbers = conn.execute(
            "SELECT child_id, list(DISTINCT nhs_number) FROM fact_person "
            "WHERE child_id IS NOT NULL AND nhs_number IS NOT NULL GROUP BY child_id"
        ).fetchall()
    return children, dict(numbers)


def _pooled(child_id) -> str:
    return hmac.new(KEY, f"{CODE}:{child_id}".encode(), hashlib.sha256).hexdigest()[:32]


@pytest.mark.slow
def test_one_row_per_linked_child_in_the_contracts_columns(exported, store_children):
    _, out, written = exported
    children, numbers = store_children
    table = pq.read_table(out / "children.parquet")
    assert table.column_names == _contract_columns()
    assert table.num_rows == written.children == len(children)
    rows = {row["pooled_id"]: row for row in table.to_pylist()}
    for child_id, _, _, born, sex, area in children:
        row = rows[_pooled(child_id)]
        assert row["authority_code"] == CODE and row["sex"] == sex and row["postcode_district"] == area
        assert row["birth_month"] == (born.strftime("%Y-%m") if born else None)
        valid = [n for n in numbers.get(child_id, []) if is_valid_nhs_number(n)]
        hashes = {hmac.new(KEY, n.encode(), hashlib.sha256).hexdigest() for n in valid}
        assert (row["nhs_hash"] in hashes) if hashes else row["nhs_hash"] is None
    with_valid = sum(1 for c in children if any(is_valid_nhs_number(n) for n in numbers.get(c[0], [])))
    assert sum(1 for r in rows.values() if r["nhs_hash"]) == with_valid > 0
    types = dict(zip(table.column_names, table.schema.types, strict=True))
    assert types["first_name_bf0"] == pa.int64() and types["dob_bits"] == pa.int32()


@pytest.mark.slow
def test_no_name_or_date_of_birth_anywhere_in_the_export(exported, store_children):
    _, out, _ = exported
    children, _ = store_children
    manifest_text = (out / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(manifest_text)
    period_dates = {*manifest["month_ends"], manifest["as_at"]}  # the counting dates: about no child
    vocabulary = {i.upper() for i in library()} | {CODE}  # the indicators' ids and the authority: about no child
    names = {n.strip().upper() for _, first, last, *_ in children for n in (first, last) if n and len(n.strip()) > 1}
    births = {born.isoformat() for _, _, _, born, *_ in children if born} - period_dates
    hex_only = re.compile(r"^[A-F]+$")  # a name such as ADA could be part of a hex digest by chance
    cells: list[str] = []
    for name in ("children.parquet", "indicator_rows.parquet"):
        table = pq.read_table(out / name)
        for column in table.column_names:
            values = table.column(column).to_pylist()
            cells.extend(str(v).upper() for v in values if v is not None and str(v) not in period_dates)
    cells = [cell for cell in cells if cell not in vocabulary]
    found_names = [
        (name, cell)
        for cell in set(cells)
        for name in names
        if (cell == name if hex_only.match(name) else name in cell)
    ]
    assert not found_names
    assert not [cell for cell in set(cells) if cell in births or any(b in cell for b in births)]
    # the manifest's text: what is not a hash, a date, an indicator's id, the authority or the encodings' description
    # (childhub's own words: "day" is also a surname) is its keys
    described = set(_strings(manifest["encoding"]))
    texts = [v for v in _strings(manifest) if not re.fullmatch(r"[0-9a-f]{64}|[0-9T:+-]+", v) and v not in described]
    words = {w for v in texts if v.upper() not in vocabulary | {"TINYSHIRE"} for w in re.findall(r"[A-Z]+", v.upper())}
    assert words and not names & words, names & words
    assert not [b for b in births if b in manifest_text]


def _strings(value) -> list[str]:
    """Every string in a JSON value, keys too."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.slow
def test_every_file_is_owner_only_and_listed_with_its_hash(exported):
    _, out, _ = exported
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(os.listdir(out)) == ["children.parquet", "indicator_rows.parquet", "manifest.json"]
    for name in os.listdir(out):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    for name, listed in manifest["files"].items():
        assert listed["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert listed["rows"] == pq.read_metadata(out / name).num_rows
    assert manifest["key_check"] == hmac.new(KEY, b"childhub pooled key check", hashlib.sha256).hexdigest()
    assert manifest["format"] == "childhub-pooled" and manifest["version"] == 1
    assert manifest["population_0_17"] == 45_000 and len(manifest["month_ends"]) == 12
    assert not [p for p in out.parent.iterdir() if ".partial-" in p.name]  # the temporary folder is gone


@pytest.mark.slow
def test_indicator_rows_hold_no_team_worker_or_child_id(exported):
    _, out, _ = exported
    table = pq.read_table(out / "indicator_rows.parquet")
    assert table.column_names == [
        "authority_code",
        "indicator_id",
        "period_end",
        "pooled_id",
        "item_hash",
        "numerator",
        "denominator",
        "value",
    ]
    children = set(pq.read_table(out / "children.parquet", columns=["pooled_id"]).column(0).to_pylist())
    counted = {p for p in table.column("pooled_id").to_pylist() if p is not None}
    assert len(counted & children) > 0.9 * len(counted)  # the counted children are the linked children


# ---- refusals --------------------------------------------------------------------------------------------------


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(RegionError, match="not an empty folder"):
        export_pooled(Store(tmp_path / "store"), AUTHORITY, KEY, out, AUTHORITY_DAY)
    assert os.listdir(out) == ["mine.txt"]


def test_a_store_not_linked_is_refused(history, tmp_path):
    store = history.store()  # nothing linked: no child IDs
    out = tmp_path / "out"
    with pytest.raises(RegionError, match="not linked yet"):
        export_pooled(store, AUTHORITY, KEY, out, AUTHORITY_DAY)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_an_authority_without_its_code_is_refused(tmp_path):
    with pytest.raises(RegionError, match="no ons_code"):
        export_pooled(Store(tmp_path / "store"), AuthoritySettings(), KEY, tmp_path / "out", AUTHORITY_DAY)


def test_the_command_refuses_a_bad_key_in_one_line(tmp_path):
    key = tmp_path / "region.key"
    key.write_text("not a key\n")
    os.chmod(key, 0o600)
    result = run("export", "pooled", "--key", str(key), "--out", str(tmp_path / "out"), data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {key}: the key is not hexadecimal (childhub region key writes one)"
    assert not (tmp_path / "out").exists()


def test_the_region_key_command_writes_once(tmp_path):
    key = tmp_path / "region.key"
    assert run("region", "key", "--out", str(key)).returncode == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    again = run("region", "key", "--out", str(key))
    assert again.returncode == 1 and "already there" in again.stderr and again.stderr.count("\n") == 1


@pytest.mark.slow
def test_the_command_writes_the_export_and_audits_it(tiny_authority, tmp_path):
    from childhub.audit import events

    store = tiny_authority.copy(tmp_path / "data")
    (store.data_dir / "authority.yml").write_text(f"name: Tinyshire\nons_code: {CODE}\npopulation_0_17: 45000\n")
    key = tmp_path / "region.key"
    assert run("region", "key", "--out", str(key)).returncode == 0
    out = tmp_path / "export"
    command = ("export", "pooled", "--key", str(key), "--out", str(out))
    result = run(*command, "--as-at", "2026-03-31", data_dir=store.data_dir)
    assert result.returncode == 0, result.stderr
    rows = pq.read_metadata(out / "children.parquet").num_rows
    assert f"Wrote {rows:,} children" in result.stdout
    (event,) = events(store.data_dir, action="export_pooled")
    assert event.subject == str(out) and event.child_count == rows
    again = run(*command, data_dir=store.data_dir)
    assert again.returncode == 1 and again.stderr.count("\n") == 1
    assert again.stderr.startswith(f"error: {out}: already there and not an empty folder")
