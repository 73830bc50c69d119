"""Benchmark: the web app under 50 concurrent signed-in users while an ingest runs, on a medium authority.

    .venv/bin/python bench/bench_web.py [--seed 7] [--users 50] [--seconds 60] [--store DIR] [--prepare-only]
        [--pages overview,indicator,child,baseline | my-cases,my-team,baseline] [--size small|medium]

Target (issue 6): with 50 users browsing the overview, indicator pages and the pages of
children each may see, for 60 s, while an ingest writes to the store and publishes a new
snapshot, the 95th percentile of every page type stays under 500 ms and no request fails.
A user reads each page for ``--think`` seconds (default 1, at random 0.5-1.5 times it) before
asking for the next, as people browsing do; ``--think 0 --section web-medium-saturated`` shows
the server saturated instead (every user asking again the moment an answer comes).

The `medium` authority (about 80,000 children) is generated as at today, ingested and linked
once and cached under ``--cache`` (or taken from ``--store``); each run works on a copy of it,
so the ingest the run makes never accumulates. The app runs in its own process (uvicorn on
127.0.0.1, a free port, one worker, warmed first, as ``childhub serve`` runs it); the ingest in another
(the CIN census XML of another synthetic seed, then the writer refreshes the facts and
publishes a new snapshot, which the app switches to mid-run). 50 accounts (mostly analysts,
managers and practitioners, with real teams and caseloads) sign in through the form; each user
is a thread with its own httpx client looping over pages for the time given. Baseline, in the
same run and under the same load: ``/static/childhub.css`` (a file with no data behind it).
Writes its table into docs/benchmarks.md (section ``web-medium``).

``--pages`` chooses the page types browsed (default: the overview, indicators, children and the baseline, as
above). ``my-cases`` and ``my-team`` are the frontline's own pages (issue 15, target p95 under 300 ms): practitioners
open My cases, managers My team and the cases of a worker of their team (``/my-cases?worker=ID``); users whose role
may open neither browse the other types chosen, or the baseline.
``scrutiny``, ``self-evaluation``, ``clusters``, ``front-door``, ``care-projection`` and ``practice-quality`` are the
leaders' and councillors' pages (issue 16, target p95 under 500 ms): each user opens, at random, those of them its
role may open (practitioners, who may open none, the baseline). ``--size small`` prepares a small authority instead
(a quick look that it works; ``--store`` takes any prepared store, ``large`` included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from common import ROOT, write_section

PASSWORD = "bench password for load testing"
P95_TARGET_MS = 500
FRONTLINE_P95_TARGET_MS = 300  # issue 15: My cases and My team
PAGE_TYPES = ("overview", "indicator", "child", "baseline")
FRONTLINE_PAGES = ("my-cases", "my-team")
# issue 16: leaders' and councillors' pages, each with the roles that may open it (target p95 under 500 ms)
LEADER_PAGES = {
    "scrutiny": ("/scrutiny", ("admin", "analyst", "manager", "scrutiny")),
    "self-evaluation": ("/self-evaluation", ("admin", "analyst", "manager")),
    "clusters": ("/clusters", ("admin", "analyst", "manager", "scrutiny")),
    "front-door": ("/front-door", ("admin", "analyst", "manager", "scrutiny")),
    "care-projection": ("/care-projection", ("admin", "analyst", "manager", "scrutiny")),
    "practice-quality": ("/practice-quality", ("admin", "analyst", "manager", "scrutiny")),
}
ALL_PAGE_TYPES = (*PAGE_TYPES, *FRONTLINE_PAGES, *LEADER_PAGES)
MAX_REQUESTS_PER_USER = 5_000  # a bound on each loop besides the time

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
generate("small", {seed} + 1000, date.fromisoformat({as_at!r}), Path({other!r}))
"""

OTHER = """
from datetime import date
from pathlib import Path
from childhub.synth import generate
generate("small", {seed} + 1000, date.today(), Path({other!r}))
"""

SERVER = """
import uvicorn
from pathlib import Path
from childhub.settings import Settings
from childhub.web import create_app
app = create_app(Settings(data_dir=Path({store!r})), warm_first=True)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""

INGEST = """
import json, time
from pathlib import Path
from childhub.hub import ingest
from childhub.store import Store
started = time.perf_counter()
# another seed's census replaces this one's (smaller: a shrink the benchmark means, so allowed)
reports = ingest(Store(Path({store!r})), [Path({files!r})], allow_shrink=True)
print(json.dumps({{"seconds": time.perf_counter() - started,
                  "loaded": sum(r.status == "loaded" for r in reports),
                  "rows": sum(r.rows_read for r in reports if r.status == "loaded")}}))
