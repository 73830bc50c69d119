"""``childhub demo``: a synthetic authority prepared end to end in the data folder.

It does what exists today and says what it did: generate the synthetic authority
(reused when the same one is already there, so running twice duplicates nothing), bring
the store's schema up to date, ingest every extract, link the records, write the
authority settings file (population and example targets) if there is none, count every
indicator and write Annex A for the as-at date. Serving joins here when it lands.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from childhub.store import Store
from childhub.synth import Progress

PENDING = "the web app (issue 6)"


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
    lines.extend(_measure(store, folder, as_at, say))
    lines.append(f"Still to come: {PENDING}.")
    return lines


# Illustrative targets for the demo authority, so the RAG column has something to say; an
# authority sets its own in authority.yml.
DEMO_TARGETS = {
    "re_referrals_12m": {"target": 20.0, "tolerance": 3.0},
    "referrals_nfa": {"target": 6.5, "tolerance": 2.0},
    "assessments_45wd": {"target": 85.0, "tolerance": 5.0},
    "icpc_15wd": {"target": 80.0, "tolerance": 5.0},
    "cp_plan_rate": {"target": 40.0, "tolerance": 5.0},
    "cp_second_plan": {"target": 20.0, "tolerance": 3.0},
    "cla_rate": {"target": 67.0, "tolerance": 7.0},
    "placement_stability_short": {"target": 10.0, "tolerance": 2.0},
    "placement_stability_long": {"target": 68.0, "tolerance": 5.0},
    "care_leavers_eet": {"target": 55.0, "tolerance": 5.0},
    "caseload_per_worker": {"target": 16.0, "tolerance": 2.0},
    "persistent_absence_cin": {"target": 40.0, "tolerance": 4.0},
}


def _write_authority_file(store: Store, folder: Path) -> str:
    import yaml

    from childhub.indicators.targets import AUTHORITY_FILE

    path = store.data_dir / AUTHORITY_FILE
    if path.exists():
        return f"Authority settings {path}: kept as they are."
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    from childhub.indicators import library

    settings = {
        "name": manifest["authority"],
        "population_0_17": manifest["children_0_17"],
        "caseload_threshold": 18,
        "early_warning": {"run_length": 6, "points": 24},
        "targets": {key: value for key, value in DEMO_TARGETS.items() if key in library()},
    }
    header = (
        "# The authority's own settings (see docs/indicators.md). Written by childhub demo for the\n"
        "# synthetic authority; the targets are examples.\n"
    )
    path.write_text(header + yaml.safe_dump(settings, sort_keys=False), "utf-8")
    return f"Authority settings {path}: written (population {manifest['children_0_17']:,}, example targets)."


def _measure(store: Store, folder: Path, as_at: date, say) -> list[str]:
    """Count every indicator and write Annex A for the as-at date."""
    lines = [_write_authority_file(store, folder)]
    from childhub.indicators import calculator

    say("counting the indicators")
    with calculator(store) as calc:
        figures = calc.figures(as_at)
    rag = {colour: sum(1 for f in figures if f.rag == colour) for colour in ("red", "amber", "green")}
    empty = sum(1 for f in figures if f.value is None)
    lines.append(
        f"Counted {len(figures)} indicators as at {as_at}: {rag['red']} red, {rag['amber']} amber, "
        f"{rag['green']} green against targets; {empty} without a value (childhub indicators --as-at {as_at})."
    )
    from childhub.annex_a.export import write_annex_a
    from childhub.audit import command_line_user, record

    say("writing Annex A")
    out = store.data_dir / "annex-a" / f"annex_a_{as_at.isoformat()}.xlsx"
    report = write_annex_a(store, as_at, out)
    record(
        store.data_dir,
        actor=command_line_user(),
        channel="cli",
        action="export_annex_a",
        subject=str(out),
        child_count=report.children,
        details={"as_at": as_at, "version": report.version, "source": "childhub demo"},
    )
    lines.append(
        f"Wrote Annex A ({report.version} template, {sum(report.rows.values()):,} rows in 11 lists) to {out} "
        f"in {report.seconds:.1f}s."
    )
    return lines
