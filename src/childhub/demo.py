"""``childhub demo``: a synthetic authority prepared end to end in the data folder.

It does what exists today and says what it did: generate the synthetic authority
(reused when the same one is already there, so running twice duplicates nothing)
and bring the store's schema up to date. Later steps (ingest, link, measure, serve)
join here as they land.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from childhub.store import Store
from childhub.synth import Progress

PENDING = "indicators and Annex A export, and the web app (issues 5-6)"


def synthetic_folder(store: Store, size: str, seed: int) -> Path:
    return store.data_dir / "synthetic" / f"{size}-seed{seed}"


def _same_authority(folder: Path, size: str, seed: int, as_at: date) -> bool:
    from childhub.synth import DEFAULT_NOISE, GENERATOR_VERSION

    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        return False
    manifest = json.loads(manifest_path.read_text("utf-8"))
    wanted = {
        "size": size,
        "seed": seed,
        "as_at": as_at.isoformat(),
        "noise": DEFAULT_NOISE,
        "generator_version": GENERATOR_VERSION,
        "dq_errors": 0,
    }
    return all(manifest.get(key) == value for key, value in wanted.items())


def run_demo(store: Store, size: str, seed: int, as_at: date, progress: Progress | None = None) -> list[str]:
    """Prepare the demo authority; return one line per step saying what was done."""
    from childhub.synth import _quiet, generate

    say = progress or _quiet
    lines = []
    folder = synthetic_folder(store, size, seed)
    if _same_authority(folder, size, seed, as_at):
        lines.append(f"Synthetic authority already in {folder} (size {size}, seed {seed}, as at {as_at}): reused.")
    else:
        result = generate(size, seed, as_at, folder, progress=say)
        lines.append(
            f"Generated a {size} synthetic authority ({result.children_0_17:,} children aged 0-17, "
            f"{sum(result.files.values()):,} records in {len(result.files)} files) into {folder} "
            f"in {result.seconds:.1f}s."
        )
    say("preparing the store")
    applied = store.migrate()
    version = store.schema_version()
    lines.append(
        f"Store {store.database_path}: schema version {version}"
        + (f" (applied {', '.join(applied)})." if applied else " (already up to date).")
    )
    from childhub.ingest import ingest

    reports = ingest(store, [folder], progress=say)
    loaded = [r for r in reports if r.status == "loaded"]
    unchanged = sum(1 for r in reports if r.status == "unchanged")
    failed = [r for r in reports if not r.ok]
    lines.append(
        f"Ingested {len(loaded)} file(s), {sum(r.rows_read for r in loaded):,} rows "
        f"({sum(r.rows_rejected for r in loaded):,} quarantined); {unchanged} unchanged since last time."
    )
    for report in failed:
        lines.append(f"Could not ingest {report.file}: {report.message}")
    from childhub.link import link

    say("linking records of the same child")
    result = link(store, progress=say)
    lines.append(
        f"Linked {result.records:,} source records into {result.children:,} children in {result.families:,} "
        f"families ({result.queued:,} pairs await review: childhub review)."
    )
    lines.append(f"Still to come: {PENDING}.")
    return lines
