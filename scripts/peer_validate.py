#!/usr/bin/env python3
"""Run the Data to Insight peer validators over a directory of childhub output.

Must run inside the peer venv (see scripts/peer_validate.sh): the validators pin
pandas<2 / numpy<1.25 and import pytest at start-up.

    python scripts/peer_validate.py DIR [--year YYYY] [--la E0xxxxxxx] [--json OUT]

DIR layout:
    DIR/ssda903/*.csv            this year's SSDA903 tables (header, episodes, ...)
    DIR/ssda903_previous/*.csv   optional: last year's tables (used by ~100 903 rules)
    DIR/cin/*.xml                exactly one CIN census XML

YEAR is the collection year ending 31 March YYYY (2024 = the 2023-24 return,
rule sets lac2023_24 / cin2023_24). Without --year it is read from the CIN
header <Year> and worked out from the latest 903 episode date.

Prints, per validator, the total number of failing rows and a table
"rule code, failing rows, description" sorted by count. Exit code is 0
whenever both validators ran (whatever they found), 2 on bad input, 3 when a
validator could not be imported or crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import logging
import pkgutil
import re
import signal
import sys
import warnings
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

try:  # only present in the peer venv: fail with a clear message elsewhere
    import pandas as pd
except ImportError:
    sys.exit("peer_validate: pandas missing; run via scripts/peer_validate.sh (peer venv)")


class HarnessError(Exception):
    """Input problem: reported with a clear message and exit code 2."""


# --------------------------------------------------------------------------- years
def ruleset_years(package: str, prefix: str) -> dict[int, str]:
    """Map collection year -> rule-set module name, e.g. {2024: 'lac2023_24'}."""
    rules = importlib.import_module(f"{package}.rules")
    out = {}
    for mod in pkgutil.iter_modules(rules.__path__):
        m = re.fullmatch(rf"{prefix}(\d{{4}})_(\d\d)", mod.name)
        if m:
            out[int(m.group(1)) + 1] = mod.name
    return out


def pick_ruleset(package: str, prefix: str, year: int, notes: list[str]) -> str:
    """Rule set for YEAR; the nearest one (with a note) if the package lacks it."""
    years = ruleset_years(package, prefix)
    if year in years:
        return years[year]
    nearest = min(years, key=lambda y: abs(y - year))
    notes.append(f"no {prefix} rule set for {year}; using {years[nearest]} (available: {min(years)}-{max(years)})")
    return years[nearest]


def year_ending(d: date) -> int:
    """Collection year (ending 31 March) that contains date d."""
    return d.year + 1 if d.month >= 4 else d.year


# --------------------------------------------------------------------------- 903
def infer_903_year(csvs: list[Path]) -> int | None:
    """Latest DECOM/DEC in the episodes table -> the collection year holding it."""
    for path in csvs:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        if {"DECOM", "DEC"} <= set(df.columns):
            dates = pd.concat([df["DECOM"], df["DEC"]])
            dates = pd.to_datetime(dates, format="%d/%m/%Y", errors="coerce").dropna()
            return year_ending(dates.max().date()) if len(dates) else None
    return None


def infer_la(dfs: dict) -> str | None:
    """Most common upper-tier LA (ONS code) of the children's home postcodes."""
    from lac_validator.datastore import la_df, merge_postcodes

    eps = dfs.get("Episodes")
    if eps is None or eps["HOME_POST"].dropna().empty:
        return None
    found = (
        merge_postcodes(eps.copy(), "HOME_POST")
        .merge(la_df, how="left", left_on="laua", right_on="LTLA21CD")["UTLA21CD"]
        .dropna()
    )
    return found.mode().iloc[0] if len(found) else None


