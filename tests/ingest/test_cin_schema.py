"""The synthetic CIN census XML validates against the schema of its collection year.

The schemas in ``tests/fixtures/cin_schemas/`` are liiatools' copies of the DfE CIN census
XSDs (see NOTICE.md there): one per collection year from 2017 to 2024. DfE has published
no XSD for 2025 or later, when ``Sex`` (F/M/U) replaced ``GenderCurrent`` (1/2/0/9); files
for those years are checked against the newest schema after that one change is undone.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from childhub.synth import generate

SCHEMA_DIR = Path(__file__).parents[1] / "fixtures" / "cin_schemas"
SCHEMA_YEARS = sorted(int(p.stem.rsplit("_", 1)[1]) for p in SCHEMA_DIR.glob("CIN_schema_*.xsd"))
NEWEST_SCHEMA_YEAR = SCHEMA_YEARS[-1]
# Collection years after the newest schema, checked with the Sex -> GenderCurrent mapping.
LATER_YEARS = [2025, 2026]
YEARS = SCHEMA_YEARS + [year for year in LATER_YEARS if year > NEWEST_SCHEMA_YEAR]

# Each tiny authority writes the CIN census for the three collection years up to its as-at date,
# so these four cover 2017-2026 (as at 31 March 2019: 2017-2019; 2022: 2020-2022; ...).
AS_AT_DATES = [date(2019, 3, 31), date(2022, 3, 31), date(2025, 3, 31), date(2026, 3, 31)]
SEED = 3

# Sex (2025 on) back to GenderCurrent (to 2024): DfE's codes for male, female, not known.
SEX_TO_GENDER_CURRENT = {"M": "1", "F": "2", "U": "0"}


@pytest.fixture(scope="module")
def cin_files(tmp_path_factory, tiny_authority) -> dict[int, Path]:
    """CIN census file for each collection year, from tiny authorities at the dates above
    (the suite's shared one for its own date)."""
    files: dict[int, Path] = {}
    for as_at in AS_AT_DATES:
        if as_at == tiny_authority.as_at:
            extracts = tiny_authority.extracts
        else:
            extracts = generate("tiny", SEED, as_at, tmp_path_factory.mktemp(f"cin-{as_at.isoformat()}")).extracts
        for path in sorted((extracts / "social_care" / "cin_census").glob("CIN_Census_*.xml")):
            files.setdefault(int(path.stem.rsplit("_", 1)[1]), path)
    return files


# liiatools types NumberOfPreviousCPP as xs:positiveInteger, which rejects 0, the count every
# child's first plan must carry (DfE's guide: "the number of previous child protection plans";
# the peer validator's rule 8730 asks only that it be present). It is the one change made to the fixtures, here.
NUMBER_OF_PREVIOUS_CPP = (
    '<xs:element name="NumberOfPreviousCPP" type="xs:positiveInteger"',
    '<xs:element name="NumberOfPreviousCPP" type="xs:nonNegativeInteger"',
)


@cache
def schema_for(year: int) -> etree.XMLSchema:
    text = (SCHEMA_DIR / f"CIN_schema_{year}.xsd").read_bytes().decode("utf-8")
    assert NUMBER_OF_PREVIOUS_CPP[0] in text, "the schema no longer declares NumberOfPreviousCPP as expected"
    text = text.replace(*NUMBER_OF_PREVIOUS_CPP)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def error_report(schema: etree.XMLSchema, path: Path, schema_year: int) -> str:
    """Each distinct error once, with a count, then the schema's whole error log."""
    log = schema.error_log
    distinct = Counter(re.sub(r"\d{4}-\d\d-\d\d", "<date>", error.message) for error in log)
    lines = [f"{path.name} is not valid against CIN_schema_{schema_year}.xsd: {len(log)} errors"]
    lines += [f"  {count:4d} x {message}" for message, count in distinct.most_common()]
    lines += ["", "Full error log:"]
    lines += [f"  line {error.line}: {error.message}" for error in log]
    return "\n".join(lines)


def test_fixtures_cover_the_years():
    assert list(range(2017, 2025)) == SCHEMA_YEARS
    assert list(range(2017, 2027)) == YEARS


@pytest.mark.parametrize("year", YEARS)
def test_cin_census_validates_against_its_years_schema(year, cin_files):
    """The CIN census of ``year`` validates against ``CIN_schema_<year>.xsd``.

    For years with no schema (2025 and later) the file is validated against the newest
    schema (2024) after, in a copy of the tree, every ``Sex`` element is renamed
    ``GenderCurrent`` and its codes are mapped M -> 1, F -> 2, U -> 0. Any other
    difference from the 2024 layout still fails.
    """
    assert year in cin_files, f"no CIN_Census_{year}.xml among {sorted(cin_files)}"
    path = cin_files[year]
    tree = etree.parse(str(path))
    schema_year = year if year in SCHEMA_YEARS else NEWEST_SCHEMA_YEAR
    if year > NEWEST_SCHEMA_YEAR:
        tree = copy.deepcopy(tree)
        for element in tree.iter("Sex"):
            element.tag = "GenderCurrent"
            element.text = SEX_TO_GENDER_CURRENT.get(element.text, element.text)
    schema = schema_for(schema_year)
    assert schema.validate(tree), error_report(schema, path, schema_year)


@pytest.mark.parametrize("year", YEARS)
def test_sex_item_follows_the_year(year, cin_files):
    """``GenderCurrent`` (1/2/0/9) until 2024, ``Sex`` (F/M/U) from 2025 (DfE, 2024 to 2025 census)."""
    tree = etree.parse(str(cin_files[year]))
    identifiers = tree.findall(".//Child/ChildIdentifiers")
    assert identifiers
    if year >= 2025:
        expected, other, codes = "Sex", "GenderCurrent", {"F", "M", "U"}
    else:
        expected, other, codes = "GenderCurrent", "Sex", {"1", "2", "0", "9"}
    assert all(ids.find(other) is None for ids in identifiers)
    values = [ids.findtext(expected) for ids in identifiers]
    assert None not in values, f"a child without <{expected}>"
    assert set(values) <= codes
