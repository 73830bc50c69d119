"""Copies of a return with cells changed the ways real returns go wrong, made from a seed.

Used by scripts/dq_parity.py to build the synth-mutated-* datasets: agreement with the peers on a
rule that never fires proves nothing, so these copies make most rules fire somewhere. The same
seed and input always give the same files (one ``random.Random`` per file, walked in a fixed
order), so anyone can rebuild them.

What changes, each at a few percent of cells or rows (and at least SMALL_TABLE_CHANGES cells in a
small table, so that the adoption and UASC tables change too):
- a code swapped for another code of the same item (one the return uses, or any in the code
  registry's set, of any year), for an invalid one, or a blank cell given a code;
- a date shifted by days or years, written invalidly (31 February, ISO order) or blanked, or a blank
  date filled in near the row's other dates;
- a row duplicated or dropped; a row given a child the header does not hold;
- SSDA903: an episode's end overlapping the next one's start, or a gap opened between them; a
  child's date of birth changed in one table only; last year's tables changed the same ways, less
  often;
- CIN census: a value removed with its element, an optional element added (an end date, a date of
  death, a closure), a block (child, episode, assessment, plan, review) duplicated or dropped.

Left out because the peer validators fall over on them and then compare nothing on those rules:
a child twice in a header (the SSDA903 peer's rules 203, 204, 208 and 3001 build a mask over a
table merged with the header and index the table with it: lengths differ), a child with no episode with a
valid start date (rules 302, 334, 336, 453, 502, 1003, 1011 take the idxmin/idxmax of DECOM per
child: an all-invalid group raises), and a CIN child with no LAchildID (CIN rule 8816's idxmax per
child gives NaN and the validator's ROW_ID cast stops the whole run).
"""

from __future__ import annotations

import csv
import random
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

from childhub.codes import valid_codes

SMALL_TABLE_CHANGES = 8  # at least this many cells changed in each of this year's tables (half last year)
DMY = re.compile(r"^(\d\d)/(\d\d)/(\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)$")

# SSDA903 column -> the code registry's set for it (codes of every year: an out-of-year code is a
# mutation too)
CODES_903 = {
    "ETHNIC": "ethnicity",
    "LS": "ssda903_legal_status",
    "RNE": "ssda903_reason_new_episode",
    "CIN": "ssda903_category_of_need",
    "PLACE": "ssda903_placement",
    "PLACE_PROVIDER": "ssda903_provider",
    "REC": "ssda903_reason_ceased",
    "REASON_PLACE_CHANGE": "ssda903_reason_place_change",
    "MISSING": "ssda903_missing",
    "SDQ_REASON": "ssda903_sdq_reason",
    "IN_TOUCH": "ssda903_in_touch",
    "ACTIV": "ssda903_activity",
    "ACCOM": "ssda903_accommodation",
    "REASON_PLACED_CEASED": "ssda903_reason_placed_ceased",
    "PREV_PERM": "ssda903_previous_permanence",
    "REVIEW_CODE": "ssda903_review_participation",
    "SW_REASON": "ssda903_sw_reason",
    "SEX_ADOPTR": "ssda903_adopter_sex",
    "LS_ADOPTR": "ssda903_adopter_legal_status",
    "UPN": "upn_unknown",
}
# Extra values worth trying per column: the ones a rule singles out that a clean return rarely holds
EXTRA_903 = {
    "SEX": ["1", "2", "M", "F", "X"],
    "MOTHER": ["0", "1", "2"],
    "SDQ_SCORE": ["0", "17", "40", "41", "-1", "ab"],
    "CONVICTED": ["0", "1", "2"],
    "HEALTH_CHECK": ["0", "1", "2"],
    "IMMUNISATIONS": ["0", "1", "2"],
    "TEETH_CHECK": ["0", "1", "2"],
    "HEALTH_ASSESSMENT": ["0", "1", "2"],
    "SUBSTANCE_MISUSE": ["0", "1", "2"],
    "INTERVENTION_RECEIVED": ["0", "1", "2"],
    "INTERVENTION_OFFERED": ["0", "1", "2"],
    "FOSTER_CARE": ["0", "1", "2"],
    "NB_ADOPTR": ["1", "2", "3"],
    "UPN": ["A123456789012", "H801200001001", "a12345678901b", "UN9", "12345"],
    "HOME_POST": ["QX1 1AA", "ZZ99 9ZZ", "NOTAPOST", "qx10 2fh"],
    "PL_POST": ["QX1 1AA", "ZZ99 9ZZ", "NOTAPOST", "qx16 4ej"],
    "URN": ["XXXXXXX", "SC000001", "1234567", "123"],
    "LA_PERM": ["E99999999", "E09000027", "999"],
    "SW_ID": ["SW0001", "SW 01", "x" * 30],
}
CODES_CIN = {
    "ReferralSource": "referral_source",
    "PrimaryNeedCode": "primary_need",
    "ReasonForClosure": "reason_for_closure",
    "InitialCategoryOfAbuse": "category_of_abuse",
    "LatestCategoryOfAbuse": "category_of_abuse",
    "AssessmentFactors": "cin_assessment_factors",
    "Ethnicity": "ethnicity",
    "Disability": "disability",
    "Sex": "cin_sex",
    "UPNunknown": "upn_unknown",
    "PPOutcome": "cin_pre_proceedings_outcome",
}
EXTRA_CIN = {
    "Sex": ["0", "1", "2", "9", "M", "F"],
    "UPN": ["A123456789012", "H801200001001", "a12345678901b", "12345"],
    "FormerUPN": ["A123456789012", "H801200001001", "12345"],
    "UPNunknown": ["UN9"],
    "NumberOfPreviousCPP": ["0", "1", "3", "-1", "x"],
    "ReviewMeetingsCount": ["0", "1", "3", "x"],
    "ReferralNFA": ["true", "false", "1", "0", "yes"],
    "ICPCnotRequired": ["true", "false", "1", "0", "yes"],
    "FGDMMeetingOffer": ["true", "false", "1", "0"],
    "FGDMMeetingFac": ["true", "false", "1", "0"],
}
# CIN elements a mutation may add where the block lacks them
OPTIONAL_CIN = {
    "ChildIdentifiers": ["PersonDeathDate", "ExpectedPersonBirthDate", "UPN", "UPNunknown", "FormerUPN"],
    "CINdetails": ["CINclosureDate", "ReasonForClosure", "DateOfInitialCPC"],
    "Assessments": ["AssessmentAuthorisationDate"],
    "CINPlanDates": ["CINPlanEndDate"],
    "Section47": ["DateOfInitialCPC", "InitialCPCtarget", "ICPCnotRequired"],
    "ChildProtectionPlans": ["CPPendDate", "NumberOfPreviousCPP", "LatestCategoryOfAbuse"],
}
BLOCKS_CIN = ("Child", "CINdetails", "Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans", "Reviews")