"""


def prepare(cache: Path, seed: int, size: str = "medium") -> tuple[Path, Path]:
    """The cached store (``size``, medium unless asked) and the other seed's CIN census folder, made on first use."""
    store, authority, other = cache / "store", cache / "authority", cache / "other"
    done = cache / "prepared.json"
    if not done.exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        as_at = date.today().isoformat()
        print(f"preparing a {size} authority (seed {seed}, as at {as_at}) in {cache}: a few minutes", flush=True)
        started = time.perf_counter()
        code = PREPARE.format(
            size=size, seed=seed, as_at=as_at, authority=str(authority), store=str(store), other=str(other)
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        done.write_text(json.dumps({"seed": seed, "as_at": as_at, "seconds": time.perf_counter() - started}))
    return store, other / "extracts" / "social_care" / "cin_census"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- accounts and what each may see -------------------------------------------------------------


@dataclass
class User:
    username: str
    role: str
    child_keys: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)  # a manager's team's workers (My cases of each)


def make_accounts(data_dir: Path, count: int) -> tuple[list[User], list[str]]:
    """``count`` accounts with real teams and caseloads; the indicator IDs; each user's visible children."""
    from childhub.accounts import Accounts
    from childhub.facts import prepare as prepare_facts
    from childhub.store import current_snapshot, open_snapshot
    from childhub.web.deps import Signed
    from childhub.web.scope import child_filter

    conn = open_snapshot(current_snapshot(data_dir))
    cursor = conn.cursor()
    prepare_facts(cursor)
    open_case = (
        "FROM fact_allocation WHERE start_date <= current_date AND (end_date IS NULL OR end_date > current_date) "
    )
    teams = [
        row[0]
        for row in cursor.execute(
            f"SELECT team_id {open_case} AND team_id IS NOT NULL GROUP BY team_id ORDER BY count(*) DESC"
        ).fetchall()
    ]
    workers = [
        row[0]
        for row in cursor.execute(
            f"SELECT worker_id {open_case} AND worker_id IS NOT NULL GROUP BY worker_id ORDER BY count(*) DESC"
        ).fetchall()
    ]
    all_children = [
        row[0]
        for row in cursor.execute("SELECT child_key FROM fact_child USING SAMPLE 2000 ROWS (reservoir, 7)").fetchall()
    ]
    # mostly analysts, managers and practitioners, a few admins and scrutiny members
    roles = ["analyst"] * 14 + ["manager"] * 14 + ["practitioner"] * 16 + ["admin"] * 3 + ["scrutiny"] * 3
    roles = (roles * (count // len(roles) + 1))[:count]
    accounts = Accounts(data_dir)
    existing = {account.username for account in accounts.list()}
    users = []
    for number, role in enumerate(roles):
        username = f"bench-{role}-{number:02d}"
        scope: dict = {}
        team = teams[number % len(teams)]
        if role == "manager":
            scope = {"teams": (team,)}
        elif role == "practitioner":
            scope = {"worker_id": workers[number % len(workers)]}
        if username not in existing:
            accounts.add(username, role, PASSWORD, **scope)
        account = accounts.get(username)
        user = User(username, role)
        if role == "manager":
            user.workers = [
                row[0]
                for row in cursor.execute(
                    f"SELECT DISTINCT worker_id {open_case} AND team_id = ? AND worker_id IS NOT NULL ORDER BY 1",
                    [team],
                ).fetchall()
            ]
        if role in ("admin", "analyst"):
            user.child_keys = random.Random(number).sample(all_children, 200)
        elif role != "scrutiny":
            predicate, values = child_filter(Signed(account, "web", None), "child_key")
            user.child_keys = [
                row[0]
                for row in cursor.execute(
                    f"SELECT child_key FROM fact_child WHERE {predicate} ORDER BY child_key LIMIT 200", values
                ).fetchall()
            ]
        users.append(user)
    from childhub.indicators import library

    indicator_ids = sorted(library())
    conn.close()
    return users, indicator_ids


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in ALL_PAGE_TYPES})
    errors: dict[str, int] = field(default_factory=lambda: {kind: 0 for kind in ALL_PAGE_TYPES})
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, note: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(note)


