#!/usr/bin/env python3
"""Parity of childhub's data-quality rules with Data to Insight's peer validators, on the same files.

    .venv/bin/python scripts/dq_parity.py [--work DIR] [--dataset NAME]... [--rule CODE]... [--json OUT]

Prepares each dataset once (in --work, default ./.dq-parity): the D2I fake samples in
../shared/samples (SSDA903 tables, four CIN census files), synthetic authorities with and
without planted errors (``childhub synth --dq-errors``) for two collection years each, and
copies of the clean authority's returns with a few percent of cells changed the ways real data
go wrong, made from MUTATION_SEED by scripts/dq_mutate.py (synth-mutated-*: rebuilt when the
seed, the rate or that script changes), so that most rules fire somewhere; runs the peer
validators over each in their own virtual environment (scripts/peer_validate.sh, hits cached as
peer.json, with the rules the peer skipped or crashed on, which are not compared) and childhub's
rules over the same files. Reports rule coverage (the peers' rules of the year that childhub
implements, per return), per rule the (child, rule) hits both found, only the peer found and only
childhub found, and per return the rules that fired at least once and how many of those agree. A
rule whose difference is explained in scripts/dq_parity_expected.yml is listed with that reason;
one listed there under childhub_pending (childhub's own defect, fixed outside the rule library) is
listed as pending. Exit 1 when a difference is unexplained.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent.parent / "shared" / "samples"
FICTIONAL_LA_CODE = "E99999999"  # as scripts/validate_synthetic.py: the QX/QY postcodes map to no real LA
MUTATION_SEED = "childhub-dq-1"  # change it for other mutated copies (they are rebuilt when it changes)
MUTATION_RATE = 0.03  # the share of cells changed in this year's tables (last year's: half as many)
HEAVY_RATE = 0.06  # the -heavy copies of 2025-26: twice as many changes, another draw


def _datasets(work: Path) -> dict[str, dict]:
    """name -> {dir, year, kind}: what to compare."""
    found = {"samples-903": {"kind": "ssda903", "year": 2019}}
    for name, year in (
        ("fake_CIN_data", 2022),
        ("CIN_Census_2021", 2021),
        ("CIN_Census_2024", 2024),
        ("CIN_Census_2026", 2026),
    ):
        found[f"samples-{name}"] = {"kind": "cin", "year": year, "file": SAMPLES / "cin" / f"{name}.xml"}
    for authority in ("clean", "dqe"):
        for year in (2025, 2026):
            found[f"synth-{authority}-903-{year}"] = {"kind": "ssda903", "year": year, "authority": authority}
            found[f"synth-{authority}-cin-{year}"] = {"kind": "cin", "year": year, "authority": authority}
    for year in (2025, 2026):  # the clean authority's returns with cells changed (scripts/dq_mutate.py)
        for kind, short in (("ssda903", "903"), ("cin", "cin")):
            name = f"synth-mutated-{short}-{year}"
            found[name] = {"kind": kind, "year": year, "authority": "clean", "mutated": f"{MUTATION_SEED}/{name}"}
            found[name]["rate"] = MUTATION_RATE
    for kind, short in (("ssda903", "903"), ("cin", "cin")):
        name = f"synth-mutated-{short}-2026-heavy"
        found[name] = {"kind": kind, "year": 2026, "authority": "clean", "mutated": f"{MUTATION_SEED}/{name}"}
        found[name]["rate"] = HEAVY_RATE
    for name, spec in found.items():
        spec["dir"] = work / "datasets" / name
    return found


def _authority(work: Path, name: str) -> Path:
    """A synthetic authority as at 31 March 2026 (clean, or with 60 planted errors), generated once."""
    out = work / "authorities" / name
    if not (out / "manifest.json").exists():
        from childhub.synth import generate

        shutil.rmtree(out, ignore_errors=True)
        generate(
            "small", 1 if name == "clean" else 2, date(2026, 3, 31), out, **({"dq_errors": 60} if name == "dqe" else {})
        )
    return out / "extracts" / "social_care"


def prepare(work: Path, name: str, spec: dict) -> None:
    folder = spec["dir"]
    stamp = _mutation_stamp(spec)
    if (folder / "peer.json").exists() and (not stamp or (folder / "mutation.txt").read_text("utf-8") == stamp):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if name == "samples-903":
        shutil.copytree(SAMPLES / "ssda903", folder / "ssda903", ignore=shutil.ignore_patterns("*.xml"))
    elif "file" in spec:
        (folder / "cin").mkdir()
        shutil.copy(spec["file"], folder / "cin")
    else:
        returns = _authority(work, spec["authority"])
        year = spec["year"]
        if spec.get("mutated"):
            sys.path.insert(0, str(HERE))
            from dq_mutate import mutate_cin, mutate_ssda903

            if spec["kind"] == "ssda903":
                this, last = returns / "ssda903" / str(year), returns / "ssda903" / str(year - 1)
                out = folder / "ssda903", folder / "ssda903_previous"
                mutate_ssda903(this, last, *out, spec["mutated"], spec["rate"])
            else:
                xml = returns / "cin_census" / f"CIN_Census_{year}.xml"
                mutate_cin(xml, folder / "cin" / xml.name, spec["mutated"], spec["rate"])
        elif spec["kind"] == "ssda903":
            shutil.copytree(returns / "ssda903" / str(year), folder / "ssda903")
            shutil.copytree(returns / "ssda903" / str(year - 1), folder / "ssda903_previous")
        else:
            (folder / "cin").mkdir()
            shutil.copy(returns / "cin_census" / f"CIN_Census_{year}.xml", folder / "cin")
    only = "903" if spec["kind"] == "ssda903" else "cin"
    command = [
        "bash",
        str(HERE / "peer_validate.sh"),
        str(folder),
        "--only",
        only,
        "--year",
        str(spec["year"]),
        "--hits",
        str(folder / "peer.json"),
    ]
    if only == "903" and name != "samples-903":
        command += ["--la", FICTIONAL_LA_CODE]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"peer validator failed on {name}: {done.stderr.strip()[-500:]}")
    # the rules the peer could not run on these files (a table absent, or the rule crashed): not compared
    key = "903" if only == "903" else "cin"
    peer = json.loads((folder / "peer.json").read_text())
    for label, prefix in (("skipped", "skipped: "), ("crashed", "rules that crashed on this data: ")):
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith(prefix)]
        peer[f"{key}_{label}"] = sorted({code for line in lines for code in line[len(prefix) :].split()})
    (folder / "peer.json").write_text(json.dumps(peer, sort_keys=True) + "\n")
    if stamp:
        (folder / "mutation.txt").write_text(stamp, "utf-8")


def _mutation_stamp(spec: dict) -> str:
    """What a mutated dataset was made from (seed, rate, the mutating code): rebuilt when it changes."""
    if not spec.get("mutated"):
        return ""
    import hashlib

    code = hashlib.sha256((HERE / "dq_mutate.py").read_bytes()).hexdigest()[:16]
    return f"seed {spec['mutated']}, rate {spec['rate']}, scripts/dq_mutate.py {code}\n"


def childhub_hits(spec: dict, only: set[str] | None) -> tuple[dict[str, set], dict[str, str], float]:
    """rule -> {child}, the rules childhub ran, and the seconds it took."""
    import time

    from childhub.dq.cin_xml import read_cin_xml
    from childhub.dq.engine import run_rules
    from childhub.dq.files import read_ssda903_folder

    started = time.perf_counter()
    folder = spec["dir"]
    if spec["kind"] == "ssda903":
        la = None if folder.name == "samples-903" else FICTIONAL_LA_CODE
        run = read_ssda903_folder(folder / "ssda903", spec["year"], folder / "ssda903_previous", la)
    else:
        run = read_cin_xml(next((folder / "cin").glob("*.xml")), spec["year"])
    from childhub.dq.engine import applicable

    ran = {rule.code: rule.message_in(run.year) for rule in applicable(run, only=only)}
    hits: dict[str, set] = defaultdict(set)
    for finding in run_rules(run, only=only):
        hits[finding.rule].add(finding.child)
        hits["_located"].add((finding.origin, finding.line))  # where each finding points, for planted errors
        hits["_children"].add(finding.child)
    run.close()
    return hits, ran, time.perf_counter() - started


def planted(work: Path, spec: dict, ours: dict[str, set]) -> list[dict]:
    """The errors ``childhub synth --dq-errors`` planted in this dataset's return, each with whether childhub found
    it: a finding on the same file and row (SSDA903), or about the same child (CIN census, where the list names
    the child)."""
    if spec.get("authority") != "dqe":
        return []
    import csv

    listed = work / "authorities" / "dqe" / "dq_errors.csv"
    year, out = spec["year"], []
    with listed.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if spec["kind"] == "ssda903" and row["file"].startswith(f"extracts/social_care/ssda903/{year}/"):
                found = (Path(row["file"]).name, int(row["row"])) in ours.get("_located", set())
            elif spec["kind"] == "cin" and row["file"].endswith(f"CIN_Census_{year}.xml"):
                found = row["row"].removeprefix("LAchildID ").strip() in ours.get("_children", set())
            else:
                continue
            out.append({**row, "found": found})
    return out


def compare(name: str, spec: dict, only: set[str] | None, expected: dict) -> dict:
    peer = json.loads((spec["dir"] / "peer.json").read_text())
    key = "903" if spec["kind"] == "ssda903" else "cin"
    peer_rules = peer.get(f"{key}_rules", {})
    peer_hits = {code: {hit[0] for hit in hits} for code, hits in peer.get(key, {}).items()}
    unrun = {code: label for label in ("skipped", "crashed") for code in peer.get(f"{key}_{label}", [])}
    ours, ran, seconds = childhub_hits(spec, only)
    plants = planted(spec["dir"].parent.parent, spec, ours)
    rows = []
    for code in sorted(set(peer_rules) | set(ran), key=_code_key):
        if only and code not in only:
            continue
        if code not in ran:
            rows.append({"rule": code, "status": "not implemented" if code in peer_rules else "skipped"})
            continue
        if code not in peer_rules:
            rows.append({"rule": code, "status": "childhub only", "childhub": len(ours.get(code, ()))})
            continue
        if code in unrun:
            rows.append({"rule": code, "status": f"peer {unrun[code]}", "childhub": len(ours.get(code, ()))})
            continue
        theirs, mine = peer_hits.get(code, set()), ours.get(code, set())
        row = {
            "rule": code,
            "both": len(theirs & mine),
            "peer_only": len(theirs - mine),
            "childhub_only": len(mine - theirs),
        }
        if row["peer_only"] or row["childhub_only"]:
            reason = (expected.get(spec["kind"]) or {}).get(code)
            pending = ((expected.get("childhub_pending") or {}).get(spec["kind"]) or {}).get(code)
            row["status"] = "explained" if reason else "pending" if pending else "differs"
            row["reason"] = reason or pending
            row["examples"] = {
                "peer_only": sorted(map(str, theirs - mine))[:5],
                "childhub_only": sorted(map(str, mine - theirs))[:5],
            }
        else:
            row["status"] = "agrees"
        rows.append(row)
    implemented = [r for r in rows if r["rule"] in peer_rules and r["status"] not in ("not implemented",)]
    return {
        "dataset": name,
        "kind": spec["kind"],
        "year": spec["year"],
        "seconds": round(seconds, 3),
        "peer_rules": len(peer_rules),
        "implemented": len(implemented),
        "rows": rows,
        "planted": plants,
    }


def coverage(datasets: dict, chosen: list[str]) -> list[str]:
    """Per return and collection year: the peers' rules in that year's set (from any dataset of that year's
    peer.json) and how many childhub's library holds for the year, with those it does not."""
    from childhub.dq import load_rules

    library = load_rules()
    lines, seen = [], set()
    for name in chosen:
        spec = datasets[name]
        key = (spec["kind"], spec["year"])
        if key in seen:
            continue
        seen.add(key)
        peer = json.loads((spec["dir"] / "peer.json").read_text())
        codes = peer.get(("903" if spec["kind"] == "ssda903" else "cin") + "_rules", {})
        year = max(spec["year"], 2023)  # the earliest rule set governs earlier years, as the peers do
        held = {code for code, rule in library[spec["kind"]].items() if rule.version(year) is not None}
        missing = sorted(set(codes) - held, key=_code_key)
        lines.append(
            f"coverage {spec['kind']} {spec['year']}: {len(set(codes) & held)}/{len(codes)} peer rules "
            f"({len(set(codes) & held) / len(codes):.1%}); not implemented: {' '.join(missing) or 'none'}"
        )
    return lines