def run_903(csvs: list[Path], prev: list[Path], year: int, la: str | None, notes: list[str]):
    """Return (ruleset, {code: failing rows}, {code: message}, extra info lines)."""
    from lac_validator import lac_validator as lv
    from lac_validator.ingress import read_from_text
    from lac_validator.report import Report

    ruleset = pick_ruleset("lac_validator", "lac", year, notes)
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry

    # The validator identifies each table by its exact column set (not file name);
    # "This year" / "Prev year" is how its upload form marks last year's tables.
    files = [dict(name=p.name, description="This year", file_content=p.read_bytes()) for p in csvs]
    files += [dict(name=p.name, description="Prev year", file_content=p.read_bytes()) for p in prev]
    if la is None:
        la = infer_la(read_from_text(files)[0])
        if la is None:
            raise HarnessError("could not infer the LA code from HOME_POST; pass --la E0xxxxxxx")
        notes.append(f"903 LA code {la} inferred from the most common home postcode")

    # collectionYear 'YYYY' = year ending 31 March YYYY (the validator sets
    # collection_start 01/04/YYYY-1, collection_end 31/03/YYYY from it).
    meta = {"collectionYear": str(year), "localAuthority": la}
    with contextlib.redirect_stdout(io.StringIO()):  # some rules print() debug output
        v = lv.LacValidator(metadata=meta, files=files, registry=registry)
    report = Report(v.ds_results, registry).error_report  # Code, Description, Fields, Count
    counts = {str(r.Code): int(r.Count) for r in report.itertuples() if r.Count > 0}
    messages = {code: rule.message for code, rule in registry.items()}
    tables = sorted(k for k in v.dfs)
    HITS["903"] = hits_903(v.ds_results)
    HITS["903_rules"] = {code: rule.message for code, rule in registry.items()}
    info = [
        f"tables read: {', '.join(tables)}",
        f"rules: {len(registry)} in set, {len(v.dones)} ran, "
        f"{len(v.skips)} skipped (a table they need is absent), {len(v.fails)} crashed",
    ]
    if v.skips:  # rules return {} when a table they need (last year's, Ofsted lists) is absent
        info.append("skipped: " + " ".join(sorted(v.skips)))
    if v.fails:
        info.append("rules that crashed on this data: " + " ".join(v.fails))
    for t in ("Header", "Episodes"):
        if t not in v.dfs:
            notes.append(f"903 table {t} missing: most rules are skipped without it")
    return ruleset, counts, messages, info


# Per rule, every row the validator flagged as [child, table, row]: filled by run_903 and
# run_cin, written by --hits for scripts/dq_parity.py.
HITS: dict[str, dict[str, list]] = {}


def hits_903(ds_results) -> dict[str, list]:
    out: dict[str, list] = {}
    for table, df in ds_results.items():
        if not hasattr(df, "columns") or "CHILD" not in df.columns:
            continue
        for col in (c for c in df.columns if str(c).startswith("ERR_")):
            flagged = df[df[col] == True]  # noqa: E712  (object column of True / NaN)
            for idx, child in zip(flagged.index, flagged["CHILD"], strict=True):
                out.setdefault(col[4:], []).append([None if pd.isna(child) else str(child), table, int(idx)])
    return out


def hits_cin(v) -> dict[str, list]:
    out: dict[str, list] = {}
    issues = v.full_issue_df
    for r in issues.drop_duplicates(["rule_code", "tables_affected", "row_id"]).itertuples():
        child = getattr(r, "child_id", None)
        out.setdefault(str(r.rule_code), []).append(
            [
                None if pd.isna(child) else str(child),
                str(r.tables_affected),
                None if pd.isna(r.row_id) else int(r.row_id),
            ]
        )
    for code in v.multichild_issues["rule_code"].astype(str).unique():
        out.setdefault(code, []).append([None, "return", None])
    return out


# --------------------------------------------------------------------------- CIN
def cin_header_year(xml: Path, notes: list[str]) -> int | None:
    """Collection year of a CIN XML: from <ReferenceDate> when it is a 31 March
    (what DfE specifies), else <Year>, else the year holding <ReferenceDate>."""
    details = ET.parse(xml).getroot().find("Header/CollectionDetails")
    if details is None:
        return None
    year_text = (details.findtext("Year") or "").strip()
    year = int(year_text) if year_text.isdigit() else None
    try:
        ref = date.fromisoformat((details.findtext("ReferenceDate") or "").strip())
    except ValueError:
        ref = None
    if ref and (ref.month, ref.day) == (3, 31):
        if year and year != ref.year:
            notes.append(f"CIN header Year {year} disagrees with ReferenceDate {ref}; using {ref.year}")
        return ref.year
    return year or (year_ending(ref) if ref else None)


