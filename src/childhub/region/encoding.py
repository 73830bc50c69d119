"""The region's shared key and what is encoded under it (docs/region.md, "The region's shared key").

- The key: 32 random bytes written as 64 hex characters in a file only its owner can read (``write_key``,
  ``read_key``). ``key_check`` lets two exports show they were made under the same key without showing it.
- Identifiers: ``nhs_hash`` and ``upn_hash`` are HMAC-SHA256 under the key of the identifier normalised and checked by
  ``childhub.identifiers`` (an NHS number's check digit, a UPN's check letter); an invalid one hashes to None, so
  two children who share a mistyped number are not made one. ``pooled_id`` names a child opaquely.
- Names and dates of birth: field-level Bloom filters (``encode_names``, ``encode_dates_of_birth``), 512 bits each as
  8 signed 64-bit words and the count of bits set. Each token (a padded bigram of the normalised name; for a date of
  birth the tokens listed at ``dob_tokens``) sets ``HASHES`` bits, each position drawn from HMAC-SHA256 under the key
  of the field and token: without the key nobody can compute which bits a name sets, and the positions of one token
  are independent draws, not the arithmetic series of double hashing that published attacks exploit. The Dice
  similarity of two filters (``dice``) is high for names that share most of their bigrams (a typo), low otherwise.

Speed: a region's names repeat (a few thousand distinct bigrams and date tokens among 300,000 children), so each
distinct value is encoded once (each distinct token hashed once, the bits set with numpy) and every row takes its
value's filter.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.identifiers import is_valid_nhs_number, is_valid_upn
from childhub.region import RegionError

if TYPE_CHECKING:
    import numpy as np

KEY_BYTES = 32
BITS = 512  # bits in each field's filter
WORDS = BITS // 64  # signed 64-bit words a filter is stored as
HASHES = 20  # bits each token sets
NGRAM = 2
PAD = "_"
KEY_CHECK_MESSAGE = b"childhub pooled key check"
POOLED_ID_LENGTH = 32
FIELDS = ("first_name", "last_name", "dob")
_BLOCK = 50_000  # children encoded at a time (the bit matrix of a block is BLOCK x 512 bytes)


# ---- the key -------------------------------------------------------------------------------------------------------


def write_key(path: Path) -> None:
    """A new key in ``path``: 32 random bytes as hex, owner-only; an existing file is never overwritten."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise RegionError(f"{path}: a file is already there (a region's key is never overwritten)") from None
    except OSError as error:
        raise RegionError(f"{path}: the key could not be written ({error.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(path, 0o600)


def read_key(path: Path) -> bytes:
    """The key in ``path``, or one line saying what is wrong with the file: missing, readable by others, not hex, or
    not 32 bytes."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise RegionError(f"{path}: no such key file") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not text"
        raise RegionError(f"{path}: the key file could not be read ({reason})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RegionError(f"{path}: the key file is readable by others (chmod 600 it: only its owner may read it)")
    if not re.fullmatch(r"[0-9a-fA-F]*", text):
        raise RegionError(f"{path}: the key is not hexadecimal (childhub region key writes one)")
    if len(text) != 2 * KEY_BYTES:
        raise RegionError(
            f"{path}: the key is {len(text) // 2} bytes, not {KEY_BYTES} (childhub region key writes one)"
        )
    return bytes.fromhex(text)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) under ``key``, as hex."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """What an export carries to show its key: HMAC-SHA256(key, "childhub pooled key check"), hex."""
    return hmac.new(key, KEY_CHECK_MESSAGE, hashlib.sha256).hexdigest()


def pooled_id(key: bytes, authority_code: str, child_id: object) -> str:
    """A child's opaque name in the region: the first 32 hex characters of HMAC(key, "<authority>:<child_id>")."""
    return keyed_hash(key, f"{authority_code}:{child_id}")[:POOLED_ID_LENGTH]


def nhs_hash(key: bytes, value: str | None) -> str | None:
    """The keyed hash of an NHS number (ten digits, spaces dropped), None when it fails its check digit."""
    if not is_valid_nhs_number(value):
        return None
    return keyed_hash(key, value.replace(" ", ""))


def upn_hash(key: bytes, value: str | None) -> str | None:
    """The keyed hash of a UPN (upper case, spaces dropped), None when it fails its check letter."""
    if value is None:
        return None
    normalised = value.replace(" ", "").upper()
    if not is_valid_upn(normalised):
        return None
    return keyed_hash(key, normalised)


# ---- tokens --------------------------------------------------------------------------------------------------------


def normalise_name(value: str | None) -> str:
    """Upper case, accents dropped (Zoë -> ZOE), anything but A-Z dropped (O'Brien -> OBRIEN, Mary-Jane ->
    MARYJANE)."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^A-Z]", "", plain.upper())


def name_tokens(value: str | None) -> frozenset[str]:
    """The padded bigrams of a normalised name: JON -> _J, JO, ON, N_ (empty for no name)."""
    name = normalise_name(value)
    if not name:
        return frozenset()
    padded = f"{PAD}{name}{PAD}"
    return frozenset(padded[i : i + NGRAM] for i in range(len(padded) - NGRAM + 1))


def dob_tokens(value: date | None) -> frozenset[str]:
    """A date of birth's 11 tokens (docs/region.md says why these):

    - each of the eight digits of YYYYMMDD with its position (``P4:0``): a one-digit slip changes one of them;
    - the year, the month and the day (``Y:2014``, ``M:03``, ``D:07``): a correct part agrees as a whole.

    No token is shared by a day and a month (each token names its role), so the bits a clear ``birth_month`` shows
    to be its month's say nothing of the day.
    """
    if value is None:
        return frozenset()
    digits = f"{value.year:04d}{value.month:02d}{value.day:02d}"
    return frozenset(
        [f"P{i}:{digit}" for i, digit in enumerate(digits)]
        + [f"Y:{value.year:04d}", f"M:{value.month:02d}", f"D:{value.day:02d}"]
    )


def token_positions(key: bytes, field: str, token: str) -> list[int]:
    """The ``HASHES`` bit positions (0-511) ``token`` sets in ``field``'s filter: HMAC-SHA256 under the key of
    "<field>|<counter>|<token>" read as 16-bit numbers modulo 512 (512 divides 65,536: every position equally
    likely), as many HMACs as needed."""
    positions: list[int] = []
    counter = 0
    while len(positions) < HASHES:
        digest = hmac.new(key, f"{field}|{counter}|{token}".encode(), hashlib.sha256).digest()
        positions.extend(int.from_bytes(digest[i : i + 2], "big") % BITS for i in range(0, len(digest), 2))
        counter += 1
    return positions[:HASHES]


# ---- filters ---------------------------------------------------------------------------------------------------------


def encode(key: bytes, field: str, values: Sequence[object], tokens_of) -> tuple[np.ndarray, np.ndarray]:
    """The filters of ``field`` for each of ``values`` (``tokens_of(value)`` gives a value's tokens): (words, bits),
    words an (n, 8) int64 array (bit j of the filter is bit j % 64 of word j // 64) and bits the count of bits set; a
    value without tokens has bits 0. Each distinct value is encoded once, then the rows take their value's filter."""
    import numpy as np

    if field not in FIELDS:
        raise ValueError(f"{field!r} is not an encoded field")
    distinct: dict[object, int] = {}
    inverse = np.fromiter((distinct.setdefault(v, len(distinct)) for v in values), dtype=np.int64, count=len(values))
    index: dict[str, int] = {}
    rows = [[index.setdefault(token, len(index)) for token in tokens_of(value)] for value in distinct]
    table = np.array([token_positions(key, field, token) for token in index], dtype=np.int64).reshape(-1, HASHES)
    words = np.zeros((len(rows), WORDS), dtype=np.int64)
    bits = np.zeros(len(rows), dtype=np.int32)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        lengths = np.fromiter((len(r) for r in block), dtype=np.int64, count=len(block))
        flat = np.fromiter((t for r in block for t in r), dtype=np.int64, count=int(lengths.sum()))
        owner = np.repeat(np.arange(len(block)), lengths)
        matrix = np.zeros((len(block), BITS), dtype=np.bool_)
        matrix[np.repeat(owner, HASHES), table[flat].ravel()] = True
        packed = np.packbits(matrix, axis=1, bitorder="little")  # (n, 64) bytes, bit j of the filter at byte j//8
        words[start : start + len(block)] = packed.view("<i8")
        bits[start : start + len(block)] = matrix.sum(axis=1)
    return words[inverse], bits[inverse]


def encode_names(key: bytes, field: str, names: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``encode`` of each name's padded bigrams (``field`` first_name or last_name)."""
    return encode(key, field, names, name_tokens)


def encode_dates_of_birth(key: bytes, dates: Sequence[date | None]) -> tuple[np.ndarray, np.ndarray]:
    """``encode`` of each date of birth's tokens (``dob_tokens``)."""
    return encode(key, "dob", dates, dob_tokens)


def dice(a: Sequence[int], b: Sequence[int]) -> float | None:
    """The Dice similarity of two filters given as their 8 words: 2 |a & b| / (|a| + |b|) (None if both empty)."""
    mask = (1 << 64) - 1  # a word as its 64 bits, whatever its sign
    both = sum((int(x) & int(y) & mask).bit_count() for x, y in zip(a, b, strict=True))
    total = sum((int(x) & mask).bit_count() for x in a) + sum((int(y) & mask).bit_count() for y in b)
    return None if total == 0 else 2 * both / total


def encoding_settings() -> dict[str, object]:
    """What a manifest says of the encodings, so a region link can refuse exports encoded another way."""
    return {
        "kind": "bloom",
        "bits": BITS,
        "words": WORDS,
        "hashes": HASHES,
        "ngram": NGRAM,
        "positions": "hmac-sha256 16-bit draws",
        "fields": list(FIELDS),
        "dob_tokens": "positional digits, year, month, day",
    }
