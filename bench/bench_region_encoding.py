"""Benchmark: the region's Bloom-filter encodings of 300,000 children (issue 17: "well under a minute").

    .venv/bin/python bench/bench_region_encoding.py [--children 300000] [--seed 1]

A synthetic list (not a synthetic authority: only the encoder is timed): first names drawn from 3,000 made-up
names, last names from 8,000, dates of birth over 18 years; each field encoded as the pooled export encodes it
(``childhub.region.encode_names`` / ``encode_dates_of_birth``). Prints the wall time, the CPU time and the peak
memory of the process, and the mean bits set per field.
"""

from __future__ import annotations

import argparse
import random
import resource
import string
import time
from datetime import date, timedelta

from childhub.region import encode_dates_of_birth, encode_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    first = ["".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 9))) for _ in range(3_000)]
    last = ["".join(rng.choices(string.ascii_uppercase, k=rng.randint(4, 11))) for _ in range(8_000)]
    first_names = [rng.choice(first) for _ in range(args.children)]
    last_names = [rng.choice(last) for _ in range(args.children)]
    births = [date(2008, 1, 1) + timedelta(days=rng.randint(0, 6_570)) for _ in range(args.children)]
    key = rng.randbytes(32)
    wall, cpu = time.perf_counter(), time.process_time()
    encoded = {
        "first_name": encode_names(key, "first_name", first_names),
        "last_name": encode_names(key, "last_name", last_names),
        "dob": encode_dates_of_birth(key, births),
    }
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bits = ", ".join(f"{field} {encoded[field][1].mean():.0f}" for field in encoded)
    print(f"{args.children:,} children encoded in {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB")
    print(f"mean bits set of 512: {bits}")


if __name__ == "__main__":
    main()
