"""UPN and NHS number check characters, and postcode normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from childhub.identifiers import (
    UPN_LETTERS,
    is_valid_nhs_number,
    is_valid_upn,
    make_upn,
    nhs_check_digit,
    normalise_postcode,
    upn_check_letter,
)


def test_upn_check_letter_worked_by_hand():
    # body 201200123001: digits times weights 2..13, summed, modulo 23
    body = "201200123001"
    total = sum(int(d) * w for w, d in enumerate(body, start=2))
    assert total == 2 * 2 + 0 * 3 + 1 * 4 + 2 * 5 + 0 * 6 + 0 * 7 + 1 * 8 + 2 * 9 + 3 * 10 + 0 * 11 + 0 * 12 + 1 * 13
    assert upn_check_letter(body) == UPN_LETTERS[total % 23] == "V"
    assert is_valid_upn("V201200123001")


def test_temporary_upn_ends_in_a_letter_and_checks():
    body = "20120012300A"
    upn = upn_check_letter(body) + body
    assert is_valid_upn(upn)


@pytest.mark.parametrize("value", [None, "", "V20120012300", "X201200123001", "V2012001230011", "VABC00123001"])
def test_invalid_upns(value):
    assert not is_valid_upn(value)


@given(la=st.integers(1, 999), establishment=st.integers(0, 9999), year=st.integers(0, 99), serial=st.integers(0, 999))
def test_every_made_upn_is_valid_and_any_other_letter_is_not(la, establishment, year, serial):
    upn = make_upn(la, establishment, year, serial)
    assert len(upn) == 13 and is_valid_upn(upn)
    for letter in UPN_LETTERS:
        if letter != upn[0]:
            assert not is_valid_upn(letter + upn[1:])


def test_nhs_number_known_valid_and_invalid():
    assert is_valid_nhs_number("943 476 5919")  # NHS Digital's published test number
    assert not is_valid_nhs_number("943 476 5918")
    assert not is_valid_nhs_number("94347659")
    assert not is_valid_nhs_number(None)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_check_digit_round_trip(first_nine):
    check = nhs_check_digit(first_nine)
    if check is None:  # remainder 1: no valid number has these nine digits
        assert not any(is_valid_nhs_number(first_nine + str(d)) for d in range(10))
    else:
        assert is_valid_nhs_number(first_nine + str(check))
        assert sum(is_valid_nhs_number(first_nine + str(d)) for d in range(10)) == 1


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("qx12 4ab", "QX12 4AB"),
        ("QX124AB", "QX12 4AB"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("NOT A POSTCODE", None),
        ("", None),
        (None, None),
        ("QX12 4CB", None),
    ],
)
def test_postcode_normalisation(raw, expected):
    assert normalise_postcode(raw) == expected