def sign_in(client, username: str) -> None:
    """Sign in through the form. The app's cookies are Secure, which httpx keeps to https; a browser
    treats 127.0.0.1 as secure and sends them, so here they are sent by hand, as a browser would."""
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next_path": "/", "login_csrf": token},
        headers={"Cookie": f"childhub_login_csrf={form.cookies['childhub_login_csrf']}"},
    )
    if response.status_code != 303:  # (SystemExit would end a thread silently)
        raise RuntimeError(f"{username} could not sign in: {response.status_code} {response.text[:300]}")
    client.headers["Cookie"] = f"childhub_session={response.cookies['childhub_session']}"
    client.cookies.clear()


def browse(
    base: str,
    user: User,
    indicator_ids: list[str],
    pages: set[str],
    deadline: list[float],  # one shared deadline, set once every user is signed in
    tally: Tally,
    ready: threading.Barrier,
    think: float = 0.0,
) -> None:
    """One user: sign in, then overview, an indicator, a child they may see, the stylesheet, until time is up.

    Between pages the user reads for ``think`` seconds on average (0.5 to 1.5 times it, at random);
    with ``think`` 0 every user asks again the moment an answer comes, which saturates the server.
    """
    import httpx

    rng = random.Random(user.username)
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        sign_in(client, user.username)
        ready.wait()
        for _ in range(MAX_REQUESTS_PER_USER):
            if time.monotonic() >= deadline[0]:
                break
            choice = rng.random()
            if any(kind in pages for kind in LEADER_PAGES):
                kind, path = leader_choice(user, pages, rng)
            elif any(kind in pages for kind in FRONTLINE_PAGES):
                kind, path = frontline_choice(user, indicator_ids, pages, rng)
            elif choice < 0.25:
                kind, path = "overview", "/"
            elif choice < 0.55 and "indicator" in pages:
                kind, path = "indicator", f"/indicators/{rng.choice(indicator_ids)}"
            elif choice < 0.85 and "child" in pages and user.child_keys:
                kind, path = "child", f"/children/{rng.choice(user.child_keys)}"
            else:
                kind, path = "baseline", "/static/childhub.css"
            started = time.perf_counter()
            try:
                response = client.get(path)
                ok, note = response.status_code == 200, f"{response.status_code} {path}"
            except httpx.HTTPError as error:
                ok, note = False, f"{type(error).__name__} {path}"
            tally.add(kind, time.perf_counter() - started, ok, note)
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))


def frontline_choice(user: User, indicator_ids: list[str], pages: set[str], rng: random.Random) -> tuple[str, str]:
    """A page for ``user`` when the frontline's pages are browsed: My cases for a practitioner; My team, or a worker's
    cases, for a manager; otherwise one of the other chosen types (or the baseline)."""
    options = []
    if "my-cases" in pages and user.role == "practitioner":
        options.append(("my-cases", "/my-cases"))
    if user.role == "manager":
        if "my-team" in pages:
            options.append(("my-team", "/my-team"))
        if "my-cases" in pages and user.workers:
            options.append(("my-cases", f"/my-cases?worker={rng.choice(user.workers)}"))
    if not options:
        if "overview" in pages:
            options.append(("overview", "/"))
        if "indicator" in pages:
            options.append(("indicator", f"/indicators/{rng.choice(indicator_ids)}"))
        if "child" in pages and user.child_keys:
            options.append(("child", f"/children/{rng.choice(user.child_keys)}"))
    return rng.choice(options) if options else ("baseline", "/static/childhub.css")


def leader_choice(user: User, pages: set[str], rng: random.Random) -> tuple[str, str]:
    """A leaders' page ``user``'s role may open, at random among those chosen (else the baseline)."""
    options = [(kind, path) for kind, (path, roles) in LEADER_PAGES.items() if kind in pages and user.role in roles]
    return rng.choice(options) if options else ("baseline", "/static/childhub.css")


def built_pages(users: list[User], indicator_ids: list[str], base: str, chosen: tuple[str, ...]) -> dict[str, float]:
    """The page types built yet, each with its time alone (warm, no other load), in seconds.

    A route not built yet answers 404 or fails; its page type is left out of the run.
    """
    import httpx

    analyst = next(user for user in users if user.role == "analyst")
    practitioner = next(user for user in users if user.role == "practitioner")
    manager = next(user for user in users if user.role == "manager")
    alone = {}
    for kind, user, path in (
        ("overview", analyst, "/"),
        ("indicator", analyst, f"/indicators/{indicator_ids[0]}"),
        ("child", analyst, f"/children/{analyst.child_keys[0]}"),
        ("my-cases", practitioner, "/my-cases"),
        ("my-team", manager, "/my-team"),
        ("baseline", analyst, "/static/childhub.css"),
        *((kind, manager if "manager" in roles else analyst, path) for kind, (path, roles) in LEADER_PAGES.items()),
    ):
        if kind not in chosen:
            continue
        with httpx.Client(base_url=base, timeout=120) as client:  # one each: an error closes the connection
            sign_in(client, user.username)
            response = client.get(path)  # warms the caches, as a first visitor would
            started = time.perf_counter()
            again = client.get(path)
            seconds = time.perf_counter() - started
        if response.status_code == 200 and again.status_code == 200:
            alone[kind] = seconds
        else:
            print(f"note: {path} answered {response.status_code}; {kind} pages left out", flush=True)
    return alone


