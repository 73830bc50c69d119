"""Benchmark: records pushed to a running ``childhub serve``, beside re-ingesting the whole extract.

    .venv/bin/python bench/bench_push.py [--size small] [--users 0] [--seconds 30] [--samples 20] [--rows 100]
                                         [--seed 7] [--cache DIR] [--store DIR] [--work DIR]

On an authority of ``--size`` (generated as at today, ingested and linked once, cached under ``--cache``, or
taken from ``--store``), copied to ``--work`` for each run:

1. ``childhub serve`` runs in its own process over the copy, with a ``contacts`` feed in feeds.yml (the
   synthetic authority's own contacts layout, by its mapping) and a feed token; ``--users`` signed-in users
   browse it meanwhile (bench_web.py's users: overview, indicators, children's pages, each reading about a
   second between pages).
2. Sustained pushes: single-row pushes back to back for ``--seconds``, then ``--rows``-row pushes for
   ``--seconds``: requests and records per second, and each request's time to its 200 (p50, p95).
3. Time to visible: ``--samples`` single-row pushes, one at a time; after each 200 the child's page is asked
   for every 50 ms until the pushed contact is on it, then the indicators (``/api/v1/indicators``) until the
   contacts counted this year include it: p50 and p95 of the time from the 200 to the page, and to the counts.
4. Today's path, in the same run: the whole contacts extract with one row changed, by ``childhub ingest``
   (its wall time, p50 over ``--repeats``), then the time from the command's end to the change on the
   child's page.

Prints a table (and JSON with ``--json``); docs/benchmarks.md is not written.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from bench_web import PASSWORD, Tally, browse, free_port, make_accounts, percentile, wait_until_up
from common import ROOT

PREPARE = """
from datetime import date
from pathlib import Path
from childhub.hub import ingest, link
from childhub.store import Store
from childhub.synth import generate, mapping_files
made = generate({size!r}, {seed}, date.fromisoformat({as_at!r}), Path({authority!r}))
store = Store(Path({store!r}))
ingest(store, [made.extracts], mapping_files=mapping_files())
link(store)
"""
FEEDS_YML = """feeds:
  contacts:
    description: Contacts from the case-management system (the synthetic authority's layout)
    mapping: {mapping}
    cadence: 1h
"""
CHECKER = "bench-push-checker"  # an admin who reads children's pages to see the pushes arrive


def prepare(cache: Path, size: str, seed: int) -> Path:
    """The cached store of a ``size`` authority, made on first use."""
    store, authority, done = cache / "store", cache / "authority", cache / "prepared.json"
    if not done.exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        as_at = date.today().isoformat()
        print(f"preparing a {size} authority (seed {seed}, as at {as_at}) in {cache}", flush=True)
        code = PREPARE.format(size=size, seed=seed, as_at=as_at, authority=str(authority), store=str(store))
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        done.write_text(json.dumps({"size": size, "seed": seed, "as_at": as_at}))
    return store


def contacts_extract(data_dir: Path) -> Path:
    """The whole contacts extract the store last loaded (its archived original)."""
    from childhub.store import Store

    with Store(data_dir).reader() as conn:
        archive = conn.execute(
            "SELECT archive_path FROM ingest_batch WHERE source_kind = 'case_management_contacts' "
            "AND status = 'loaded' AND mode = 'snapshot' ORDER BY batch_id DESC LIMIT 1"
        ).fetchone()[0]
    return data_dir / archive


def children_to_push_for(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """(person ID in the case-management system, child key) of children the checker may see."""
    from childhub.facts import prepare as prepare_facts
    from childhub.store import current_snapshot, open_snapshot

    conn = open_snapshot(current_snapshot(data_dir))
    cursor = conn.cursor()
    prepare_facts(cursor, ["person"])
    found = cursor.execute(
        "SELECT person_id, child_key FROM fact_person WHERE source_system = 'social_care' AND child_key LIKE 'C%' "
        f"USING SAMPLE {int(count)} ROWS (reservoir, 11)"
    ).fetchall()
    conn.close()
    return found


class Pusher:
    """Pushes contacts to the running server and watches children's pages for them."""

    def __init__(self, base: str, token: str, session: str, children: list[tuple[str, str]]) -> None:
        import httpx

        self.client = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"})
        self.viewer = httpx.Client(base_url=base, timeout=120, headers={"Cookie": f"childhub_session={session}"})
        self.children = children
        self.sent = 0
        self.day = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")

    def rows(self, count: int) -> list[dict]:
        rows = []
        for _ in range(count):
            self.sent += 1
            person, _ = self.children[self.sent % len(self.children)]
            rows.append(
                {
                    "contact_id": f"BENCH-PUSH-{self.sent}",
                    "person_id": person,
                    "contact_date": self.day,
                    "source_code": "1A",
                    "outcome": f"Bench push {self.sent}",
                }
            )
        return rows

    def push(self, count: int) -> tuple[float, list[dict]]:
        rows = self.rows(count)
        started = time.perf_counter()
        response = self.client.post(
            "/api/v1/feeds/contacts/records", json={"rows": rows}, headers={"Idempotency-Key": f"bench-{self.sent}"}
        )
        seconds = time.perf_counter() - started
        if response.status_code != 200 or response.json()["loaded"] != count:
            raise SystemExit(f"a push failed: {response.status_code} {response.text[:300]}")
        return seconds, rows

    def sustained(self, rows_per_push: int, seconds: float) -> dict:
        latencies, deadline = [], time.monotonic() + seconds
        started = time.perf_counter()
        while time.monotonic() < deadline:
            latencies.append(self.push(rows_per_push)[0])
        elapsed = time.perf_counter() - started
        return {
            "rows_per_push": rows_per_push,
            "pushes": len(latencies),
            "pushes_per_second": len(latencies) / elapsed,
            "records_per_second": len(latencies) * rows_per_push / elapsed,
            "p50_ms": 1000 * percentile(latencies, 0.5),
            "p95_ms": 1000 * percentile(latencies, 0.95),
        }

    def seen_after(self, child_key: str, text: str, limit: float = 120) -> float:
        """Seconds from now until ``text`` is on the child's page."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            page = self.viewer.get(f"/children/{child_key}")
            if page.status_code == 200 and text in page.text:
                return time.perf_counter() - started
            time.sleep(0.05)
        raise SystemExit(f"{text!r} was not on {child_key}'s page within {limit:.0f} s")

    def contacts_counted(self) -> int:
        """The contacts the indicators count this year (contact_rate's numerator), as the API gives them."""
        figures = self.viewer.get("/api/v1/indicators").json()["indicators"]
        return next(f["numerator"] for f in figures if f["id"] == "contact_rate")

    def counted_after(self, started: float, expected: int, limit: float = 300) -> float:
        """Seconds from ``started`` until the contacts counted reach ``expected``."""
        while time.perf_counter() - started < limit:
            if self.contacts_counted() >= expected:
                return time.perf_counter() - started
            time.sleep(0.05)
        raise SystemExit(f"the contacts counted did not reach {expected} within {limit:.0f} s")

    def to_visible(self, samples: int) -> dict:
        push_ms, visible, counted = [], [], []
        for _ in range(samples):
            before = self.contacts_counted()
            seconds, [row] = self.push(1)
            acknowledged = time.perf_counter()
            push_ms.append(seconds)
            child_key = dict(self.children)[row["person_id"]]
            visible.append(self.seen_after(child_key, row["outcome"]))
            counted.append(self.counted_after(acknowledged, before + 1))
        return {
            "samples": samples,
            "push_p50_ms": 1000 * percentile(push_ms, 0.5),
            "visible_p50_s": percentile(visible, 0.5),
            "visible_p95_s": percentile(visible, 0.95),
            "visible_max_s": max(visible),
            "counted_p50_s": percentile(counted, 0.5),
            "counted_p95_s": percentile(counted, 0.95),
        }


def reingest(work: Path, extract: Path, pusher: Pusher, repeats: int) -> dict:
    """Today's path: the whole contacts extract with one row changed, through ``childhub ingest``."""
    from childhub.synth import mapping_files

    with extract.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    person, child_key = pusher.children[0]
    ingest_seconds, visible = [], []
    for attempt in range(repeats):
        changed = [*body]
        marker = f"Bench re-ingest {attempt}"
        line = [*changed[-1]]  # the extract's last contact, now for this child and with a new outcome
        line[column["person_id"]] = person
        line[column["contact_date"]] = pusher.day
        line[column["source_code"]] = "1A"
        line[column["outcome"]] = marker
        changed[-1] = line  # one row of the whole extract changed
        target = work.parent / f"reingest-{attempt}" / "contacts.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *changed])
        command = [sys.executable, "-m", "childhub", "ingest", str(target), "--data-dir", str(work)]
        for mapping in mapping_files():
            command += ["--mapping", str(mapping)]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**os.environ})
        ingest_seconds.append(time.perf_counter() - started)
        visible.append(pusher.seen_after(child_key, marker, limit=900))
    return {
        "rows_in_extract": len(body),
        "repeats": repeats,
        "ingest_p50_s": percentile(ingest_seconds, 0.5),
        "visible_after_ingest_p50_s": percentile(visible, 0.5),
        "total_p50_s": percentile([a + b for a, b in zip(ingest_seconds, visible, strict=True)], 0.5),
    }


