"""Reading the DfE children in need census (CIN census) XML, collection years 2017 to 2026.

``read_cin_census(path)`` turns one census file into canonical rows (``docs/data-model.md``)
and problems; it never writes anything. What a user of the rows needs to know is said where
each rule is kept:

- ``values``: reading one value (dates, the code lists of each collection year, UPNs, yes/no);
- ``record``: one canonical row, its key, and which errors keep it (and the rows under it) out;
- ``reader``: the file (collection year and extract date from its header), each child and each
  referral's modules, and the census items that are not mapped.
"""

from childhub.ingest.cin_census.reader import read_cin_census
from childhub.ingest.cin_census.record import CANONICAL_COLUMNS
from childhub.ingest.cin_census.values import (
    ASSESSMENT_FACTORS,
    CATEGORY_OF_ABUSE,
    CIN_CENSUS,
    DISABILITY,
    ETHNICITY,
    PRE_PROCEEDINGS_OUTCOME,
    PRIMARY_NEED,
    REASON_FOR_CLOSURE,
    REFERRAL_SOURCE,
    SEX,
    UPN_UNKNOWN,
    check_code,
    parse_census_date,
)

__all__ = [
    "ASSESSMENT_FACTORS",
    "CANONICAL_COLUMNS",
    "CATEGORY_OF_ABUSE",
    "CIN_CENSUS",
    "DISABILITY",
    "ETHNICITY",
    "PRE_PROCEEDINGS_OUTCOME",
    "PRIMARY_NEED",
    "REASON_FOR_CLOSURE",
    "REFERRAL_SOURCE",
    "SEX",
    "UPN_UNKNOWN",
    "check_code",
    "parse_census_date",
    "read_cin_census",
]