def wait_until_up(base: str, process: subprocess.Popen, limit: float = 600) -> float:
    """Seconds until the app answers (it warms every figure, trend and breakdown before it serves)."""
    import httpx

    started = time.monotonic()
    deadline = started + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the app stopped before it answered")
        try:
            httpx.get(f"{base}/login", timeout=2)
            return time.monotonic() - started
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"the app did not answer within {limit:.0f}s")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(args) -> dict:
    from childhub.store import current_snapshot

    cache = Path(args.cache)
    size = args.size
    cache_store, cin_census = (Path(args.store), None) if args.store else prepare(cache, args.seed, size)
    if cin_census is None:  # a store given: only the other seed's CIN census is needed, for the ingest
        cin_census = cache / "other" / "extracts" / "social_care" / "cin_census"
        if not cin_census.exists():
            subprocess.run([sys.executable, "-c", OTHER.format(seed=args.seed, other=str(cache / "other"))], check=True)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    print(f"copying the store to {work}", flush=True)
    shutil.copytree(cache_store, work, ignore=shutil.ignore_patterns("*.wal", "*.lock"))
    (work / "authority.yml").write_text("name: Benchmark authority (synthetic)\npopulation_0_17: 80000\n", "utf-8")
    users, indicator_ids = make_accounts(work, args.users)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(store=str(work), port=port)], cwd=ROOT, env=env)
    ingest_process = None
    try:
        warmed = wait_until_up(base, server)
        print(f"the app answered after {warmed:.0f}s (warming its caches first)", flush=True)
        pages = built_pages(users, indicator_ids, base, args.pages)
        snapshot_before = current_snapshot(work)
        tally = Tally()
        ready = threading.Barrier(len(users) + 1)
        deadline = [time.monotonic() + 3600]  # set for real once every user has signed in
        threads = [
            threading.Thread(
                target=browse,
                args=(base, user, indicator_ids, pages, deadline, tally, ready, args.think),
                daemon=True,
            )
            for user in users
        ]
        for thread in threads:
            thread.start()
        ready.wait(timeout=300)
        started = time.monotonic()
        deadline[0] = started + args.seconds
        print(f"{len(users)} users signed in; browsing for {args.seconds}s with an ingest", flush=True)
        time.sleep(min(5, args.seconds / 4))
        ingest_started = time.monotonic() - started
        ingest_process = subprocess.Popen(
            [sys.executable, "-c", INGEST.format(store=str(work), files=str(cin_census))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        ingest_out, _ = ingest_process.communicate(timeout=600)
        ingest_result = json.loads(ingest_out.strip().splitlines()[-1])
        ingest_result["started_at_s"] = ingest_started
    finally:
        if ingest_process is not None and ingest_process.poll() is None:
            ingest_process.kill()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "tally": tally,
        "pages": pages,
        "elapsed": elapsed,
        "ingest": ingest_result,
        "users": users,
        "published": current_snapshot(work) != snapshot_before,
    }


def target_ms(args) -> int:
    return FRONTLINE_P95_TARGET_MS if any(kind in args.pages for kind in FRONTLINE_PAGES) else P95_TARGET_MS


def report(result: dict, args) -> str:
    tally: Tally = result["tally"]
    mix: dict[str, int] = {}
    for user in result["users"]:
        mix[user.role] = mix.get(user.role, 0) + 1
    lines = [
        f"`{args.size}` authority (seed {args.seed}), {len(result['users'])} concurrent signed-in users "
        f"({', '.join(f'{n} {role}' for role, n in sorted(mix.items()))}) for {result['elapsed']:.0f} s; "
        + (
            f"each reading a page for {args.think:g} s on average (0.5-1.5x, at random) before the next; "
            if args.think
            else "each asking again the moment an answer came (no reading time: the server saturated); "
        )
        + f"one uvicorn worker on 127.0.0.1. An ingest ran at the same time in another process "
        f"(a CIN census XML of another seed, {result['ingest']['rows']:,} rows, "
        f"started {result['ingest']['started_at_s']:.0f} s "
        f"in, took {result['ingest']['seconds']:.1f} s including refreshing the facts; "
        + (
            "it published a new snapshot, which the app switched to mid-run). "
            if result["published"]
            else "it published no new snapshot). "
        )
        + f"Target: p95 under {target_ms(args)} ms on every page type, no errors. "
        "'Alone' is one warm request with no other load, before the run.",
        "",
        "| Page | Requests | Errors | Median (ms) | p95 (ms) | Requests/s | Alone (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "overview": "Overview `/`",
        "indicator": "Indicator `/indicators/{id}`",
        "child": "Child `/children/{key}` (ones the user may see)",
        "baseline": "Baseline: `/static/childhub.css`",
        "my-cases": "My cases `/my-cases` (practitioners; managers with `?worker=`)",
        "my-team": "My team `/my-team` (managers)",
        **{kind: f"`{path}` ({', '.join(roles)})" for kind, (path, roles) in LEADER_PAGES.items()},
    }
    every: list[float] = []
    total_errors = 0
    for kind in args.pages:
        values = tally.latencies[kind]
        if kind not in result["pages"]:
            lines.append(f"| {labels[kind]} | not built yet | | | | | |")
            continue
        every.extend(values)
        total_errors += tally.errors[kind]
        lines.append(
            f"| {labels[kind]} | {len(values):,} | {tally.errors[kind]} | {statistics.median(values) * 1000:.0f} | "
            f"{percentile(values, 0.95) * 1000:.0f} | {len(values) / result['elapsed']:.1f} | "
            f"{result['pages'][kind] * 1000:.0f} |"
        )
    lines.append(
        f"| **All** | {len(every):,} | {total_errors} | {statistics.median(every) * 1000:.0f} | "
        f"{percentile(every, 0.95) * 1000:.0f} | {len(every) / result['elapsed']:.1f} | |"
    )
    if tally.samples:
        lines += ["", "Errors seen (first few): " + "; ".join(f"`{s}`" for s in tally.samples)]
    worst = max(percentile(tally.latencies[k], 0.95) for k in result["pages"]) * 1000
    verdict = "met" if worst < target_ms(args) and total_errors == 0 else "NOT met"
    lines += ["", f"Target {verdict}: worst p95 {worst:.0f} ms, {total_errors} errors."]
    return "\n".join(lines)


def page_types(text: str) -> tuple[str, ...]:
    chosen = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    unknown = [kind for kind in chosen if kind not in ALL_PAGE_TYPES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"page types are {', '.join(ALL_PAGE_TYPES)}, not {', '.join(unknown)}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds a user reads a page before the next (0: none)"
    )
    parser.add_argument(
        "--section", help="the docs/benchmarks.md section to write (web-medium; web-frontline-SIZE for My cases, team)"
    )
    parser.add_argument("--store", help="a prepared medium store to use (copied; never changed)")
    parser.add_argument("--cache", help="where the prepared store is kept (/tmp/childhub-bench/web-SIZE)")
    parser.add_argument("--work", default="/tmp/childhub-bench/web-run", help="the copy each run works on")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument(
        "--pages",
        default=",".join(PAGE_TYPES),
        type=page_types,
        help=f"the page types to browse, from {', '.join(ALL_PAGE_TYPES)} (default: {','.join(PAGE_TYPES)})",
    )
    parser.add_argument(
        "--size",
        default="medium",
        choices=["small", "medium", "large"],
        help="the authority prepared (large: give --store, e.g. bench_push.py's cached large store)",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    frontline = any(kind in args.pages for kind in FRONTLINE_PAGES)
    args.cache = args.cache or f"/tmp/childhub-bench/web-{args.size}"
    leaders = any(kind in args.pages for kind in LEADER_PAGES)
    args.section = args.section or (
        f"web-leaders-{args.size}" if leaders else f"web-frontline-{args.size}" if frontline else "web-medium"
    )
    if args.prepare_only:
        prepare(Path(args.cache), args.seed, args.size)
        return
    result = run(args)
    table = report(result, args)
    print(table)
    if not args.no_write:
        title = "Web app under load" + (f", {args.think:g} s reading time" if args.think else ", saturated")
        issue = (
            "leaders' and councillors' pages, issue 16"
            if leaders
            else "My cases and My team, issue 15"
            if frontline
            else "issue 6"
        )
        write_section(args.section, f"## {title} ({issue})\n\n" + table)


if __name__ == "__main__":
    main()
