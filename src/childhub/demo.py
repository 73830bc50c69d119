"""``childhub demo``: a synthetic authority prepared end to end in the data folder.

It does what exists today and says what it did: generate the synthetic authority
(reused when the same one is already there, so running twice duplicates nothing), bring
the store's schema up to date, ingest every extract, link the records, write the
authority settings file (population and example targets) if there is none, count every
indicator and write Annex A for the as-at date. Then ``demo_accounts`` gives one account per
role (made once, with random passwords kept in ``demo-accounts.txt``, readable by the owner
only) and ``childhub demo`` serves the web app until stopped.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.store import Store
from childhub.synth import SYNTHETIC_ONS_CODE, Progress

if TYPE_CHECKING:
    from childhub.settings import Settings

ACCOUNTS_FILE = "demo-accounts.txt"


def synthetic_folder(store: Store, size: str, seed: int) -> Path:
    return store.data_dir / "synthetic" / f"{size}-seed{seed}"


def _same_authority(folder: Path, size: str, seed: int, as_at: date) -> bool:
    from childhub.synth import DEFAULT_NOISE, EXTRACTS, GENERATOR_VERSION

    manifest_path = folder / "manifest.json"
    if not manifest_path.exists() or not (folder / EXTRACTS).is_dir():  # an older layout: made again
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


def run_demo(
    store: Store, size: str, seed: int, as_at: date, progress: Progress | None = None, *, settings: Settings
) -> list[str]:
    """Prepare the demo authority; return one line per step saying what was done.

    ``settings`` (read by the caller) says where the authority settings file is."""
    from childhub.synth import EXTRACTS, _quiet, generate, mapping_files

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
    from childhub.hub import ingest, link

    reports = ingest(store, [folder / EXTRACTS], mapping_files=mapping_files(), check_quality=False, progress=say)
    loaded = [r for r in reports if r.status == "loaded"]
    unchanged = sum(1 for r in reports if r.status == "unchanged")
    failed = [r for r in reports if not r.ok]
    lines.append(
        f"Ingested {len(loaded)} file(s), {sum(r.rows_read for r in loaded):,} rows "
        f"({sum(r.rows_rejected for r in loaded):,} quarantined); {unchanged} unchanged since last time."
    )
    for report in failed:
        lines.append(f"Could not ingest {report.file}: {report.message}")
    say("linking records of the same child")
    result = link(store, progress=say)
    lines.append(
        f"Linked {result.records:,} source records into {result.children:,} children in {result.families:,} "
        f"families ({result.queued:,} pairs await review: childhub review)."
    )
    lines.append(_quality(store))
    lines.extend(_measure(store, folder, as_at, say, settings))
    lines.append(_demo_clusters(store, folder))
    lines.append(_comparators(store, folder, as_at, seed))
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


def _write_authority_file(path: Path, folder: Path) -> str:
    import yaml

    if path.exists():
        return f"Authority settings {path}: kept as they are."
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    from childhub.indicators import library

    settings = {
        "name": manifest["authority"],
        "population_0_17": manifest["children_0_17"],
        "caseload_threshold": 18,
        "ons_code": SYNTHETIC_ONS_CODE,  # the synthetic comparators' code for it (issue 16)
        "early_warning": {"run_length": 6, "points": 24},
        "targets": {key: value for key, value in DEMO_TARGETS.items() if key in library()},
    }
    header = (
        "# The authority's own settings (see docs/indicators.md). Written by childhub demo for the\n"
        "# synthetic authority; the targets are examples.\n"
    )
    path.write_text(header + yaml.safe_dump(settings, sort_keys=False), "utf-8")
    return f"Authority settings {path}: written (population {manifest['children_0_17']:,}, example targets)."


# --- synthetic comparators (issue 16: benchmarking) ------------------------------------------------------------


def _comparators(store: Store, authority_folder: Path, as_at: date, seed: int) -> str:
    """Write the synthetic comparator files (every name marked "(synthetic)") into the data folder and load them."""
    from childhub.audit import command_line_user
    from childhub.leaders import load_file, load_measures
    from childhub.store import HubDatabase
    from childhub.synth import write_synthetic_comparators

    manifest = json.loads((authority_folder / "manifest.json").read_text("utf-8"))
    folder = store.data_dir / "comparators"
    paths = write_synthetic_comparators(folder, manifest["authority"], as_at, seed, f"{manifest['la_number']:03d}")
    hub, measures = HubDatabase(store.data_dir), load_measures((), store.data_dir)
    reports = [load_file(hub, path, measures=measures, loaded_by=command_line_user()) for path in paths]
    figures = sum(report.load.rows_kept for report in reports if report.load.kind == "open_data")
    indicators = sorted({name for report in reports for name in report.indicators})
    return (
        f"Wrote and loaded synthetic comparators (made up, labelled so on every page) from {folder}: {figures:,} "
        f"figures for {', '.join(indicators)} and a statistical-neighbour list (childhub comparators list)."
    )


def _quality(store: Store) -> str:
    """What the data-quality run after linking found (``childhub dq`` lists it)."""
    from childhub.dq import summary
    from childhub.facts import prepare

    with store.reader() as conn:
        prepare(conn, ["person", "allocation"])
        found = summary(conn)
    return (
        f"Checked data quality (the DfE's return rules for every year held, and the checks across systems): "
        f"{found['errors']:,} errors and {found['queries']:,} queries about {found['children']:,} children "
        f"(childhub dq; the Data quality page)."
    )


def _measure(store: Store, folder: Path, as_at: date, say, settings: Settings) -> list[str]:
    """Count every indicator and write Annex A for the as-at date."""
    from childhub.indicators import authority_for, authority_path

    lines = [_write_authority_file(authority_path(store.data_dir, settings), folder)]
    from childhub.indicators import calculator

    say("counting the indicators")
    with calculator(store, authority_for(store.data_dir, settings)) as calc:
        figures = calc.figures(as_at)
    rag = {colour: sum(1 for f in figures if f.rag == colour) for colour in ("red", "amber", "green")}
    empty = sum(1 for f in figures if f.value is None)
    lines.append(
        f"Counted {len(figures)} indicators as at {as_at}: {rag['red']} red, {rag['amber']} amber, "
        f"{rag['green']} green against targets; {empty} without a value (childhub indicators --as-at {as_at})."
    )
    from childhub.annex_a.export import write_annex_a
    from childhub.audit import record_command_line

    say("writing Annex A")
    out = store.data_dir / "annex-a" / f"annex_a_{as_at.isoformat()}.xlsx"
    report = write_annex_a(store, as_at, out)
    record_command_line(
        store.data_dir,
        "export_annex_a",
        subject=str(out),
        child_count=report.children,
        details={"as_at": as_at, "version": report.version, "source": "childhub demo"},
    )
    lines.append(
        f"Wrote Annex A ({report.version} template, {sum(report.rows.values()):,} rows in 11 lists) to {out} "
        f"in {report.seconds:.1f}s."
    )
    return lines


# --- clusters for the synthetic authority (issue 16) ---------------------------------------------

# Ashmere's home districts are QX1 to QX40 (synth/data/localities.csv); each is given, all nine of its sectors, to a
# cluster named by compass point, eight districts each.
DEMO_CLUSTERS = ("North", "East", "South", "West", "Central")


def _demo_clusters(store: Store, folder: Path) -> str:
    """Write a clusters file for the synthetic authority beside its extracts and load it, unless the data folder
    holds clusters already (an authority's own are never replaced)."""
    from childhub.exports import write_csv
    from childhub.leaders import clusters_path, load_clusters

    if clusters_path(store.data_dir).exists():
        return f"Clusters {clusters_path(store.data_dir)}: kept as they are (childhub clusters show)."
    source = folder / "clusters.csv"
    rows = [
        (DEMO_CLUSTERS[(district - 1) // 8], f"QX{district} {sector}", "")
        for district in range(1, 41)
        for sector in range(1, 10)
    ]
    write_csv(source, ("cluster", "postcode_sector", "school_urn"), rows)
    clusters = load_clusters(store.data_dir, source)
    return (
        f"Loaded {len(clusters.names)} example clusters ({', '.join(clusters.names)}) over "
        f"{len(clusters.sectors)} postcode sectors (childhub clusters show; the Clusters page)."
    )


# --- one account per role, to sign in to the demo -------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    scope: str  # what the role's account works in, as a person reads it

    def line(self) -> str:
        return f"{self.role:13s} {self.username:19s} {self.password}  {self.scope}".rstrip()


DEMO_ROLES = ("admin", "analyst", "manager", "practitioner", "scrutiny")


def demo_accounts(store: Store) -> list[DemoAccount]:
    """One account per role (``demo-<role>``), made once and reused; passwords in ``demo-accounts.txt``.

    The manager runs the team with the most open cases, the practitioner is the worker with the
    most. An account already there keeps its password if the file has it, and gets a new random one
    (written to the file) if not, so the file always says how to sign in.
    """
    from childhub.accounts import AccountError, Accounts

    path = store.data_dir / ACCOUNTS_FILE
    known = _read_accounts_file(path)
    accounts = Accounts(store.data_dir)
    existing = {account.username: account for account in accounts.list()}
    team, worker = _busiest_team_and_worker(store)
    made = []
    for role in DEMO_ROLES:
        username = f"demo-{role}"
        account = existing.get(username)
        password = known.get(username)
        if account is None:
            password = secrets.token_urlsafe(12)
            scope = {"teams": (team,)} if role == "manager" else {"worker_id": worker} if role == "practitioner" else {}
            if role in ("manager", "practitioner") and not (team if role == "manager" else worker):
                raise AccountError(f"the demo store has no open cases to give the {role} account a caseload")
            account = accounts.add(username, role, password, display_name=f"Demo {role}", **scope)
        elif password is None:
            password = secrets.token_urlsafe(12)
            accounts.set_password(username, password)
        where = ", ".join([*account.teams, *account.service_areas, *([account.worker_id] if account.worker_id else [])])
        label = {"manager": f"team {where}", "practitioner": f"worker {where}"}.get(role, "")
        made.append(DemoAccount(role, username, password, label))
    _write_accounts_file(path, made)
    return made


def _busiest_team_and_worker(store: Store) -> tuple[str | None, str | None]:
    """The team and the worker with the most cases open today."""
    from childhub.facts import prepare

    open_today = (
        "FROM fact_allocation WHERE start_date <= current_date AND (end_date IS NULL OR end_date > current_date) "
    )
    with store.reader() as conn:
        prepare(conn, ["person", "allocation"])
        team = conn.execute(
            f"SELECT team_id {open_today} AND team_id IS NOT NULL GROUP BY team_id ORDER BY count(*) DESC, team_id "
            "LIMIT 1"
        ).fetchone()
        worker = conn.execute(
            f"SELECT worker_id {open_today} AND worker_id IS NOT NULL GROUP BY worker_id "
            "ORDER BY count(*) DESC, worker_id LIMIT 1"
        ).fetchone()
    return (team[0] if team else None), (worker[0] if worker else None)


def _read_accounts_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    passwords = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and not line.startswith("#"):
            passwords[parts[1]] = parts[2]
    return passwords


def _write_accounts_file(path: Path, accounts: list[DemoAccount]) -> None:
    text = (
        "# childhub demo accounts: role, username, password (synthetic data only; readable by you alone)\n"
        + "".join(account.line() + "\n" for account in accounts)
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)  # also when the file was there before with wider permissions
