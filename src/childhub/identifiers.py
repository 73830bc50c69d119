"""Identifiers shared between systems, and their published check rules.

- UPN (unique pupil number): 13 characters; the first is a check letter computed by
  DfE's modulus-23 rule over the other twelve. Characters 2-4 are the LA number,
  5-8 the establishment number, 9-10 the year of allocation, 11-13 a serial; a
  temporary UPN ends in a letter.
- NHS number: 10 digits; the last is a modulus-11 check digit over the first nine.
- Postcodes: normalised to upper case with one space before the inward code.
"""

from __future__ import annotations

import re

# The 23 letters DfE uses for UPN check letters (I, O and S are left out).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_BODY = re.compile(r"^[0-9]{11}[0-9A-HJ-NP-RT-Z]$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}$")


def _upn_char_value(char: str) -> int:
    return int(char) if char.isdigit() else UPN_LETTERS.index(char)


def upn_check_letter(body: str) -> str:
    """The check letter for the twelve characters after it (positions 2-13)."""
    body = body.upper()
    if not _UPN_BODY.match(body):
        raise ValueError(f"not the body of a UPN: {body!r}")
    total = sum(_upn_char_value(char) * weight for weight, char in enumerate(body, start=2))
    return UPN_LETTERS[total % 23]


def make_upn(la_number: int, establishment: int, year: int, serial: int) -> str:
    """A permanent UPN with its check letter."""
    body = f"{la_number:03d}{establishment:04d}{year % 100:02d}{serial % 1000:03d}"
    return upn_check_letter(body) + body


def is_valid_upn(value: str | None) -> bool:
    """True when ``value`` is 13 characters with the right check letter."""
    if not value or len(value) != 13:
        return False
    value = value.upper()
    body = value[1:]
    if not _UPN_BODY.match(body):
        return False
    return value[0] == upn_check_letter(body)


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit, or None when the nine digits admit none."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError(f"not the first nine digits of an NHS number: {first_nine!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str | None) -> bool:
    """True when ``value`` is ten digits (spaces allowed) with the right check digit."""
    if not value:
        return False
    digits = value.replace(" ", "")
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def normalise_postcode(value: str | None) -> str | None:
    """Upper case with one space before the inward code; None when not a UK postcode."""
    if not value:
        return None
    compact = re.sub(r"\s+", "", value).upper()
    candidate = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    return candidate if _POSTCODE.match(candidate) else None
