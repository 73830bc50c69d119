"""The region's key and encodings: HMACs checked against Python's hmac module computed here, Dice worked by hand,
typos scoring above other names, and another key setting other bits."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import date

import pytest

from childhub.identifiers import make_upn
from childhub.region import RegionError
from childhub.region.encoding import (
    BITS,
    HASHES,
    dice,
    dob_tokens,
    encode_dates_of_birth,
    encode_names,
    key_check,
    name_tokens,
    nhs_hash,
    normalise_name,
    pooled_id,
    read_key,
    token_positions,
    upn_hash,
    write_key,
)
from childhub.region.link import DOB_DICE_LEVELS

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
VALID_NHS = "9434765919"  # the NHS's own example number: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 11 - 299 % 11 = 9


def _hmac_hex(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# ---- the key -------------------------------------------------------------------------------------------------------


def test_a_key_written_is_32_hex_bytes_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / "region.key"
    write_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().strip()
    assert len(text) == 64 and bytes.fromhex(text) == read_key(path)
    with pytest.raises(RegionError, match="already there"):
        write_key(path)
    assert path.read_text().strip() == text


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (None, 0o600, "no such key file"),
        ("ab" * 16, 0o600, "16 bytes, not 32"),
        ("zz" * 32, 0o600, "not hexadecimal"),
        ("ab" * 32, 0o644, "readable by others"),
    ],
)
def test_a_bad_key_file_is_one_line_naming_it(tmp_path, content, mode, message):
    path = tmp_path / "region.key"
    if content is not None:
        path.write_text(content + "\n")
        os.chmod(path, mode)
    with pytest.raises(RegionError, match=message) as caught:
        read_key(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


# ---- keyed hashes ----------------------------------------------------------------------------------------------------


def test_keyed_hashes_are_hmac_sha256_of_the_normalised_identifier():
    assert key_check(KEY) == _hmac_hex(KEY, b"childhub pooled key check")
    assert nhs_hash(KEY, "943 476 5919") == _hmac_hex(KEY, b"9434765919")
    upn = make_upn(201, 4001, 2015, 17)
    assert upn_hash(KEY, upn.lower()) == _hmac_hex(KEY, upn.encode())
    assert pooled_id(KEY, "E09000001", 42) == _hmac_hex(KEY, b"E09000001:42")[:32]


def test_an_identifier_failing_its_check_hashes_to_nothing():
    assert nhs_hash(KEY, "9434765918") is None  # the check digit is 9
    upn = make_upn(201, 4001, 2015, 17)
    wrong_letter = ("B" if upn[0] == "A" else "A") + upn[1:]
    assert upn_hash(KEY, wrong_letter) is None
    assert nhs_hash(KEY, None) is None and upn_hash(KEY, "") is None


def test_another_key_gives_other_hashes_and_other_bits():
    assert nhs_hash(KEY, VALID_NHS) != nhs_hash(OTHER_KEY, VALID_NHS)
    ours, _ = encode_names(KEY, "first_name", ["JONATHAN"])
    theirs, _ = encode_names(OTHER_KEY, "first_name", ["JONATHAN"])
    assert ours.tolist() != theirs.tolist()
    assert dice(ours[0], theirs[0]) < 0.7  # unrelated bits: about what two random filters share


# ---- tokens and positions --------------------------------------------------------------------------------------------


def test_names_are_normalised_to_plain_letters_and_padded_bigrams():
    assert normalise_name(" Zoë O'Brien-Smith ") == "ZOEOBRIENSMITH"
    assert name_tokens("Jon") == {"_J", "JO", "ON", "N_"}
    assert name_tokens("  ") == frozenset()


def test_a_date_of_birth_has_11_tokens_none_shared_by_a_day_and_a_month():
    tokens = dob_tokens(date(2014, 3, 7))
    assert tokens == {"P0:2", "P1:0", "P2:1", "P3:4", "P4:0", "P5:3", "P6:0", "P7:7", "Y:2014", "M:03", "D:07"}
    # the 3rd of July and the 7th of March share only what their places share: the year and the two leading zeros
    swapped = dob_tokens(date(2014, 7, 3))
    assert tokens & swapped == {"P0:2", "P1:0", "P2:1", "P3:4", "P4:0", "P6:0", "Y:2014"}
    # a day and a month of the same number are still different tokens: the 3rd of March keeps all 11
    assert len(dob_tokens(date(2014, 3, 3))) == 11


def test_a_tokens_bit_positions_are_16_bit_draws_of_its_hmac():
    digest = hmac.new(KEY, b"first_name|0|JO", hashlib.sha256).digest()
    expected = [int.from_bytes(digest[i : i + 2], "big") % BITS for i in range(0, 32, 2)]
    digest = hmac.new(KEY, b"first_name|1|JO", hashlib.sha256).digest()
    expected += [int.from_bytes(digest[i : i + 2], "big") % BITS for i in range(0, 32, 2)]
    assert token_positions(KEY, "first_name", "JO") == expected[:HASHES]
    assert token_positions(KEY, "last_name", "JO") != token_positions(KEY, "first_name", "JO")


def test_a_filter_sets_exactly_the_bits_of_its_tokens():
    words, bits = encode_names(KEY, "first_name", ["Jo", None])
    wanted = {p for token in ("_J", "JO", "O_") for p in token_positions(KEY, "first_name", token)}
    got = {64 * w + b for w in range(8) for b in range(64) if (int(words[0, w]) >> b) & 1}
    assert got == wanted and bits[0] == len(wanted)
    assert bits[1] == 0 and not words[1].any()


# ---- Dice ------------------------------------------------------------------------------------------------------------


def test_dice_of_two_hand_made_filters():
    a = [0b1011, 0, 0, 0, 0, 0, 0, -1]  # 3 bits + 64 bits (the word -1 is all ones) = 67
    b = [0b0110, 0, 0, 0, 0, 0, 0, 1]  # 2 bits + 1 bit = 3; shared: bit 1 of word 0 and bit 0 of word 7 = 2
    assert dice(a, b) == pytest.approx(2 * 2 / (67 + 3))
    assert dice(a, a) == 1.0
    assert dice([0] * 8, [0] * 8) is None


def test_a_typo_scores_higher_than_another_name():
    words, _ = encode_names(KEY, "last_name", ["Robinson", "Robinsen", "Robertson", "Khan"])
    typo, near, other = dice(words[0], words[1]), dice(words[0], words[2]), dice(words[0], words[3])
    assert typo > 0.75 and typo > near > other


def test_the_dob_dice_levels_put_a_slip_above_another_date():
    """What each kind of disagreement scores with the tests' key, against the region link's levels.

    Tokens shared of 11 (worked from ``dob_tokens``): a one-digit slip keeps 9 (its digit and its part differ), a day
    and month swapped 7 (the year's five and the two leading zeros), another day of the month 8 or 9, another year
    with another month and day only the common leading digits. The bits follow, less a little for collisions."""
    base = date(2014, 3, 7)
    others = {
        "slip in the day": date(2014, 3, 8),
        "slip in the month": date(2014, 8, 7),
        "slip in the year": date(2015, 3, 7),
        "swap": date(2014, 7, 3),
        "another day of the month": date(2014, 3, 22),
        "another month": date(2014, 11, 22),
        "another year": date(2011, 10, 19),
        "another year, other digits": date(2009, 12, 25),
    }
    shared = {name: len(dob_tokens(base) & dob_tokens(other)) for name, other in others.items()}
    assert shared == {
        "slip in the day": 9,
        "slip in the month": 9,
        "slip in the year": 9,
        "swap": 7,
        "another day of the month": 8,
        "another month": 5,  # 20141122: the year's five; month 11 and day 22 share no digit in place with 03, 07
        "another year": 3,  # 20111019: P0:2, P1:0, P2:1
        "another year, other digits": 2,  # 20091225: P0:2, P1:0
    }
    words, _ = encode_dates_of_birth(KEY, [base, *others.values()])
    score = {name: dice(words[0], words[i]) for i, name in enumerate(others, 1)}
    exact, slip, near = DOB_DICE_LEVELS
    for name in ("slip in the day", "slip in the month", "slip in the year"):
        assert exact > score[name] >= slip, (name, score[name])
    assert slip > score["swap"] >= near and slip > score["another day of the month"] >= near
    for name in ("another month", "another year", "another year, other digits"):
        assert score[name] < near, (name, score[name])


def test_a_day_month_swap_or_a_digit_slip_scores_higher_than_another_date():
    words, _ = encode_dates_of_birth(
        KEY, [date(2014, 3, 7), date(2014, 7, 3), date(2014, 3, 8), date(2015, 3, 7), date(2014, 11, 22)]
    )
    other = dice(words[0], words[4])
    for near in (1, 2, 3):
        assert dice(words[0], words[near]) > other + 0.1
