"""The comparison levels linkage scores pairs of records with, declared once.

Each field of a source record is compared level by level, the closest first; a pair is at the
first level it meets. Splink evaluates the declaration as SQL (``childhub.link.model``); the
instant matcher and person search evaluate it in Python (``childhub.link.instant.comparison_level``);
``tests/link/test_link_comparisons.py`` checks that the two agree on tricky and generated pairs. A value
missing on either side is the null level, which every comparison has before its declared levels
(level 0 in Python, -1 in Splink's ``gamma_`` columns, where the declared levels count down to 0).

The kinds of level:

- ``exact``: the two values are equal.
- ``nickname``: one first name is a nickname of the other, or the name it shortens
  (the ``nicknames`` package; ``nickname_pairs``).
- ``shares_part``: split at ``parameter`` (a hyphen), the two names share a part.
- ``jaro_winkler``: Jaro-Winkler similarity at least ``parameter``.
- ``day_month_swapped``: two dates that are equal once one's day and month are swapped.
- ``digits_different``: two dates written YYYY-MM-DD at most ``parameter`` edits apart (Levenshtein).
- ``within_years``: two dates at most ``parameter`` years (of 365.25 days) apart.
- ``same_district``: the postcode districts (``parameter``: the pattern a district matches) are equal.
- ``else``: every other pair; the last level of every comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

KINDS = (
    "exact",
    "nickname",
    "shares_part",
    "jaro_winkler",
    "day_month_swapped",
    "digits_different",
    "within_years",
    "same_district",
    "else",
)
# A postcode's district: the outward code before the sector ("QX12" of "QX12 4AB").
POSTCODE_DISTRICT = r"^[A-Z]{1,2}[0-9][A-Z0-9]?"
# Systems drop identifiers, they rarely mistype them: disagreeing UPNs or NHS numbers are fixed as
# near-impossible for one child instead of being learnt from pairs that include twins.
ID_DISAGREEMENT_M = 0.001


@dataclass(frozen=True)
class Level:
    """One comparison level: what a pair must meet, and how it is named."""

    kind: str
    label: str  # as Splink's charts, the saved model and the review page name the level
    parameter: float | str | None = None
    term_frequencies: bool = False  # an exact level whose weight Splink adjusts for how common the value is
    fixed_m: float | None = None  # an m probability fixed instead of trained
    search_text: str | None = None  # how search explains a match at this level; None: search does not count it

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a comparison level's kind is one of {', '.join(KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class Comparison:
    """A field of a source record and its levels, the closest first and ``else`` last."""

    field: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.levels or self.levels[-1].kind != "else":
            raise ValueError(f"the comparison of {self.field} must end with an 'else' level")

    def gamma(self, level: int) -> int:
        """Splink's comparison vector value (``gamma_<field>``) for a level numbered as ``comparison_level`` does."""
        return -1 if level == 0 else len(self.levels) - level


def _exact(field: str, *, term_frequencies: bool = False, search_text: str | None = None) -> Level:
    return Level("exact", f"Exact match on {field}", term_frequencies=term_frequencies, search_text=search_text)


def _jaro_winkler(field: str, threshold: float, search_text: str) -> Level:
    return Level("jaro_winkler", f"Jaro-Winkler distance of {field} >= {threshold}", threshold, search_text=search_text)


def _within_years(field: str, years: int) -> Level:
    return Level("within_years", f"Abs difference of '{field} <= {years} year'", years)


_ELSE = Level("else", "All other comparisons")


def _name(field: str, variant: Level) -> Comparison:
    """First name and surname: exact, one level of their own, then two bands of spelling."""
    return Comparison(
        field,
        (
            _exact(field, term_frequencies=True, search_text="exactly"),
            variant,
            _jaro_winkler(field, 0.92, "spelt almost like {wanted}"),
            _jaro_winkler(field, 0.80, "spelt like {wanted}"),
            _ELSE,
        ),
    )


def _identifier(field: str) -> Comparison:
    return Comparison(field, (_exact(field), Level("else", "All other comparisons", fixed_m=ID_DISAGREEMENT_M)))


COMPARISONS: tuple[Comparison, ...] = (
    _name("first_name", Level("nickname", "Nickname", search_text="a nickname of {wanted}")),
    _name("surname", Level("shares_part", "Shares a hyphenated part", "-", search_text="sharing a part with {wanted}")),
    Comparison(
        "dob",
        (
            _exact("dob", search_text="exactly"),
            Level("day_month_swapped", "Day and month swapped", search_text="day and month swapped"),
            Level("digits_different", "One digit different", 1, search_text="one digit different"),
            _within_years("dob", 1),
            _ELSE,
        ),
    ),
    Comparison("sex", (_exact("sex"), _ELSE)),
    Comparison(
        "postcode",
        (_exact("postcode"), Level("same_district", "Same postcode district", POSTCODE_DISTRICT), _ELSE),
    ),
    _identifier("upn"),
    _identifier("nhs_number"),
)
COMPARISON = {comparison.field: comparison for comparison in COMPARISONS}
FIELDS = tuple(COMPARISON)


@lru_cache(maxsize=1)
def nickname_pairs() -> frozenset[tuple[str, str]]:
    """Name and nickname pairs, both ways, from the ``nicknames`` package."""
    from nicknames import name_triplets

    pairs = set()
    for triplet in name_triplets():
        a, b = triplet.name1.lower(), triplet.name2.lower()
        if a != b:
            pairs.add((a, b))
            pairs.add((b, a))
    return frozenset(pairs)


__all__ = [
    "COMPARISON",
    "COMPARISONS",
    "FIELDS",
    "KINDS",
    "POSTCODE_DISTRICT",
    "Comparison",
    "Level",
    "nickname_pairs",
]