def fired_summary(results: list[dict]) -> list[str]:
    """Per return, over the datasets run: the rules compared that fired at least once (by either side) and
    how they agree, so that agreement cannot rest on rules that never fire. A rule agrees when no dataset
    shows a difference; the hit agreement is over those rules' (child, rule) hits."""
    lines = []
    for kind in sorted({result["kind"] for result in results}):
        per_rule: dict[str, list[dict]] = defaultdict(list)
        for result in (r for r in results if r["kind"] == kind):
            for row in result["rows"]:
                if "both" in row:
                    per_rule[row["rule"]].append(row)
        fired = {code: rows for code, rows in per_rule.items() if any(_hits(row) for row in rows)}
        statuses = {code: {row["status"] for row in rows} for code, rows in fired.items()}
        agree = sum(1 for found in statuses.values() if found == {"agrees"})
        unexplained = sum(1 for found in statuses.values() if "differs" in found)
        pending = sum(1 for found in statuses.values() if "pending" in found and "differs" not in found)
        both = sum(row["both"] for rows in fired.values() for row in rows)
        whole = sum(_hits(row) for rows in fired.values() for row in rows)
        plain = [row for code, rows in fired.items() if statuses[code] == {"agrees"} for row in rows]
        share = f"{agree / len(fired):.1%}" if fired else "-"
        lines.append(
            f"fired {kind}: {len(fired)} of {len(per_rule)} rules compared fired at least once (by either side); "
            f"{agree} of them agree on every dataset ({share}), {len(fired) - agree - unexplained - pending} differ "
            f"by a documented peer defect, {pending} by a childhub defect awaiting its fix, {unexplained} "
            f"unexplained; their (child, rule) hits {both / whole if whole else 1:.2%} "
            f"agree ({sum(_hits(row) for row in plain):,} hits on the rules that agree)"
        )
    return lines