def run_cin(xml: Path, year: int, notes: list[str]):
    """Return (ruleset, {code: failing rows}, {code: message}, extra info lines)."""
    from cin_validator import cin_validator as cv

    ruleset = pick_ruleset("cin_validator", "cin", year, notes)
    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry

    # The CIN validator reads Year / ReferenceDate from the XML header itself;
    # the year here only chooses the rule set. Rules that crash are printed to
    # stdout ("Error with rule ...") and skipped, so capture and report them.
    data = cv.process_data(cv.convert_data(ET.parse(xml).getroot()))
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        v = cv.CinValidator(data, registry)
    crashed = re.findall(r"Error with rule (\w+)", captured.getvalue())

    # Child-level issues: one line per (row, column); count distinct rows.
    issues = v.full_issue_df
    counts = {}
    if len(issues):
        rows = issues.drop_duplicates(["rule_code", "tables_affected", "row_id"])
        counts = rows["rule_code"].astype(str).value_counts().to_dict()
    # Header and whole-return (LA-level) issues have no child row: count 1 each.
    for code in v.multichild_issues["rule_code"].astype(str).unique():
        counts[code] = counts.get(code, 0) + 1
    messages = {}
    for code, rule in registry.items():
        kind = "" if rule.rule_type.name == "ERROR" else f" [{rule.rule_type.name.lower()}]"
        messages[str(code)] = f"{rule.message}{kind}"
    HITS["cin"] = hits_cin(v)
    HITS["cin_rules"] = {str(code): rule.message for code, rule in registry.items()}
    info = [f"rules: {len(registry)} in set, {len(v.rules_passed)} passed, {len(crashed)} crashed"]
    if crashed:
        info.append("rules that crashed on this data: " + " ".join(crashed))
    return ruleset, {k: int(n) for k, n in counts.items()}, messages, info


# --------------------------------------------------------------------------- output
def print_report(title, ruleset, year, counts, messages, info, notes):
    total = sum(counts.values())
    print(f"== {title} (rule set {ruleset}, collection year ending 31/03/{year})")
    for line in notes + info:
        print(f"   {line}")
    print(f"   total errors: {total} failing rows over {len(counts)} rules")
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"   {code:<10} {n:>7}  {messages.get(code, '?')}")
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="directory with ssda903/ and cin/")
    ap.add_argument("--year", type=int, help="collection year ending 31 March YYYY")
    ap.add_argument("--la", help="903 LA ONS code, e.g. E09000027 (default: inferred)")
    ap.add_argument("--only", choices=["903", "cin"], help="run just one validator")
    ap.add_argument("--json", type=Path, metavar="OUT", help="write counts as JSON")
    ap.add_argument("--hits", type=Path, metavar="OUT", help="write every flagged [child, table, row] per rule as JSON")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet exit when piped into `head`

    # The validators log every rule at INFO (lac_validator also calls basicConfig)
    # and pandas 1.5 emits FutureWarnings from their code: keep the report readable.
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=pd.errors.PerformanceWarning)
    try:
        import cin_validator.cin_validator  # noqa: F401  (fails early if not installed)
        import lac_validator.lac_validator  # noqa: F401
    except Exception as exc:  # ImportError, or pytest/pandas mismatch
        print(
            f"peer_validate: cannot import the validators ({exc!r}); run via scripts/peer_validate.sh",
            file=sys.stderr,
        )
        return 3

    results = {}
    try:
        if args.only in (None, "903"):
            csvs = sorted(p for p in (args.dir / "ssda903").glob("*") if p.suffix.lower() == ".csv")
            prev_dir = args.dir / "ssda903_previous"
            prev = sorted(p for p in prev_dir.glob("*") if p.suffix.lower() == ".csv")
            if not csvs:
                raise HarnessError(f"no CSV files in {args.dir / 'ssda903'}")
            notes = []
            year = args.year or infer_903_year(csvs)
            if year is None:
                raise HarnessError("cannot work out the 903 year (no episode dates); pass --year")
            if not prev:
                notes.append("no ssda903_previous/: rules comparing with last year are skipped")
            ruleset, counts, msgs, info = run_903(csvs, prev, year, args.la, notes)
            print_report("SSDA903 (csc-validator-be-903)", ruleset, year, counts, msgs, info, notes)
            results["903"] = counts

        if args.only in (None, "cin"):
            xmls = sorted(p for p in (args.dir / "cin").glob("*") if p.suffix.lower() == ".xml")
            if len(xmls) != 1:
                raise HarnessError(f"expected exactly one XML in {args.dir / 'cin'}, found {len(xmls)}")
            notes = []
            year = args.year or cin_header_year(xmls[0], notes)
            if year is None:
                raise HarnessError("no <Year> or <ReferenceDate> in the CIN header; pass --year")
            ruleset, counts, msgs, info = run_cin(xmls[0], year, notes)
            print_report(
                f"CIN census (csc-validator-be-cin) {xmls[0].name}",
                ruleset,
                year,
                counts,
                msgs,
                info,
                notes,
            )
            results["cin"] = counts
    except (HarnessError, ET.ParseError, OSError) as exc:
        print(f"peer_validate: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the validator itself fell over (e.g. UploadError)
        print(f"peer_validate: validator could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3

    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    if args.hits:
        args.hits.write_text(json.dumps(HITS, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
