"""One authority's pooled export for its region, under the region's shared key (docs/region.md, "A pooled export").

``export_pooled`` reads the store (a reader: nothing in it changes) and writes, into a temporary folder beside the
target that is renamed at the end:

- ``children.parquet``: one row per linked child, as the contract lists: the child as ``pooled_id``, NHS number and
  UPN as keyed hashes, first name, last name and date of birth as Bloom-filter encodings, month of birth, sex and
  postcode district for display;
- ``indicator_rows.parquet``: the rows the Calculator counts behind every indicator (its default period ending at
  each of the last 12 month ends up to the as-at date), with the child as its ``pooled_id``, the item as a keyed hash
  and nothing else about the child, so the region can count each child once across councils;
- ``manifest.json`` (last): the authority, the key check, the encodings, the population, the authority's own figures
  for every indicator and month end, and each file's rows and SHA-256.

A child's NHS number: a child's records may hold more than one valid number. The export keeps one row per child
(the contract's) with the valid number held by the most of the child's systems, then by the system ranked first for
dates of birth in facts/precedence.yml (social care's are checked each year by the DfE's returns), then the lowest
number; the same for the UPN. The encodings still link a child whose other number another council holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childhub.exports import private_file, private_folder
from childhub.region import RegionError
from childhub.region.encoding import (
    WORDS,
    encode_dates_of_birth,
    encode_names,
    encoding_settings,
    key_check,
    keyed_hash,
    nhs_hash,
    pooled_id,
    upn_hash,
)

if TYPE_CHECKING:
    import duckdb

    from childhub.indicators import AuthoritySettings
    from childhub.store import Store

FORMAT = "childhub-pooled"
VERSION = 1
CHILDREN_FILE = "children.parquet"
INDICATOR_ROWS_FILE = "indicator_rows.parquet"
MANIFEST_FILE = "manifest.json"
MONTH_ENDS = 12  # month ends of indicator rows exported
# The systems in the order an identifier's holder is trusted: facts/precedence.yml's list for dates of birth.
_IDENTIFIER_FIELD = "date_of_birth"


@dataclass(frozen=True)
class PooledExport:
    """What ``export_pooled`` wrote: the folder, the children and indicator rows, and the child keys (for the audit)."""

    folder: Path
    authority_code: str
    children: int
    indicator_rows: int
    child_keys: tuple[str, ...]


def month_ends(as_at: date, count: int = MONTH_ENDS) -> list[date]:
    """The last ``count`` month ends on or before ``as_at``, oldest first (``as_at`` itself when it is one)."""
    first = as_at + timedelta(days=1)
    end = first.replace(day=1) - timedelta(days=1)  # the month end on or before as_at
    ends = []
    while len(ends) < count:
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def export_pooled(store: Store, authority: AuthoritySettings, key: bytes, out: Path, as_at: date) -> PooledExport:
    """Write the authority's pooled export into ``out`` (new, or an empty folder); see the module's docstring."""
    code = authority.ons_code
    if code is None:
        raise RegionError(
            "the authority has no ons_code in its settings (authority.yml): the region names each authority by it"
        )
    _check_target(out)
    from childhub.facts import prepare

    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        linked = conn.execute("SELECT count(*) FROM fact_child WHERE child_id IS NOT NULL").fetchone()[0]
        if not linked:
            raise RegionError(f"{store.data_dir}: the store is not linked yet (run childhub link first)")
        children, child_keys = _children(conn, key, code)
        rows, figures = _indicator_rows(conn, authority, key, code, as_at)
    tables = {CHILDREN_FILE: children, INDICATOR_ROWS_FILE: rows}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "authority_code": code,
        "authority_name": authority.name,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_at": as_at.isoformat(),
        "key_check": key_check(key),
        "encoding": encoding_settings(),
        "population_0_17": authority.population_0_17,
        "month_ends": [end.isoformat() for end in month_ends(as_at)],
        "figures": figures,
        "files": {},
    }
    _write(out, tables, manifest)
    return PooledExport(out, code, children.num_rows, rows.num_rows, tuple(child_keys))


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RegionError(f"{out}: already there and not an empty folder (a pooled export goes into a new one)")
    if not out.parent.exists():
        raise RegionError(f"{out.parent}: no such folder")


# ---- children.parquet ------------------------------------------------------------------------------------------------


def _children(conn: duckdb.DuckDBPyConnection, key: bytes, code: str):
    import pyarrow as pa

    people = conn.execute(
        "SELECT child_key, child_id, forename, surname, date_of_birth, sex, area "
        "FROM fact_child WHERE child_id IS NOT NULL ORDER BY child_id"
    ).fetchall()
    held = conn.execute(  # each identifier a child's records hold: how many systems, the best system's rank
        f"""
        SELECT child_key, 'nhs' AS kind, nhs_number AS value, count(DISTINCT source_system),
               min(precedence_rank('{_IDENTIFIER_FIELD}', source_system))
        FROM fact_person WHERE child_id IS NOT NULL AND nhs_number IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT child_key, 'upn', upper(replace(upn, ' ', '')), count(DISTINCT source_system),
               min(precedence_rank('{_IDENTIFIER_FIELD}', source_system))
        FROM fact_person WHERE child_id IS NOT NULL AND upn IS NOT NULL GROUP BY ALL
        """
    ).fetchall()
    options: dict[str, dict[str, list[tuple]]] = {"nhs": defaultdict(list), "upn": defaultdict(list)}
    for child_key, kind, value, systems, best_rank in held:
        hashed = nhs_hash(key, value) if kind == "nhs" else upn_hash(key, value)
        if hashed is not None:  # an identifier failing its check is left out
            options[kind][child_key].append((-systems, best_rank, value, hashed))

    def chosen(kind: str, child_key: str) -> str | None:
        held_by_child = options[kind].get(child_key)
        return min(held_by_child)[3] if held_by_child else None

    keys = [row[0] for row in people]
    columns: dict[str, Any] = {
        "pooled_id": [pooled_id(key, code, row[1]) for row in people],
        "authority_code": [code] * len(people),
        "nhs_hash": [chosen("nhs", k) for k in keys],
        "upn_hash": [chosen("upn", k) for k in keys],
    }
    encoded = {
        "first_name": encode_names(key, "first_name", [row[2] for row in people]),
        "last_name": encode_names(key, "last_name", [row[3] for row in people]),
        "dob": encode_dates_of_birth(key, [row[4] for row in people]),
    }
    for field, (words, bits) in encoded.items():
        empty = bits == 0
        for word in range(WORDS):
            columns[f"{field}_bf{word}"] = pa.array(words[:, word], type=pa.int64(), mask=empty)
        columns[f"{field}_bits"] = pa.array(bits, type=pa.int32(), mask=empty)
    columns["birth_month"] = [row[4].strftime("%Y-%m") if row[4] is not None else None for row in people]
    columns["sex"] = [row[5] for row in people]
    columns["postcode_district"] = [row[6] for row in people]
    return pa.table(columns), keys


# ---- indicator_rows.parquet ------------------------------------------------------------------------------------------


def _indicator_rows(conn, authority: AuthoritySettings, key: bytes, code: str, as_at: date):
    """Every indicator's counted rows for its default period at each month end, and the authority's own figures."""
    import pyarrow as pa

    from childhub.indicators import Calculator, library, period_ending

    calc = Calculator(conn, authority)
    ends = month_ends(as_at)
    columns: dict[str, list] = {
        name: []
        for name in (
            "authority_code",
            "indicator_id",
            "period_end",
            "pooled_id",
            "item_hash",
            "numerator",
            "denominator",
            "value",
        )
    }
    figures = []
    pooled: dict[str, str] = {}
    for ind in library().values():
        periods = [period_ending(ind.period, end) for end in ends]
        for end, figure in zip(ends, calc.calculate(ind, periods), strict=True):
            figures.append(
                {
                    "indicator_id": ind.id,
                    "period_end": end.isoformat(),
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "value": figure.value,
                    "children": figure.children,
                }
            )
        for period_id, child_key, item_id, numerator, denominator_value, measured in calc.counted_rows(ind, periods):
            columns["authority_code"].append(code)
            columns["indicator_id"].append(ind.id)
            columns["period_end"].append(ends[period_id])
            columns["pooled_id"].append(_pooled_child(pooled, key, code, child_key))
            columns["item_hash"].append(None if item_id is None else keyed_hash(key, f"{code}:{ind.id}:{item_id}")[:32])
            columns["numerator"].append(numerator)
            columns["denominator"].append(denominator_value)
            columns["value"].append(measured)
    schema = pa.schema(
        [
            ("authority_code", pa.string()),
            ("indicator_id", pa.string()),
            ("period_end", pa.date32()),
            ("pooled_id", pa.string()),
            ("item_hash", pa.string()),
            ("numerator", pa.float64()),
            ("denominator", pa.float64()),
            ("value", pa.float64()),
        ]
    )
    return pa.table(columns, schema=schema), figures


def _pooled_child(cache: dict[str, str], key: bytes, code: str, child_key: str | None) -> str | None:
    """A counted row's child as its pooled_id: a linked child's key is "C" and its child_id (the pooled_id of
    children.parquet); a record linkage has not reached yet keeps its own key (hashed all the same)."""
    if child_key is None:
        return None
    if child_key not in cache:
        linked = child_key[1:] if child_key.startswith("C") and child_key[1:].isdigit() else child_key
        cache[child_key] = pooled_id(key, code, linked)
    return cache[child_key]


# ---- writing -----------------------------------------------------------------------------------------------------


def _write(out: Path, tables: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Each table as Parquet and the manifest last, owner-only, in a folder beside ``out`` renamed to it at the end."""
    import pyarrow.parquet as pq

    temporary = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    private_folder(temporary)
    try:
        for name, table in tables.items():
            path = private_file(temporary / name)
            pq.write_table(table, path)
            manifest["files"][name] = {"rows": table.num_rows, "sha256": sha256_of(path)}
        manifest_path = private_file(temporary / MANIFEST_FILE)
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        try:
            if out.exists():
                out.rmdir()  # empty when checked; not empty now: another process wrote there meanwhile
            os.replace(temporary, out)
        except OSError as error:
            raise RegionError(f"{out}: could not be made the export ({error.strerror})") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
