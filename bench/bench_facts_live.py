"""Benchmark: seconds from a small write to its facts being stored, child by child beside a whole rebuild.

    .venv/bin/python bench/bench_facts_live.py [--store /tmp/dq-large/store] [--work DIR] [--repeats 3]

Target (issue 14): a pushed record visible within seconds on the `large` authority, without rebuilding every
fact; ``facts.refresh`` after one pushed contact well under 1 s. The store is copied to ``--work`` once (never
the original) and kept there; its first refresh after opening is whole (new definitions). Then, ``--repeats``
times each: (a) one contact for an existing child, (b) 100 contacts, (c) one new person with a contact, (d) 1,000
rows across tables (contacts, persons' changed details, addresses): each written as a case-management CSV and
ingested as changes of its feed on the writer, then ``facts.refresh`` timed (it must go child by child). Beside
them, in the same run, the whole rebuild (``refresh(force=True)``). Medians, and the ratio. Prints its table; it
does not write docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

CONTACTS = ["contact_id", "person_id", "contact_date", "source_code", "outcome"]
PERSONS = [
    "person_id", "forename", "middle_names", "surname", "date_of_birth", "sex", "ethnicity", "nhs_number", "upn",
    "address_line1", "locality", "postcode", "disabilities",
]  # fmt: skip
ADDRESSES = ["person_id", "address_line1", "locality", "postcode", "start_date", "end_date"]


def _write(folder: Path, name: str, header: list[str], rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows([{column: row.get(column, "") for column in header} for row in rows])
    return path


def _contacts(people: list[str], tag: str) -> list[dict]:
    return [
        {"contact_id": f"BENCH-{tag}-{n}", "person_id": person, "contact_date": "2026-11-20", "source_code": "6",
         "outcome": "Referral to children's social care"}
        for n, person in enumerate(people)
    ]  # fmt: skip


def _persons(conn, people: list[str]) -> list[dict]:
    """The people's current details, each with a changed locality (a new version of the record)."""
    rows = conn.execute(
        "SELECT person_id, forename, surname, date_of_birth, sex, ethnicity, postcode FROM facts.fact_person "
        "WHERE source_system = 'social_care' AND person_id IN (SELECT unnest(?))",
        [people],
    ).fetchall()
    return [
        {"person_id": p, "forename": f, "surname": s, "date_of_birth": str(d or ""), "sex": x, "ethnicity": e,
         "address_line1": "1 Bench Street", "locality": "Benchley", "postcode": pc or ""}
        for p, f, s, d, x, e, pc in rows
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/dq-large/store"))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-facts-live")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from childhub.facts import last_refresh, refresh
    from childhub.ingest import ingest
    from childhub.store import Store
    from childhub.synth import mapping_files

    work = args.work / "store"
    if not work.exists():
        shutil.copytree(args.store, work, ignore=shutil.ignore_patterns("*.lock", "*.wal"))
    store = Store(work)
    mappings = mapping_files()
    files = Path(tempfile.mkdtemp(prefix="bench-facts-live-"))
    today = date.today()
    with store.writer() as conn:
        started = time.perf_counter()
        refresh(conn)
        print(f"first refresh after opening ({last_refresh(conn).mode}): {time.perf_counter() - started:.2f} s")
        people = [
            row[0]
            for row in conn.execute(
                "SELECT person_id FROM facts.fact_person WHERE source_system = 'social_care' ORDER BY person_id"
            ).fetchall()
        ]
        persons_total = conn.execute("SELECT count(*) FROM facts.fact_person").fetchone()[0]
        print(f"{len(people)} social care persons, {persons_total} persons in all")
        run = int(time.time())  # new IDs and choices each run, so a repeated run on the same store changes data too
        chosen = random.Random(run)

        def push(tag: str, name: str, header: list[str], rows: list[dict]) -> None:
            path = _write(files / tag, name, header, rows)
            (report,) = ingest(conn, work, [path], mode="changes", mapping_files=mappings, extract_date=today)
            assert (report.status, report.rows_read, report.rows_rejected) == ("loaded", len(rows), 0), report

        def one_contact(tag: str) -> None:
            push(tag, "contacts.csv", CONTACTS, _contacts(chosen.sample(people, 1), tag))

        def hundred_contacts(tag: str) -> None:
            push(tag, "contacts.csv", CONTACTS, _contacts(chosen.sample(people, 100), tag))

        def new_person(tag: str) -> None:
            person = {"person_id": f"BENCH{tag}", "forename": "Bench", "surname": f"Person{tag}",
                      "date_of_birth": "2015-06-01", "sex": "F", "ethnicity": "WBRI",
                      "address_line1": "3 Bench Lane", "locality": "Benchley", "postcode": "QX1 1AA"}  # fmt: skip
            push(tag, "persons.csv", PERSONS, [person])
            push(tag + "c", "contacts.csv", CONTACTS, _contacts([person["person_id"]], tag))

        def thousand_rows(tag: str) -> None:
            push(tag, "contacts.csv", CONTACTS, _contacts(chosen.sample(people, 400), tag))
            push(tag + "p", "persons.csv", PERSONS, _persons(conn, chosen.sample(people, 300)))
            moved = [
                {"person_id": p, "address_line1": "2 Bench Road", "locality": "Benchley", "postcode": "QX2 2BB",
                 "start_date": "2026-11-01"}
                for p in chosen.sample(people, 300)
            ]  # fmt: skip
            push(tag + "a", "addresses.csv", ADDRESSES, moved)

        results = []
        for label, change in (
            ("(a) one contact", one_contact),
            ("(b) 100 contacts", hundred_contacts),
            ("(c) one new person and a contact", new_person),
            ("(d) 1,000 rows across tables", thousand_rows),
        ):
            seconds, runs = [], []
            for repeat in range(args.repeats):
                change(f"{run}{label[1]}{repeat}")
                started = time.perf_counter()
                refresh(conn)
                seconds.append(time.perf_counter() - started)
                runs.append(last_refresh(conn))
            assert all("fact_contact" in done.changed for done in runs), runs  # every change adds a contact
            modes = {done.mode for done in runs}
            changed = sorted({name for done in runs for name in done.changed})
            children = statistics.median(done.children for done in runs)
            results.append((label, statistics.median(seconds), seconds, modes, children, changed))
            times = [round(s, 3) for s in seconds]
            print(f"{label}: median {statistics.median(seconds):.3f} s {times} mode {sorted(modes)}, "
                  f"{children:.0f} child keys, changed {', '.join(changed)}", flush=True)  # fmt: skip
        whole = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            refresh(conn, force=True)
            whole.append(time.perf_counter() - started)
        print(f"whole rebuild: median {statistics.median(whole):.2f} s {[round(s, 2) for s in whole]}")
    print()
    print("| change | refresh, child by child (median) | whole rebuild (median) | ratio |")
    print("|---|---|---|---|")
    for label, median, _, _, _, _ in results:
        ratio = statistics.median(whole) / median
        print(f"| {label} | {median:.3f} s | {statistics.median(whole):.2f} s | {ratio:.0f}x faster |")
    shutil.rmtree(files, ignore_errors=True)


if __name__ == "__main__":
    main()