# --------------------------------------------------------------------------- values


def _parse(text: str) -> tuple[date, str] | None:
    """A date and its format ('dmy' or 'iso'), or None."""
    for pattern, kind in ((DMY, "dmy"), (ISO, "iso")):
        found = pattern.match(text)
        if found:
            parts = [int(p) for p in found.groups()]
            day, month, year = parts if kind == "dmy" else parts[::-1]
            try:
                return date(year, month, day), kind
            except ValueError:
                return None
    return None


def _write(day: date, kind: str) -> str:
    return day.strftime("%d/%m/%Y") if kind == "dmy" else day.isoformat()


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _mutate_date(rng: random.Random, text: str, kind: str) -> str | None:
    """A date shifted by days or years, written invalidly or blanked (None)."""
    parsed = _parse(text)
    if parsed is None:
        return None
    day, _ = parsed
    roll = rng.random()
    if roll < 0.40:
        return _write(day + timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 45)), kind)
    if roll < 0.60:
        return _write(_shift_years(day, rng.choice([-3, -2, -1, 1, 2])), kind)
    if roll < 0.75:
        invalid = [f"31/02/{day.year}", day.isoformat(), f"{day.day}/{day.month}/{day.year % 100}", "00/00/0000"]
        if kind == "iso":
            invalid = [f"{day.year}-02-31", day.strftime("%d/%m/%Y"), f"{day.year}-13-01", "0000-00-00"]
        return rng.choice(invalid)
    return None


def _near(rng: random.Random, texts: list[str], kind: str, fallback: date) -> str:
    """A date near one of the row's other dates (for a blank date filled in)."""
    days = [parsed[0] for parsed in map(_parse, texts) if parsed]
    base = rng.choice(days) if days else fallback
    return _write(base + timedelta(days=rng.randint(-60, 400)), kind)


