"""Hand-made pooled exports and region folders for the region's tests (region-link's folder written by hand)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

KEY_CHECK = "ab" * 32
ROW_SCHEMA = pa.schema(
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hand_export(
    folder: Path,
    code: str,
    population: int | None,
    rows: list[tuple],
    month_end: date,
    key_check: str = KEY_CHECK,
    version: int = 1,
) -> Path:
    """A pooled export holding ``rows`` (indicator_id, pooled_id, item_hash, numerator, denominator, value), all at
    ``month_end``; children.parquet holds just its children's pooled_ids."""
    folder.mkdir(parents=True)
    table = pa.table(
        {
            "authority_code": [code] * len(rows),
            "indicator_id": [r[0] for r in rows],
            "period_end": [month_end] * len(rows),
            "pooled_id": [r[1] for r in rows],
            "item_hash": [r[2] for r in rows],
            "numerator": [float(r[3]) for r in rows],
            "denominator": [None if r[4] is None else float(r[4]) for r in rows],
            "value": [None if r[5] is None else float(r[5]) for r in rows],
        },
        schema=ROW_SCHEMA,
    )
    pq.write_table(table, folder / "indicator_rows.parquet")
    children = sorted({r[1] for r in rows if r[1] is not None})
    pq.write_table(
        pa.table({"pooled_id": children, "authority_code": [code] * len(children)}), folder / "children.parquet"
    )
    manifest = {
        "format": "childhub-pooled",
        "version": version,
        "authority_code": code,
        "authority_name": code,
        "as_at": month_end.isoformat(),
        "key_check": key_check,
        "population_0_17": population,
        "month_ends": [month_end.isoformat()],
        "figures": [],
        "files": {
            name: {"rows": pq.read_metadata(folder / name).num_rows, "sha256": _sha256(folder / name)}
            for name in ("children.parquet", "indicator_rows.parquet")
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def hand_region(
    folder: Path, exports: list[Path], region_children: list[tuple[str, str, int]], key_check: str = KEY_CHECK
) -> Path:
    """A region's folder naming ``exports``, with region_children (authority_code, pooled_id, region_child_id)."""
    folder.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "authority_code": [r[0] for r in region_children],
                "pooled_id": [r[1] for r in region_children],
                "region_child_id": pa.array([r[2] for r in region_children], pa.int64()),
                "cluster_size": pa.array([1] * len(region_children), pa.int64()),
            }
        ),
        folder / "region_children.parquet",
    )
    manifest = {"exports": [{"folder": str(e)} for e in exports], "key_check": key_check}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