def run(args) -> dict:
    from childhub.accounts import Accounts
    from childhub.synth import mapping_files

    cache_store = Path(args.store) if args.store else prepare(Path(args.cache), args.size, args.seed)
    work = Path(args.work) / "store"
    shutil.rmtree(work.parent, ignore_errors=True)
    print(f"copying the store to {work}", flush=True)
    shutil.copytree(cache_store, work, ignore=shutil.ignore_patterns("*.wal", "*.lock"))
    mapping = next(path for path in mapping_files() if path.name == "synthetic_contacts.yml")
    (work / "feeds.yml").write_text(FEEDS_YML.format(mapping=mapping), "utf-8")
    accounts = Accounts(work)
    _, token = accounts.issue_feed_token("contacts", "bench", "bench")
    accounts.add(CHECKER, "admin", PASSWORD)
    session, _ = accounts.sign_in(CHECKER, PASSWORD, "127.0.0.1")
    users, indicator_ids = make_accounts(work, args.users) if args.users else ([], [])
    children = children_to_push_for(work, 200)
    extract = contacts_extract(work)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "childhub", "serve", "--port", str(port), "--data-dir", str(work)]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    result: dict = {"size": f"the store {args.store}" if args.store else f"a {args.size}", "users": args.users}
    try:
        result["server_up_s"] = wait_until_up(base, server)
        tally, deadline = Tally(), [float("inf")]
        threads = []
        if users:
            ready = threading.Barrier(len(users) + 1)
            for user in users:
                thread = threading.Thread(
                    target=browse,
                    args=(base, user, indicator_ids, {"overview", "indicator", "child"}, deadline, tally, ready, 1.0),
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
            ready.wait()
        pusher = Pusher(base, token, session, children)
        print("sustained single-row pushes", flush=True)
        result["single"] = pusher.sustained(1, args.seconds)
        print(f"sustained {args.rows}-row pushes", flush=True)
        result["batch"] = pusher.sustained(args.rows, args.seconds)
        print("time from 200 to the child's page", flush=True)
        result["visible"] = pusher.to_visible(args.samples)
        print("today's path: re-ingesting the whole contacts extract with one row changed", flush=True)
        result["reingest"] = reingest(work, extract, pusher, args.repeats)
        deadline[0] = 0.0
        for thread in threads:
            thread.join(timeout=60)
        if users:
            pages = [kind for kind in ("overview", "indicator", "child") if tally.latencies[kind]]
            result["browsing"] = {
                kind: {
                    "requests": len(tally.latencies[kind]),
                    "errors": tally.errors[kind],
                    "p95_ms": 1000 * percentile(tally.latencies[kind], 0.95),
                }
                for kind in pages
            }
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return result


def report(result: dict) -> str:
    single, batch, visible, old = result["single"], result["batch"], result["visible"], result["reingest"]
    lines = [
        f"Push benchmark: {result['size']} authority, {result['users']} browsing users "
        f"(server up in {result['server_up_s']:.1f} s)",
        "",
        "| what | requests/s | records/s | p50 to 200 | p95 to 200 |",
        "| --- | --- | --- | --- | --- |",
        f"| 1-row pushes ({single['pushes']}) | {single['pushes_per_second']:.2f} | {single['records_per_second']:.2f} "
        f"| {single['p50_ms']:.0f} ms | {single['p95_ms']:.0f} ms |",
        f"| {batch['rows_per_push']}-row pushes ({batch['pushes']}) | {batch['pushes_per_second']:.2f} "
        f"| {batch['records_per_second']:.1f} | {batch['p50_ms']:.0f} ms | {batch['p95_ms']:.0f} ms |",
        "",
        f"From the 200 to the child's page ({visible['samples']} pushes): p50 {visible['visible_p50_s']:.2f} s, "
        f"p95 {visible['visible_p95_s']:.2f} s, most {visible['visible_max_s']:.2f} s; in the counts (contacts this "
        f"year, /api/v1/indicators): p50 {visible['counted_p50_s']:.2f} s, p95 {visible['counted_p95_s']:.2f} s.",
        f"Today's path, the whole contacts extract ({old['rows_in_extract']:,} rows) with one changed, by "
        f"childhub ingest: {old['ingest_p50_s']:.1f} s to ingest, then {old['visible_after_ingest_p50_s']:.1f} s "
        f"to the child's page ({old['total_p50_s']:.1f} s in all, p50 of {old['repeats']}).",
    ]
    for kind, figures in result.get("browsing", {}).items():
        lines.append(
            f"Browsing meanwhile, {kind}: {figures['requests']} requests, {figures['errors']} failed, "
            f"p95 {figures['p95_ms']:.0f} ms."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=("tiny", "small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=0, help="signed-in users browsing meanwhile")
    parser.add_argument("--seconds", type=float, default=30, help="each sustained phase")
    parser.add_argument("--rows", type=int, default=100, help="rows in each push of the second phase")
    parser.add_argument("--samples", type=int, default=20, help="pushes timed to the child's page")
    parser.add_argument("--repeats", type=int, default=3, help="re-ingests of the whole extract")
    parser.add_argument("--cache", default=None, help="where the prepared authority is kept")
    parser.add_argument("--store", default=None, help="a prepared store to copy instead")
    parser.add_argument("--work", default="/tmp/childhub-bench-push", help="where the run's copy goes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    args.cache = args.cache or f"/tmp/childhub-bench-push-{args.size}-{args.seed}"
    result = run(args)
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
