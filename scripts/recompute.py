"""Recompute the headline figures from the raw DfE returns, without childhub, and compare.

Reads the SSDA903 CSV tables and the CIN census XML files exactly as an authority sends them
(the standard library and `holidays` only: no childhub import), computes each figure from the
DfE definition in shared/reference/indicators.md and annex-a.md, and, with --compare, runs
childhub on the same files and prints figure, recomputed, childhub, agree?.

    python scripts/recompute.py --ssda903 OUT/extracts/social_care/ssda903 \
        --cin OUT/extracts/social_care/cin_census --as-at 2026-03-31 \
        --compare OUT/extracts --mapping OUT/mappings --data-dir D

See docs/recompute.md for the rules applied to dirty returns and the tables from each run.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
from defusedxml import ElementTree

SHORT_BREAKS = {"V3", "V4"}
ADOPTION = {"A3", "A4", "A5", "A6"}  # placed for adoption
NEW_PLACEMENT = {"S", "P", "B", "T", "U"}  # RNE codes that begin a placement; L is a legal-status change only


# --- dates -------------------------------------------------------------------------------------


def parse_date(text: str | None) -> date | None:
    """A date in dd/mm/yyyy (SSDA903) or yyyy-mm-dd (CIN census); None when blank or not a date."""
    text = (text or "").strip()
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the last day of the month when it has none)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def year_start(as_at: date) -> date:
    """The first day of the 12 months ending on as_at (1 April for a 31 March)."""
    return months_before(as_at, 12) + timedelta(days=1)


def working_days(start: date, end: date) -> int:
    """Working days after start up to and including end (same day 0); England bank holidays excluded."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 1))
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            count += 1
    return count


