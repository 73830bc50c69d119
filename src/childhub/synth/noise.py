"""Data-entry noise between systems: the reason linkage is hard.

Each source system keeps its own copy of a child's details, typed by different
people at different times. ``Noise`` turns the true details into one system's copy:
typos, nicknames, day/month swaps, mistyped digits, changed or hyphenated surnames,
missing identifiers and out-of-date addresses, each at the configured rate. Noise
never breaks a file's format: dates stay real dates and identifiers keep their check
characters (an identifier is dropped, never mistyped).
"""

from __future__ import annotations

import random
import string
from datetime import date
from functools import lru_cache

from childhub.synth.model import Address, Child, Household

_KEYBOARD_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


@lru_cache(maxsize=1)
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=4096)
def nicknames_of(name: str) -> tuple[str, ...]:
    """Nicknames of a first name, longest-known first, capitalised (empty when none)."""
    found = _nicknamer().nicknames_of(name.lower())
    return tuple(sorted(n.capitalize() for n in found if len(n) > 1))


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a substitution, transposition, deletion or doubled letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])
    kind = rng.random()
    ch = text[i]
    if kind < 0.4:
        neighbours = _KEYBOARD_NEIGHBOURS.get(ch.lower(), string.ascii_lowercase)
        new = rng.choice(neighbours)
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    if kind < 0.65 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    if kind < 0.85:
        return text[:i] + text[i + 1 :]
    return text[:i] + ch + text[i:]


def mistyped_date(rng: random.Random, day: date) -> date:
    """A day/month swap where one is possible, otherwise one digit of the day or month mistyped."""
    if day.day <= 12 and day.day != day.month and rng.random() < 0.6:
        return day.replace(day=day.month, month=day.day)
    for _ in range(10):
        try:
            if rng.random() < 0.7:
                digits = f"{day.day:02d}"
                position = rng.randint(0, 1)
                new_digit = str((int(digits[position]) + rng.choice([1, -1])) % 10)
                new_day = int(digits[:position] + new_digit + digits[position + 1 :])
                candidate = day.replace(day=new_day)
            else:
                candidate = day.replace(year=day.year + rng.choice([1, -1]))
        except ValueError:
            continue
        if candidate != day and candidate.day > 0:
            return candidate
    return day


class Noise:
    """One system's way of getting a child's details slightly wrong."""

    def __init__(self, rng: random.Random, rate: float):
        self.rng = rng
        self.rate = rate

    def _hit(self, weight: float = 1.0) -> bool:
        return self.rate > 0 and self.rng.random() < self.rate * weight

    def forename(self, name: str) -> str:
        if not self._hit():
            return name
        nicknames = nicknames_of(name)
        if nicknames and self.rng.random() < 0.5:
            return self.rng.choice(nicknames)
        return typo(self.rng, name)

    def surname(self, child: Child, household: Household | None) -> str:
        name = child.surname
        if not self._hit():
            return name
        roll = self.rng.random()
        mother = household.mother if household else None
        if roll < 0.35 and mother and mother.surname != name:
            return mother.surname  # the system holds the mother's surname
        if roll < 0.5 and mother and mother.surname != name and "-" not in name:
            return f"{name}-{mother.surname}"
        if roll < 0.6 and "-" in name:
            return name.split("-")[self.rng.randint(0, 1)]
        return typo(self.rng, name)

    def dob(self, day: date) -> date:
        return mistyped_date(self.rng, day) if self._hit(0.6) else day

    def keep(self, recorded_rate: float) -> bool:
        """Whether a system recorded an identifier it could have known."""
        return self.rng.random() < recorded_rate

    def address(self, household: Household | None, on: date) -> Address | None:
        """The address a system holds on ``on``: sometimes the one before a move."""
        if household is None:
            return None
        current = household.address_on(on)
        if self._hit(1.5) and len(household.residences) > 1:
            earlier = [r.address for r in household.residences if r.start <= on]
            if len(earlier) > 1:
                return earlier[-2]
        return current

    def sex(self, sex: str) -> str:
        if self._hit(0.05):
            return "F" if sex == "M" else "M"
        return sex
