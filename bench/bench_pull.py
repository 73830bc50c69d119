"""Benchmark: an incremental pull of 100,000 changed rows of one table from PostgreSQL, beside re-ingesting them.

    .venv/bin/python bench/bench_pull.py [--rows 100000] [--repeats 3]

The table is ``ssd_cin_visits``: a tiny synthetic authority's rows, repeated (each copy with its own visit ID)
until there are ``--rows``. A store first holds the whole table (one snapshot pull). Then, for each repeat, every
row is changed at the source (a visit's date a day later, ``last_modified`` moved on), and two runs start from a
copy of that store: ``childhub pull`` reading the changed rows by their watermark and loading them as one
changes batch, and today's path, ingesting the same rows written out as a CSV file (a whole-extract snapshot).
Each timing is the whole write through ``childhub.hub`` (ingest, facts refresh, data-quality check, publish).
Medians of ``--repeats``, and their ratio. Uses the PostgreSQL server CHILDHUB_TEST_PG names, or starts a private
one with scripts/postgres_for_tests.sh. Prints its table; it does not write docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PASSWORD_ENV = "CHILDHUB_BENCH_PG_PASSWORD"


def repeated_rows(source: Path, target: Path, wanted: int) -> int:
    """``source``'s rows repeated into ``target`` (each copy's visit ID made unique) until ``wanted`` rows."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(wanted):
            row = list(rows[number % len(rows)])
            row[0] = f"{row[0]}:copy{number // len(rows)}"
            writer.writerow(row)
    return wanted


def postgres(folder: Path) -> tuple[str, bool]:
    """The server to use: CHILDHUB_TEST_PG's, or a private one started now (and whether it was started)."""
    if os.environ.get("CHILDHUB_TEST_PG"):
        return os.environ["CHILDHUB_TEST_PG"], False
    script = ROOT / "scripts" / "postgres_for_tests.sh"
    started = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True, text=True, check=True)
    return started.stdout.strip().split("=", 1)[1].strip("'"), True


def batch_seconds(store, batch_id: int) -> float:
    """How long the batch's own transaction took (ingest's record of its start and finish)."""
    with store.reader() as conn:
        return conn.execute(
            "SELECT epoch(finished_at) - epoch(started_at) FROM ingest_batch WHERE batch_id = ?", [batch_id]
        ).fetchone()[0]