def _hits(row: dict) -> int:
    return row["both"] + row["peer_only"] + row["childhub_only"]


def _code_key(code: str) -> tuple:
    import re

    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code) if p)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=HERE.parent / ".dq-parity")
    parser.add_argument("--dataset", action="append", help="only these datasets (default: all)")
    parser.add_argument("--rule", action="append", help="only these rules (default: all)")
    parser.add_argument("--json", type=Path, help="write the whole comparison here")
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines")
    args = parser.parse_args()
    expected = yaml.safe_load((HERE / "dq_parity_expected.yml").read_text("utf-8")) or {}
    datasets = _datasets(args.work)
    chosen = args.dataset or list(datasets)
    only = set(args.rule) if args.rule else None
    results, unexplained = [], 0
    total = {"both": 0, "peer_only": 0, "childhub_only": 0, "explained_peer_only": 0, "explained_childhub_only": 0}
    plants_found, plants = 0, 0
    for name in chosen:
        spec = datasets[name]
        prepare(args.work, name, spec)
        result = compare(name, spec, only, expected)
        results.append(result)
        rows = result["rows"]
        counted = [r for r in rows if "both" in r]
        both = sum(r["both"] for r in counted)
        peer_only = sum(r["peer_only"] for r in counted)
        mine_only = sum(r["childhub_only"] for r in counted)
        agree = both / (both + peer_only + mine_only) if (both + peer_only + mine_only) else 1.0
        plain = [r for r in counted if r.get("status") not in ("explained", "pending")]
        plain_both = sum(r["both"] for r in plain)
        plain_all = plain_both + sum(r["peer_only"] + r["childhub_only"] for r in plain)
        for key in ("both", "peer_only", "childhub_only"):
            total[key] += sum(r[key] for r in counted)
        total["explained_peer_only"] += peer_only - sum(r["peer_only"] for r in plain)
        total["explained_childhub_only"] += mine_only - sum(r["childhub_only"] for r in plain)
        differs = [r for r in rows if r.get("status") == "differs"]
        pending = [r for r in rows if r.get("status") == "pending"]
        unexplained += len(differs)
        fired = [r for r in counted if r["both"] + r["peer_only"] + r["childhub_only"]]
        fired_agree = sum(1 for r in fired if r["status"] == "agrees")
        found = sum(1 for p in result["planted"] if p["found"])
        plants_found, plants = plants_found + found, plants + len(result["planted"])
        print(
            f"{name}: {len(counted)} rules compared; hits both {both}, peer only {peer_only}, childhub only "
            f"{mine_only} ({agree:.2%} agree; {plain_both / plain_all if plain_all else 1:.2%} on the rules with no "
            f"documented difference); {len(fired)} rules fired, {fired_agree} of them agree exactly; "
            f"{len(differs)} rules differ unexplained"
            + (f", {len(pending)} differ by a childhub defect awaiting its fix" if pending else "")
            + (f"; planted errors found {found}/{len(result['planted'])}" if result["planted"] else "")
            + f"; childhub {result['seconds']} s"
        )
        for miss in (p for p in result["planted"] if not p["found"]):
            print(f"   planted error not found: {miss['kind']} {miss['file']} row {miss['row']} {miss['field']}")
        if not args.quiet:
            for row in rows:
                if row.get("status") in ("differs", "explained", "pending"):
                    print(
                        f"   {row['rule']:<10} {row['status']:<10} both {row['both']:>5}  peer only "
                        f"{row['peer_only']:>5}  childhub only {row['childhub_only']:>5}  {row['examples']}"
                        + (f"  -- {row['reason'][:80]}" if row.get("reason") else "")
                    )
    print()
    for line in coverage(datasets, chosen):
        print(line)
    for line in fired_summary(results):
        print(line)
    whole = total["both"] + total["peer_only"] + total["childhub_only"]
    plain = whole - total["explained_peer_only"] - total["explained_childhub_only"]
    print(
        f"all datasets: (child, rule) hits both {total['both']:,}, peer only {total['peer_only']:,} "
        f"({total['explained_peer_only']:,} explained), childhub only {total['childhub_only']:,} "
        f"({total['explained_childhub_only']:,} explained): {total['both'] / whole if whole else 1:.2%} agree; "
        f"{total['both'] / plain if plain else 1:.2%} on the rules with no documented difference; "
        f"planted errors found {plants_found}/{plants}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