def age_on(birth: date | None, day: date) -> int | None:
    """Whole years of age on day."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- SSDA903 -----------------------------------------------------------------------------------


@dataclass
class Episode:
    child: str
    start: date
    end: date | None
    rne: str
    legal_status: str
    place: str
    reason_ceased: str
    where: str  # file and row, for the notes
    provider: str = ""
    postcode: str = ""


@dataclass
class Return903:
    episodes: list[Episode] = field(default_factory=list)
    birth: dict[str, date] = field(default_factory=dict)
    missing: list[tuple[str, date]] = field(default_factory=list)  # (child, start) of each missing incident
    notes: list[str] = field(default_factory=list)


def _return_folders(path: Path) -> list[Path]:
    """Year folders oldest first (OUT/extracts/social_care/ssda903/2026), or the folder itself."""
    years = sorted((p for p in path.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    return years or [path]


def _rows(path: Path):
    if not path.exists():
        return
    with path.open(newline="", encoding="utf-8-sig") as file:
        for number, row in enumerate(csv.DictReader(file), start=2):
            yield number, {k.strip().upper(): (v or "").strip() for k, v in row.items() if k}


def read_ssda903(path: Path) -> Return903:
    """Every SSDA903 return under path, merged: a later return's version of a record replaces an earlier one's.

    Rules for dirty returns (each is a DfE validator error; the notes name file and row):
    - an episode whose DECOM is not a date is matched to the one episode of an older return it
      repeats (same child, RNE, LS, PLACE, PLACE_PROVIDER, PL_POST), which takes its DEC and REC;
      without exactly one match it cannot be placed in time and is left out;
    - the same CHILD and DECOM twice in one return: the first row is kept;
    - the same CHILD and DECOM in two returns: the newer return's row wins;
    - a DEC that is not a date or is before DECOM: the older return's DEC if it had one, else the
      child's next episode's DECOM, else (REC says the child ceased) the first day of the return's
      year, the earliest day it can have been; with none of these the episode stays open;
    - an episode still open when the child's next episode begins (overlapping episodes): ended
      when the next one began, the later record being the newer statement of the child's care;
    - an unknown legal status or placement code keeps the episode (counted, code unknown);
    - a missing DOB is taken from another table or an older return that carries it.
    """
    result = Return903()
    chosen: dict[tuple[str, date], tuple[Episode, bool, date | None]] = {}
    for folder in _return_folders(path):
        seen_here: set[tuple[str, date]] = set()
        unplaced: list[tuple[int, dict]] = []
        return_start = date(int(folder.name) - 1, 4, 1) if folder.name.isdigit() else None
        for name in ("oc2", "missing", "reviews", "uasc", "header"):  # header last: it wins
            for number, row in _rows(folder / f"{name}.csv"):
                born = parse_date(row.get("DOB"))
                if born:
                    result.birth[row["CHILD"]] = born
                elif name == "header":
                    result.notes.append(f"{folder / 'header.csv'} row {number}: DOB missing or not a date")
        for _, row in _rows(folder / "missing.csv"):
            started = parse_date(row.get("MIS_START"))
            if row.get("MISSING", "").upper() == "M" and started:
                result.missing.append((row["CHILD"], started))
        for number, row in _rows(folder / "episodes.csv"):
            where = f"{folder / 'episodes.csv'} row {number}"
            start = parse_date(row.get("DECOM"))
            if start is None:
                unplaced.append((number, row))
                continue
            key = (row["CHILD"], start)
            if key in seen_here:
                result.notes.append(f"{where}: second episode for child {key[0]} starting {start}; first kept")
                continue
            seen_here.add(key)
            end = parse_date(row.get("DEC"))
            good_end = not (row.get("DEC") and (end is None or end < start))
            if not good_end:
                result.notes.append(f"{where}: DEC {row.get('DEC')!r} is not a date on or after DECOM")
                end = None
            episode = Episode(
                row["CHILD"], start, end, row.get("RNE", ""), row.get("LS", ""), row.get("PLACE", ""),
                row.get("REC", ""), where, row.get("PLACE_PROVIDER", ""), row.get("PL_POST", ""),
            )  # fmt: skip
            older = chosen.get(key)
            if not good_end and older and older[0].end:
                episode.end, good_end = older[0].end, True
            chosen[key] = (episode, good_end, return_start)
        for number, row in unplaced:
            _place_by_older_version(row, folder, number, chosen, result)
    by_child: dict[str, list[tuple[Episode, bool, date | None]]] = defaultdict(list)
    for entry in chosen.values():
        by_child[entry[0].child].append(entry)
    for child_episodes in by_child.values():
        child_episodes.sort(key=lambda entry: entry[0].start)
        for (episode, good_end, began), following in zip(child_episodes, child_episodes[1:] + [None], strict=True):
            if not good_end and following is not None:
                episode.end = following[0].start
            elif not good_end and episode.reason_ceased not in ("", "X1") and began:
                episode.end = max(episode.start, began)  # ceased on a day the return does not give
            if following is not None and (episode.end is None or episode.end > following[0].start):
                result.notes.append(f"{episode.where}: overlaps the child's next episode; ended when it began")
                episode.end = following[0].start
            result.episodes.append(episode)
    result.missing = sorted(set(result.missing))
    return result


def _place_by_older_version(row: dict, folder: Path, number: int, chosen: dict, result: Return903) -> None:
    """An episode whose DECOM is not a date: the one older-return episode of the child it repeats gets its DEC and REC.

    It repeats an episode when the child, RNE, LS, PLACE, PLACE_PROVIDER and PL_POST are the same.
    Without exactly one such episode the row cannot be placed in time and is left out.
    """
    where = f"{folder / 'episodes.csv'} row {number}"
    same = [
        key
        for key, (e, _, _) in chosen.items()
        if e.child == row["CHILD"]
        and (e.rne, e.legal_status, e.place) == (row.get("RNE", ""), row.get("LS", ""), row.get("PLACE", ""))
        and e.where.rsplit(" row ", 1)[0] != str(folder / "episodes.csv")
        and (e.provider, e.postcode) == (row.get("PLACE_PROVIDER", ""), row.get("PL_POST", ""))
    ]
    if len(same) != 1:
        result.notes.append(f"{where}: DECOM {row.get('DECOM')!r} is not a date; row left out")
        return
    episode, _, began = chosen[same[0]]
    end = parse_date(row.get("DEC"))
    if end and end >= episode.start:
        episode.end, episode.reason_ceased = end, row.get("REC", "")
    result.notes.append(f"{where}: DECOM {row.get('DECOM')!r} is not a date; taken as the episode of {episode.start}")


def _by_child(episodes: list[Episode]) -> dict[str, list[Episode]]:
    grouped: dict[str, list[Episode]] = defaultdict(list)
    for episode in sorted(episodes, key=lambda e: (e.child, e.start)):
        grouped[episode.child].append(episode)
    return grouped


def _on(episode: Episode, day: date) -> bool:
    return episode.start <= day and (episode.end is None or episode.end > day)


def looked_after_on(data: Return903, day: date) -> set[str]:
    """Children looked after on day: an episode began on or before it and ceased after it.

    A child whose legal status on the day is a short break (V3/V4) is not looked after on it.
    """
    return {e.child for e in data.episodes if _on(e, day) and e.legal_status not in SHORT_BREAKS}


def looked_after_during(data: Return903, first: date, last: date) -> set[str]:
    """Children looked after at any time from first to last (not on short breaks)."""
    return {
        e.child
        for e in data.episodes
        if e.start <= last and (e.end is None or e.end >= first) and e.legal_status not in SHORT_BREAKS
    }


def periods_of_care(episodes: list[Episode]) -> list[list[Episode]]:
    """A child's episodes cut into periods of care.

    A period runs from an episode with RNE S to one that ceased for a reason other than X1 (X1: the
    next episode follows on the same day); a gap between episodes also ends one, and the first
    episode on record opens one.
    """
    periods: list[list[Episode]] = []
    for before, e in zip([None, *episodes], episodes, strict=False):
        if before is None or e.rne == "S" or before.reason_ceased != "X1" or before.end != e.start:
            periods.append([])
        periods[-1].append(e)
    return periods


def started_in_year(data: Return903, as_at: date) -> set[str]:
    """Children who started to be looked after in the year (first start).

    A period of care starts with an RNE S episode; one that began on short breaks (V3/V4) starts when
    its first episode that is not a short break does (the child was not looked after before it). A
    period whose first episode has neither RNE S nor a short-break status (the first on record, or
    after a gap) continues care that began before it, as its RNE says: no start. A change back from
    short breaks inside a period of care is not a second start (one period, one start).
    """
    first = year_start(as_at)
    started = set()
    for child, episodes in _by_child(data.episodes).items():
        for period in periods_of_care(episodes):
            care = [e for e in period if e.legal_status not in SHORT_BREAKS]
            opened = period[0].rne == "S" or period[0].legal_status in SHORT_BREAKS  # else a continuation
            if opened and care and first <= care[0].start <= as_at:
                started.add(child)
    return started


def ceased_in(data: Return903, first: date, last: date) -> set[str]:
    """Children who ceased to be looked after from first to last (last ceasing).

    A period of care ceases with its last episode's DEC when the reason is not X1 (X1: another episode
    follows); a period looked after at no time in the window (short breaks only, V3/V4) is no ceasing.
    """
    ceased = set()
    for child, episodes in _by_child(data.episodes).items():
        for period in periods_of_care(episodes):
            end = period[-1]
            care = [e for e in period if e.legal_status not in SHORT_BREAKS]
            in_window = any(e.start <= last and (e.end is None or e.end >= first) for e in care)
            if end.end and first <= end.end <= last and end.reason_ceased != "X1" and in_window:
                ceased.add(child)
    return ceased


def placements_in_year(episodes: list[Episode], as_at: date) -> int:
    """Placements a child had in the year: each begins with an episode whose RNE is not L (L changes the legal
    status only); one counts when an episode of it that is not a short break (V3/V4) falls in the year."""
    first = year_start(as_at)
    placements: list[list[Episode]] = []
    for before, e in zip([None, *episodes], episodes, strict=False):
        if before is None or e.rne in NEW_PLACEMENT:  # a gap before an RNE L episode is a lost record, not a move
            placements.append([])
        placements[-1].append(e)
    return sum(
        any(
            e.start <= as_at and (e.end is None or e.end > first) and e.legal_status not in SHORT_BREAKS
            for e in placement
        )
        for placement in placements
    )


def _chain_start(episodes: list[Episode], current: Episode, *, placement: bool) -> Episode:
    """Walk back through adjoining episodes to the start of the period of care (or of the placement)."""
    index = episodes.index(current)
    while index > 0:
        here, before = episodes[index], episodes[index - 1]
        if before.end != here.start or here.rne == "S" or (placement and here.rne != "L"):
            break
        index -= 1
    return episodes[index]


def stability(data: Return903, as_at: date) -> dict[str, tuple[int, int]]:
    """Short-term (3+ placements in the year among children looked after on the date) and long-term stability.

    Long term: under-16s on the date looked after for 2.5 years or more; numerator those in the same
    placement for 2 years or more, or placed for adoption (placement A3-A6) where that placement and the
    one before it together last 2 years or more.
    """
    on = looked_after_on(data, as_at)
    grouped = _by_child(data.episodes)
    three_plus = sum(1 for child in on if placements_in_year(grouped[child], as_at) >= 3)
    # "2.5 years or more" up to and including the date: begun by its first day (1 October for a 31 March)
    two_and_half, two = (months_before(as_at, months) + timedelta(days=1) for months in (30, 24))
    eligible = same = 0
    for child in on:
        age = age_on(data.birth.get(child), as_at)
        if age is None or age >= 16:
            continue
        episodes = grouped[child]
        current = next(e for e in reversed(episodes) if _on(e, as_at) and e.legal_status not in SHORT_BREAKS)
        if _chain_start(episodes, current, placement=False).start > two_and_half:
            continue
        eligible += 1
        placed = _chain_start(episodes, current, placement=True)
        if placed.start <= two:
            same += 1
        elif placed.place in ADOPTION and episodes.index(placed) > 0:
            previous = episodes[episodes.index(placed) - 1]
            same += previous.end == placed.start and _chain_start(episodes, previous, placement=True).start <= two
    return {"placement_stability_short": (three_plus, len(on)), "placement_stability_long": (same, eligible)}


def missing_from_care(data: Return903, as_at: date) -> dict[str, tuple[int, int | None]]:
    """Children looked after in the year with a missing incident (MISSING = M) starting in it; and the incidents."""
    first = year_start(as_at)
    during = looked_after_during(data, first, as_at)
    incidents = [(child, started) for child, started in data.missing if first <= started <= as_at and child in during]
    went = {child for child, _ in incidents}
    return {"missing_from_care": (len(went), len(during)), "missing_incidents": (len(incidents), len(went))}


def list_8_periods(data: Return903, as_at: date) -> int:
    """Annex A List 8 as childhub writes it, a row per period of care open on the date or ceased in the 6 months."""
    first = months_before(as_at, 6) + timedelta(days=1)
    grouped = _by_child(data.episodes)
    periods = set()
    for child, episodes in grouped.items():
        for e in episodes:
            if e.legal_status in SHORT_BREAKS:
                continue
            ceased = e.end and first <= e.end <= as_at and e.reason_ceased != "X1"
            if _on(e, as_at) or ceased:
                periods.add((child, _chain_start(episodes, e, placement=False).start))
    return len(periods)


def ssda903_figures(data: Return903, as_at: date) -> dict[str, tuple[int, int | None]]:
    """Every SSDA903 figure at as_at as (numerator, denominator or None)."""
    on = looked_after_on(data, as_at)
    figures = {
        "cla_count": (len(on), None),
        "cla_starts": (len(started_in_year(data, as_at)), None),
        "cla_ceased": (len(ceased_in(data, year_start(as_at), as_at)), None),
        # Annex A List 8: looked after on the date, plus those who ceased in the 6 months before it
        "annex_a_list_8_children": (
            len(on | ceased_in(data, months_before(as_at, 6) + timedelta(days=1), as_at)),
            None,
        ),
        "annex_a_list_8_rows": (list_8_periods(data, as_at), None),
    }
    figures.update(stability(data, as_at))
    figures.update(missing_from_care(data, as_at))
    return figures


# --- CIN census --------------------------------------------------------------------------------


@dataclass
class CinData:
    birth: dict[str, date] = field(default_factory=dict)
    referrals: dict[tuple[str, date], dict] = field(default_factory=dict)  # (child, referral date) -> episode
    assessments: dict[tuple[str, date], date | None] = field(default_factory=dict)  # -> authorisation
    s47: dict[tuple[str, date], date | None] = field(default_factory=dict)  # (child, S47 start) -> ICPC date
    plans: dict[tuple[str, date], dict] = field(default_factory=dict)  # (child, CPP start) -> plan
    notes: list[str] = field(default_factory=list)


def _text(element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def _census_files(path: Path) -> list[Path]:
    """CIN census files oldest collection year first (a later return's record replaces an earlier one's)."""
    files = [path] if path.is_file() else sorted(path.glob("*.xml"))
    return sorted(files, key=lambda f: _text(ElementTree.parse(f).getroot(), "Header/CollectionDetails/Year"))


def read_cin_census(path: Path) -> CinData:
    """Every CIN census file under path, merged by child and date (newer return wins).

    Rules for dirty returns: a record whose key date (referral, assessment start, S47 start, plan
    start) is not a date is left out; a closure date before the referral says the episode closed on
    a day the return does not give: the older return's closure date if it had one, else the referral
    date (so it is open on no later day); a plan end before its start is taken as not given.
    """
    data = CinData()
    for file in _census_files(path):
        for child in ElementTree.parse(file).getroot().iter("Child"):
            child_id = _text(child, "ChildIdentifiers/LAchildID")
            born = parse_date(_text(child, "ChildIdentifiers/PersonBirthDate"))
            if born:
                data.birth[child_id] = born
            for details in child.findall("CINdetails"):
                referral = parse_date(_text(details, "CINreferralDate"))
                if referral is None:
                    data.notes.append(f"{file.name}: child {child_id} has a CIN episode without a referral date")
                    continue
                closure = parse_date(_text(details, "CINclosureDate"))
                if closure and closure < referral:
                    data.notes.append(f"{file.name}: child {child_id} referral {referral} closes {closure}, before it")
                    older = data.referrals.get((child_id, referral))
                    closure = older["closure"] if older and older["closure"] else referral
                nfa = _text(details, "ReferralNFA").lower() in ("true", "1")
                data.referrals[(child_id, referral)] = {"closure": closure, "nfa": nfa}
                for assessment in details.findall("Assessments"):
                    started = parse_date(_text(assessment, "AssessmentActualStartDate"))
                    if started:
                        data.assessments[(child_id, started)] = parse_date(
                            _text(assessment, "AssessmentAuthorisationDate")
                        )
                for s47 in details.findall("Section47"):
                    started = parse_date(_text(s47, "S47ActualStartDate"))
                    if started:
                        data.s47[(child_id, started)] = parse_date(_text(s47, "DateOfInitialCPC"))
                for plan in details.findall("ChildProtectionPlans"):
                    started = parse_date(_text(plan, "CPPstartDate"))
                    if started is None:
                        continue
                    ended = parse_date(_text(plan, "CPPendDate"))
                    previous = _text(plan, "NumberOfPreviousCPP")
                    data.plans[(child_id, started)] = {
                        "end": ended if ended is None or ended >= started else None,
                        "previous": int(previous) if previous.isdigit() else None,
                    }
    return data


def cin_figures(data: CinData, as_at: date) -> dict[str, tuple[int, int | None]]:
    """Every CIN census figure at as_at as (numerator, denominator or None)."""
    first = year_start(as_at)
    in_year = lambda day: day is not None and first <= day <= as_at  # noqa: E731
    # children in need on the date: a CIN episode referred on or before it, not NFA, and not closed by it
    in_need = {
        c
        for (c, ref), ep in data.referrals.items()
        if ref <= as_at and not ep["nfa"] and (ep["closure"] is None or ep["closure"] > as_at)
    }
    # referrals in the year; a re-referral has another referral of the child in the 12 months before it
    referrals = sorted(key for key in data.referrals if in_year(key[1]))
    dates = defaultdict(list)
    for child, referred in data.referrals:
        dates[child].append(referred)
    again = sum(1 for c, ref in referrals if any(months_before(ref, 12) <= d < ref for d in dates[c]))
    # assessments authorised in the year, within 45 working days of their start
    done = [(start, end) for (_, start), end in data.assessments.items() if in_year(end)]
    within_45 = sum(1 for start, end in done if working_days(start, end) <= 45)
    # ICPCs held in the year, within 15 working days of the strategy discussion starting the S47
    icpcs = [(start, held) for (_, start), held in data.s47.items() if in_year(held)]
    within_15 = sum(1 for start, held in icpcs if working_days(start, held) <= 15)
    # children on a CP plan on the date, under 18
    on_plan = {
        c
        for (c, start), plan in data.plans.items()
        if start <= as_at
        and (plan["end"] is None or plan["end"] > as_at)
        and (age_on(data.birth.get(c), as_at) or 0) < 18
    }
    # plans started in the year; second or subsequent when NumberOfPreviousCPP > 0 or an earlier plan is on record
    started = [(c, s) for (c, s) in data.plans if in_year(s)]
    second = sum(
        1
        for c, s in started
        if (data.plans[(c, s)]["previous"] or 0) > 0 or any(c2 == c and s2 < s for c2, s2 in data.plans)
    )
    return {
        "cin_count": (len(in_need), None),
        "referrals_count": (len(referrals), None),
        "re_referrals_12m": (again, len(referrals)),
        "assessments_45wd": (within_45, len(done)),
        "icpc_15wd": (within_15, len(icpcs)),
        "cp_count": (len(on_plan), None),
        "cp_plans_started": (len(started), None),
        "cp_second_plan": (second, len(started)),
    }


def as_linked(cin: CinData, alias: dict[str, str]) -> CinData:
    """The CIN census with each LA child ID childhub links to another counted under one ID (childhub's view)."""
    rename = lambda records: {(alias.get(c, c), day): value for (c, day), value in records.items()}  # noqa: E731
    return CinData(
        {alias.get(c, c): born for c, born in cin.birth.items()},
        rename(cin.referrals), rename(cin.assessments), rename(cin.s47), rename(cin.plans), cin.notes,
    )  # fmt: skip


def undo_planted_errors(out: Path, dest: Path) -> Path:
    """Copy a synthetic authority's returns to dest with each error `childhub synth --dq-errors` planted in them
    put back as it was (OUT/dq_errors.csv gives file, row, field, before and after): the truth to judge by."""
    shutil.copytree(out / "extracts" / "social_care", dest / "social_care", dirs_exist_ok=True)
    with (out / "dq_errors.csv").open(newline="") as file:
        for error in csv.DictReader(file):
            path = dest / error["file"].removeprefix("extracts/")
            if "/ssda903/" in error["file"]:
                lines = path.read_text().splitlines(keepends=True)
                cells = next(csv.reader([lines[int(error["row"]) - 1]]))
                cells[next(csv.reader([lines[0]])).index(error["field"])] = error["value_before"]
                lines[int(error["row"]) - 1] = ",".join(cells) + "\n"
                path.write_text("".join(lines))
            elif "/cin_census/" in error["file"]:
                text = path.read_text()
                child = text.index(f"<LAchildID>{error['row'].split()[-1]}</LAchildID>")
                end = text.index("</Child>", child)
                wrong, right = (
                    f"<{error['field']}>{error[v]}</{error['field']}>" for v in ("value_after", "value_before")
                )
                path.write_text(text[:child] + text[child:end].replace(wrong, right, 1) + text[end:])
    return dest / "social_care"


# --- childhub, for the comparison --------------------------------------------------------------

# recomputed figure -> childhub indicator id (its numerator and denominator are compared)
CHILDHUB_IDS = {
    "cla_count": "cla_count",
    "cla_starts": "cla_starts",
    "cla_ceased": "cla_ceased",
    "placement_stability_short": "placement_stability_short",
    "placement_stability_long": "placement_stability_long",
    "missing_from_care": "missing_from_care",
    "missing_incidents": "missing_incidents_per_child",
    "cin_count": "cin_rate",
    "referrals_count": "referrals_count",
    "re_referrals_12m": "re_referrals_12m",
    "assessments_45wd": "assessments_45wd",
    "icpc_15wd": "icpc_15wd",
    "cp_count": "cp_plan_rate",
    "cp_plans_started": "cp_plans_started",
    "cp_second_plan": "cp_second_plan",
}


def _childhub(*args: str, check: bool = True) -> str:
    command = [sys.executable, "-m", "childhub", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3) and not check:
        print(f"(childhub {args[0]}: {done.stderr.strip() or done.stdout.strip()})", file=sys.stderr)
    elif done.returncode not in (0, 3):
        raise SystemExit(f"childhub {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def run_childhub(extracts: list[Path], mappings: list[Path], data_dir: Path, as_at: date, extract_date: date | None):
    """Ingest, link, and read childhub's indicators, Annex A List 8 and return reconciliations at as_at."""
    ingest = ["ingest", *map(str, extracts), "--data-dir", str(data_dir)]
    for mapping in mappings:
        ingest += ["--mapping", str(mapping)]
    if extract_date:
        ingest += ["--extract-date", extract_date.isoformat()]
    _childhub(*ingest)
    _childhub("link", "--data-dir", str(data_dir))
    indicators = json.loads(
        _childhub("indicators", "--as-at", as_at.isoformat(), "--format", "json", "--data-dir", str(data_dir))
    )
    figures = {i["id"]: (i["numerator"], i["denominator"]) for i in indicators}
    with tempfile.TemporaryDirectory() as folder:
        _childhub(
            "annex-a",
            "--as-at",
            as_at.isoformat(),
            "--format",
            "csv",
            "--out",
            folder,
            "--data-dir",
            str(data_dir),
            check=False,
        )
        list_8 = next(Path(folder).glob("*8*.csv"), None)
        if list_8 is not None:
            with list_8.open(newline="", encoding="utf-8-sig") as file:
                figures["annex_a_list_8_rows"] = (sum(1 for _ in csv.DictReader(file)), None)
    alias: dict[str, str] = {}  # LA child ID -> the first LA child ID of the child childhub links it to
    for dfe_return in ("ssda903", "cin_census"):
        out = _childhub(
            "reconcile",
            "return",
            dfe_return,
            "--as-at",
            as_at.isoformat(),
            "--format",
            "json",
            "--data-dir",
            str(data_dir),
            check=False,
        )
        for merged in json.loads(out or "{}").get("merged", []):
            ids = sorted(merged["la_child_ids"])
            alias.update({other: ids[0] for other in ids[1:]})
    return figures, alias


def _show(pair: tuple | None) -> str:
    if pair is None:
        return "-"
    top, bottom = pair
    if bottom is None:
        return f"{top:g}" if isinstance(top, float) else str(top)
    return f"{top:g}/{bottom:g}"


def compare(ours: dict[str, tuple], theirs: dict[str, tuple]) -> list[tuple[str, str, str, bool]]:
    """Rows of figure, recomputed, childhub, agree? (a figure childhub does not give is left out)."""
    rows = []
    for name, value in ours.items():
        key = CHILDHUB_IDS.get(name, name)
        if key not in theirs:
            continue
        other = theirs[key]
        if ours[name][1] is None:
            other = (other[0], None)
        agree = [float(v or 0) for v in value] == [float(v or 0) for v in other]  # no denominator is none of 0
        rows.append((name, _show(value), _show(other), agree))
    return rows


def table(rows) -> str:
    """A markdown table of the comparison."""
    lines = ["| figure | recomputed | childhub | agree? |", "| --- | ---: | ---: | --- |"]
    lines += [f"| {name} | {a} | {b} | {'yes' if ok else 'NO'} |" for name, a, b, ok in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ssda903", type=Path, help="an SSDA903 folder (or a folder of year folders)")
    parser.add_argument("--cin", type=Path, help="a CIN census XML file or folder of them")
    parser.add_argument("--as-at", required=True, type=date.fromisoformat)
    parser.add_argument("--compare", type=Path, nargs="*", help="also run childhub on these extracts")
    parser.add_argument("--mapping", type=Path, action="append", default=[])
    parser.add_argument(
        "--data-dir", type=Path, help="childhub data folder for --compare (a new temporary one if not given)"
    )
    parser.add_argument("--extract-date", type=date.fromisoformat)
    parser.add_argument("--notes", action="store_true", help="list every rule applied to a dirty record")
    parser.add_argument(
        "--truth",
        type=Path,
        help="a `childhub synth --dq-errors` folder: recompute from its returns with the errors undone",
    )
    args = parser.parse_args(argv)
    ours: dict[str, tuple] = {}
    notes: list[str] = []
    scratch = tempfile.TemporaryDirectory()
    if args.truth:
        social_care = undo_planted_errors(args.truth, Path(scratch.name))
        args.ssda903, args.cin = social_care / "ssda903", social_care / "cin_census"
    if args.ssda903:
        data = read_ssda903(args.ssda903)
        ours.update(ssda903_figures(data, args.as_at))
        notes += data.notes
    cin = read_cin_census(args.cin) if args.cin else None
    if cin:
        ours.update(cin_figures(cin, args.as_at))
        notes += cin.notes
    if not args.compare:
        print("\n".join(f"{name}: {_show(value)}" for name, value in ours.items()))
    else:
        with tempfile.TemporaryDirectory() as folder:
            data_dir = args.data_dir or Path(folder) / "data"
            theirs, alias = run_childhub(args.compare, args.mapping, data_dir, args.as_at, args.extract_date)
        print(table(compare(ours, theirs)))
        if alias:
            print(f"\nchildhub links {len(alias)} LA child ID(s) to another: {alias}")
            if cin:
                print("CIN census figures counting a linked child once, as childhub does:\n")
                print(table(compare(cin_figures(as_linked(cin, alias), args.as_at), theirs)))
    print(f"\n{len(notes)} dirty record(s) handled by a rule" + (":" if args.notes else " (--notes lists them)"))
    if args.notes:
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