def _mutate_code(rng: random.Random, text: str | None, pool: list[str]) -> str | None:
    """Another code of the same item, an invalid one, or blank (None); a blank given a code."""
    others = [code for code in pool if code != text]
    if text is None or text == "":
        return rng.choice(pool) if pool else None
    roll = rng.random()
    if roll < 0.55 and others:
        return rng.choice(others)
    if roll < 0.75:
        return rng.choice(["XX", "Z9", text.lower(), text + "0", "99"])
    return None


# --------------------------------------------------------------------------- SSDA903


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _save(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _is_date_column(column: str, rows: list[dict[str, str]]) -> bool:
    values = [row[column] for row in rows if row.get(column)]
    return bool(values) and sum(1 for value in values if DMY.match(value)) >= 0.8 * len(values)


def _pools_903(tables: list[dict[str, tuple[list[str], list[dict[str, str]]]]]) -> dict[str, list[str]]:
    seen: dict[str, set[str]] = {}
    for table_set in tables:
        for columns, rows in table_set.values():
            for column in columns:
                seen.setdefault(column, set()).update(row[column] for row in rows if row.get(column))
    for column, set_id in CODES_903.items():
        seen.setdefault(column, set()).update(valid_codes(set_id))
    for column, extra in EXTRA_903.items():
        seen.setdefault(column, set()).update(extra)
    return {column: sorted(values) for column, values in seen.items()}


def _mutate_table(
    rng: random.Random, name: str, columns: list[str], rows: list[dict[str, str]], pools: dict, rate: float, end: date
) -> list[dict[str, str]]:
    dates = [column for column in columns if _is_date_column(column, rows) or column in ("DEC", "MC_DOB")]
    out: list[dict[str, str]] = []
    origin: list[dict[str, str]] = []  # each output row's row before the change
    children = sorted({row["CHILD"] for row in rows if row.get("CHILD")})
    for was in rows:
        row = dict(was)
        for column in columns:
            if rng.random() >= rate:
                continue
            text = row.get(column) or ""
            if column == "CHILD":
                if name == "header" or rng.random() < 0.5:
                    row[column] = text + "9"  # a child the header does not hold
                elif children:
                    row[column] = rng.choice(children)  # another child's row
                continue
            if column in dates:
                if text:
                    row[column] = _mutate_date(rng, text, "dmy") or ""
                else:
                    row[column] = _near(rng, [row.get(c) or "" for c in dates], "dmy", end)
                continue
            row[column] = _mutate_code(rng, text, pools.get(column, [])) or ""
        roll = rng.random()
        if roll < rate / 3:
            continue  # dropped
        out.append(row)
        origin.append(was)
        if roll > 1 - rate / 3 and name != "header":
            out.append(dict(row))  # duplicated
            origin.append(was)
    if name == "episodes":  # every child keeps an episode with a valid start (see the docstring)
        started = {row["CHILD"] for row in out if DMY.match(row.get("DECOM") or "") and _parse(row["DECOM"])}
        for row, was in zip(out, origin, strict=True):
            if row["CHILD"] not in started and _parse(was.get("DECOM") or ""):
                row["DECOM"] = was["DECOM"]
                started.add(row["CHILD"])
    return out


def _episodes(rng: random.Random, rows: list[dict[str, str]], rate: float) -> None:
    """Overlap an episode's end with the next one's start, or open a gap, for a few children."""
    by_child: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_child.setdefault(row.get("CHILD") or "", []).append(row)
    for child in sorted(by_child):
        episodes = sorted(by_child[child], key=lambda row: (_parse(row.get("DECOM") or "") or (date.min,))[0])
        for first, following in zip(episodes, episodes[1:], strict=False):
            if rng.random() >= rate * 3:
                continue
            start = _parse(following.get("DECOM") or "")
            if start is None:
                continue
            roll = rng.random()
            if roll < 0.4:
                first["DEC"] = _write(start[0] + timedelta(days=rng.randint(1, 60)), "dmy")  # overlaps
            elif roll < 0.7:
                following["DECOM"] = _write(start[0] + timedelta(days=rng.randint(1, 30)), "dmy")  # a gap
            elif roll < 0.85:
                first["DEC"] = ""  # still open when the next starts
            else:
                following["DECOM"] = first.get("DECOM") or ""  # two episodes start the same day


def _dob_one_table(rng: random.Random, tables: dict, rate: float) -> None:
    """A child's date of birth changed in one table only."""
    with_dob = sorted(name for name, (columns, _) in tables.items() if "DOB" in columns)
    for name in with_dob:
        for row in tables[name][1]:
            if rng.random() < rate and row.get("DOB"):
                parsed = _parse(row["DOB"])
                if parsed:
                    shift = rng.choice([timedelta(days=rng.randint(1, 28)), timedelta(days=365 * rng.choice([-1, 1]))])
                    row["DOB"] = _write(parsed[0] + shift, "dmy")


def mutate_ssda903(
    this: Path, last: Path | None, out_this: Path, out_last: Path | None, seed: str, rate: float
) -> None:
    """Mutated copies of this year's SSDA903 tables (folder of CSVs) and last year's."""
    current = {path.stem: _read(path) for path in sorted(this.glob("*.csv"))}
    previous = {path.stem: _read(path) for path in sorted(last.glob("*.csv"))} if last else {}
    pools = _pools_903([current, previous])
    for tables, out, share, tag in ((current, out_this, 1.0, "this"), (previous, out_last, 0.5, "last")):
        if out is None:
            continue
        rng = random.Random(f"{seed}/{tag}")
        ends = [p[0] for _, rows in tables.values() for row in rows for p in [_parse(row.get("DECOM") or "")] if p]
        end = max(ends) if ends else date.today()
        changed = {}
        for name, (columns, rows) in tables.items():
            rows = [dict(row) for row in rows]
            if name == "episodes":
                _episodes(rng, rows, rate * share)
            changed[name] = (columns, rows)
        _dob_one_table(rng, changed, rate * share / 2)
        for name, (columns, rows) in changed.items():
            cells = max(1, len(rows) * len(columns))  # a small table (adoptions, UASC) still gets a few changes
            table_rate = max(rate * share, min(0.2, SMALL_TABLE_CHANGES * share / cells))
            _save(out / f"{name}.csv", columns, _mutate_table(rng, name, columns, rows, pools, table_rate, end))


# --------------------------------------------------------------------------- CIN census


def _leaves(element: ET.Element):
    for child in element:
        if len(child):
            yield from _leaves(child)
        else:
            yield element, child


def mutate_cin(source: Path, out: Path, seed: str, rate: float) -> None:
    """A mutated copy of a CIN census XML: the header kept, the children's values changed."""
    tree = ET.parse(source)
    root = tree.getroot()
    children = root.find("Children")
    if children is None:
        raise ValueError(f"{source}: no <Children>")
    rng = random.Random(f"{seed}/cin")
    pools: dict[str, set[str]] = {}
    for _, leaf in _leaves(children):
        if leaf.text and leaf.text.strip():
            pools.setdefault(leaf.tag, set()).add(leaf.text.strip())
    for tag, set_id in CODES_CIN.items():
        pools.setdefault(tag, set()).update(valid_codes(set_id))
    for tag, extra in EXTRA_CIN.items():
        pools.setdefault(tag, set()).update(extra)
    pool = {tag: sorted(values) for tag, values in pools.items()}
    dated = {tag for tag, values in pool.items() if all(ISO.match(v) for v in values if v)}
    reference = date(int(root.findtext("Header/CollectionDetails/Year") or "2026"), 3, 31)

    # values changed or removed
    for parent, leaf in list(_leaves(children)):
        if rng.random() >= rate:
            continue
        text = (leaf.text or "").strip()
        if leaf.tag in dated:
            new = _mutate_date(rng, text, "iso") if text else _near(rng, [], "iso", reference)
        elif leaf.tag == "LAchildID":  # never blank: a child without an ID stops the peer validator whole
            new = rng.choice([text + "9", text[:-1] or "1"])
        else:
            new = _mutate_code(rng, text, pool.get(leaf.tag, []))
        if new is None:
            if rng.random() < 0.5:
                parent.remove(leaf)
            else:
                leaf.text = ""
        else:
            leaf.text = new
    # optional elements added
    for block, names in OPTIONAL_CIN.items():
        for element in children.iter(block):
            for name in names:
                if element.find(name) is None and rng.random() < rate * 2:
                    values = pool.get(name)
                    if name in dated or not values:
                        dates = [(e.text or "") for e in element if e.text]
                        new = ET.SubElement(element, name)
                        new.text = _near(rng, dates, "iso", reference)
                    else:
                        ET.SubElement(element, name).text = rng.choice(values)
    # blocks duplicated or dropped
    for parent in list(children.iter()):
        for block in [e for e in parent if e.tag in BLOCKS_CIN]:
            roll = rng.random()
            if roll < rate / 2:
                parent.remove(block)
            elif roll > 1 - rate / 2:
                parent.insert(list(parent).index(block) + 1, ET.fromstring(ET.tostring(block)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tree.write(out, encoding="UTF-8", xml_declaration=True)
