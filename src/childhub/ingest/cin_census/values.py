"""Reading one value of the CIN census: dates, codes by collection year, UPNs, yes/no, and the
XML elements they are written in.

Dates
    The census writes dates as xs:date, YYYY-MM-DD. A date written day/month/year is read with
    a warning; any other text, a date that does not exist, or one outside 1900-2099 is
    unreadable (an error for its row).

Code lists by year
    Codes are checked against the list of the file's collection year: referral source 5D and
    closure reason RC9 from 2023; assessment factors 18A/19A until 2020, 18B/18C/19B/19C from
    2021, 24A from 2022; GenderCurrent 1/2/0/9 until 2024 and Sex M/F/U from 2025. A code
    outside the year's list is loaded as unknown, with a warning. Either element name (``Sex`` or
    ``GenderCurrent``) is read in any year; the value must belong to the year. GenderCurrent
    codes become ``pers_sex`` M/F/U/U (1 male, 2 female, 0 not recorded, 9 indeterminate) and
    the raw code is kept in ``pers_gender``; a Sex code goes to ``pers_sex`` alone.

UPNs and yes/no
    A UPN is a letter, then 12 digits or 11 digits and a letter; any other shape is an error,
    a wrong check letter only a warning. A yes/no is true, false, 1 or 0.

Row identifiers
    A row's own identifier is its key's parts joined by ``:``; its ``source_record_key`` is the
    same parts joined by ``|`` (see ``childhub.ingest.cin_census.record``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from childhub.codes import code_set

# ------------------------------------------------------------------ code lists, by year
# Each census item's codes are a set of the code registry (childhub.codes), which says the
# collection years each code is valid in; CIN_CENSUS limits a set to the codes this return uses.
CIN_CENSUS = "cin_census"
ETHNICITY = "ethnicity"
DISABILITY = "disability"
UPN_UNKNOWN = "upn_unknown"
SEX = "cin_sex"  # GenderCurrent 1/2/0/9 until 2024, Sex M/F/U from 2025
REFERRAL_SOURCE = "referral_source"
PRIMARY_NEED = "primary_need"
REASON_FOR_CLOSURE = "reason_for_closure"
CATEGORY_OF_ABUSE = "category_of_abuse"
ASSESSMENT_FACTORS = "cin_assessment_factors"
PRE_PROCEEDINGS_OUTCOME = "cin_pre_proceedings_outcome"
# GenderCurrent (1 male, 2 female, 0 not recorded or unborn, 9 indeterminate) as pers_sex.
GENDER_CURRENT_AS_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}
SEX_ELEMENT_FROM = 2025


def check_code(set_id: str, code: str, year: int, item: str) -> str | None:
    """None when ``code`` is one of the census's ``item`` codes in collection ``year``; else why not."""
    return code_set(set_id).check(code, year, item, within=CIN_CENSUS)


# ------------------------------------------------------------------ dates, UPNs, yes/no
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2099, 12, 31)


class CensusDate(NamedTuple):
    value: date | None
    problem: str | None  # with a value: a warning; without: why it is unreadable


# ASCII digits only: Python's \d would take other scripts' digits, which xs:date does not.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_DMY_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
UPN_SHAPE = re.compile(r"[A-Za-z][0-9]{12}|[A-Za-z][0-9]{11}[A-Za-z]")
YES, NO = frozenset({"true", "1"}), frozenset({"false", "0"})


def parse_census_date(text: str | None) -> CensusDate:
    """A census date (xs:date, YYYY-MM-DD) read strictly; day/month/year is read with a warning."""
    if text is None:
        return CensusDate(None, None)
    note = None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        note = "written day/month/year, not YYYY-MM-DD as the census requires; read as day/month/year"
    else:
        return CensusDate(None, "not a date: the census writes dates as YYYY-MM-DD")
    try:
        value = date(year, month, day)
    except ValueError:
        return CensusDate(None, "not a date that exists")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return CensusDate(None, f"not a plausible date (before {EARLIEST_DATE.year} or after {LATEST_DATE.year})")
    return CensusDate(value, note)


# ------------------------------------------------------------------ the XML elements values are in
def local_name(element) -> str | None:
    """An element's name without any namespace; None for comments and processing instructions."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else None


def elements(parent) -> list:
    return [child for child in parent if local_name(child) is not None]


def named(parent, name: str) -> list:
    return [child for child in parent if local_name(child) == name]


def text_of(element) -> str | None:
    text = "".join(element.itertext()).strip()
    return text or None


def line_of(element) -> str:
    return str(element.sourceline) if element.sourceline is not None else "?"


def place_of(child_id: str | None, element) -> str:
    return f"LAchildID {child_id if child_id is not None else '(none)'}, line {line_of(element)}"


def row_ids(*parts: str) -> tuple[str, str]:
    """A row's own ID (parts joined by ``:``) and its source record key (joined by ``|``)."""
    return ":".join(parts), "|".join(parts)