def main() -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from childhub.hub import ingest
    from childhub.pull import load_sources, pull
    from childhub.store import Store
    from childhub.synth import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        conninfo, started = postgres(temp / "postgres")
        params = conninfo_to_dict(conninfo)
        os.environ[PASSWORD_ENV] = params.get("password", "")
        schema = f"bench_{os.getpid()}"
        conn = psycopg.connect(conninfo, autocommit=True)
        try:
            made = generate("tiny", 5, date(2026, 3, 31), temp / "authority")
            table_csv = temp / "ssd_cin_visits.csv"
            repeated_rows(made.extracts / "social_care" / "ssd" / "ssd_cin_visits.csv", table_csv, args.rows)
            header = table_csv.open(encoding="utf-8").readline().strip().split(",")
            conn.execute(f'CREATE SCHEMA "{schema}"')
            columns = ", ".join(f'"{c}" text' for c in header)
            conn.execute(
                f'CREATE TABLE "{schema}".ssd_cin_visits ({columns}, last_modified timestamp NOT NULL '
                "DEFAULT TIMESTAMP '2026-01-01 09:00', PRIMARY KEY (cinv_cin_visit_id))"
            )
            names = ", ".join(f'"{c}"' for c in header)
            with (
                conn.cursor() as cursor,
                cursor.copy(
                    f'COPY "{schema}".ssd_cin_visits ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)'
                ) as copy,
            ):
                copy.write(table_csv.read_bytes())
            conn.execute(f'CREATE INDEX ON "{schema}".ssd_cin_visits (last_modified)')
            sources_file = temp / "sources.yml"
            connection = {
                "kind": "postgresql",
                "host": params.get("host", "127.0.0.1"),
                "port": int(params.get("port", 5432)),
                "database": params["dbname"],
                "user": params["user"],
                "password_env": PASSWORD_ENV,
                "schema": schema,
            }
            table = {"cin_visits": {"mode": "incremental", "watermark": "last_modified"}}
            sources_file.write_text(
                yaml.safe_dump({"sources": {"bench": {"connection": connection, "ssd": True, "tables": table}}})
            )
            sources = load_sources(sources_file)
            template = temp / "template"
            [first] = pull(Store(template), sources)
            assert (first.status, first.rows_pulled) == ("loaded", args.rows), first
            print(f"snapshot pull of {args.rows:,} rows into a new store: batch {first.batch_id}", flush=True)

            pulled, ingested, pulled_batch, ingested_batch = [], [], [], []
            for repeat in range(args.repeats):
                moved_on = datetime(2026, 2, 1, 9) + timedelta(hours=repeat)
                conn.execute(  # every row changed, and differently each repeat (never back to an earlier file)
                    f'UPDATE "{schema}".ssd_cin_visits SET last_modified = %s, '
                    "cinv_cin_visit_date = (CAST(cinv_cin_visit_date AS date) + %s)::text",
                    (moved_on, 1),
                )
                store_pull = Store(temp / f"pull{repeat}")
                shutil.copytree(template, store_pull.data_dir)
                began = time.perf_counter()
                [report] = pull(store_pull, sources)
                pulled.append(time.perf_counter() - began)
                assert (report.status, report.mode, report.rows_pulled) == ("loaded", "changes", args.rows), report
                pulled_batch.append(batch_seconds(store_pull, report.batch_id))
                # The same rows as one CSV file, ingested today's way into a copy of the same store.
                changed = temp / f"extract{repeat}" / "ssd_cin_visits.csv"
                changed.parent.mkdir()
                with (
                    conn.cursor() as cursor,
                    changed.open("wb") as handle,
                    cursor.copy(
                        f'COPY (SELECT {names} FROM "{schema}".ssd_cin_visits) TO STDOUT WITH (FORMAT csv, HEADER true)'
                    ) as copy,
                ):
                    for block in copy:
                        handle.write(block)
                store_ingest = Store(temp / f"ingest{repeat}")
                shutil.copytree(template, store_ingest.data_dir)
                began = time.perf_counter()
                [file_report] = ingest(store_ingest, [changed])
                ingested.append(time.perf_counter() - began)
                assert (file_report.status, file_report.rows_read) == ("loaded", args.rows), file_report
                ingested_batch.append(batch_seconds(store_ingest, file_report.batch_id))
                print(
                    f"repeat {repeat + 1}: pull {pulled[-1]:.2f} s ({args.rows / pulled[-1]:,.0f} rows/s; its batch "
                    f"{pulled_batch[-1]:.2f} s), ingest of the CSV {ingested[-1]:.2f} s (its batch "
                    f"{ingested_batch[-1]:.2f} s)",
                    flush=True,
                )
                shutil.rmtree(store_pull.data_dir)
                shutil.rmtree(store_ingest.data_dir)
        finally:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.close()
            if started:
                subprocess.run(
                    ["bash", str(ROOT / "scripts" / "postgres_for_tests.sh"), "stop", str(temp / "postgres")]
                )
    pull_median, ingest_median = statistics.median(pulled), statistics.median(ingested)
    print(
        "\n".join(
            [
                "",
                f"`bench/bench_pull.py --rows {args.rows} --repeats {args.repeats}`: {args.rows:,} changed rows of "
                "ssd_cin_visits, from PostgreSQL into a store already holding the table.",
                "",
                "| run | median s | of which the batch's transaction | rows per second | ratio to re-ingesting |",
                "| --- | ---: | ---: | ---: | ---: |",
                f"| childhub pull (incremental, one changes batch) | {pull_median:.2f} | "
                f"{statistics.median(pulled_batch):.2f} | {args.rows / pull_median:,.0f} | "
                f"{pull_median / ingest_median:.2f}x |",
                f"| childhub ingest of the same rows as a CSV file | {ingest_median:.2f} | "
                f"{statistics.median(ingested_batch):.2f} | {args.rows / ingest_median:,.0f} | 1.00x |",
            ]
        )
    )


if __name__ == "__main__":
    main()
