"""Mexican personal-data identifiers, each validated with its check digit.

Only values whose structure *and* check digit are valid are reported, so
ordinary numbers and codes rarely count:

- CURP (RENAPO): 18 characters; the last is a check digit over the first 17,
  each mapped through ``0-9 A-N Ñ O-Z`` (values 0..36) and weighted 18..2;
  check = (10 - sum mod 10) mod 10.
- RFC (SAT): 13 characters for a person (persona física), 12 for a company
  (persona moral); the last is a check digit over the others, left-padded with
  spaces to 12, mapped through ``0-9 A-N & O-Z space Ñ`` (values 0..38),
  weighted 13..2; check = (11 - sum mod 11) mod 11, where 10 is written "A".
  The generic RFCs for the general public and foreigners are not personal data
  and are ignored. SAT has issued a small share of RFCs whose check digit does
  not validate; those are not counted.
- CLABE (Banxico/ABM): 18 digits; the last is a check digit over the first 17
  weighted 3,7,1,... each product taken mod 10; check = (10 - sum mod 10) mod 10.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_CLABE_WEIGHTS = (3, 7, 1) * 6

_CURP_STATES = frozenset(
    [
        "AS",
        "BC",
        "BS",
        "CC",
        "CL",
        "CM",
        "CS",
        "CH",
        "DF",
        "DG",
        "GT",
        "GR",
        "HG",
        "JC",
        "MC",
        "MN",
        "MS",
        "NT",
        "NL",
        "OC",
        "PL",
        "QT",
        "QR",
        "SP",
        "SL",
        "SR",
        "TC",
        "TS",
        "TL",
        "VZ",
        "YN",
        "ZS",
        "NE",
    ]
)
_GENERIC_RFCS = frozenset({"XAXX010101000", "XEXX010101000"})

_CURP = re.compile(
    r"(?<![A-Z0-9Ñ])([A-Z]{4}[0-9]{6}[HMX][A-Z]{2}[A-Z]{3}[A-Z0-9][0-9])(?![A-Z0-9Ñ])",
    re.IGNORECASE,
)
_RFC = re.compile(
    r"(?<![A-Z0-9Ñ&])([A-ZÑ&]{3,4})[ -]?([0-9]{6})[ -]?([A-Z0-9]{3})(?![A-Z0-9Ñ&])",
    re.IGNORECASE,
)
_RFC_HOMOCLAVE = re.compile(r"^[1-9A-V][1-9A-Z][0-9A]$")
_CLABE = re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{11})[ -]?([0-9])(?![0-9])")
# Every identifier above holds six digits in a row: text without them holds none.
_SIX_DIGITS = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class PersonalDataCounts:
    """Distinct validated identifiers found in a text."""

    curp: int = 0
    rfc_persona_fisica: int = 0
    rfc_persona_moral: int = 0
    clabe: int = 0

    @property
    def total(self) -> int:
        return self.curp + self.rfc_persona_fisica + self.rfc_persona_moral + self.clabe


# --- check digits ------------------------------------------------------------


def curp_check_digit(first17: str) -> str:
    total = sum(_CURP_ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(first17))
    return str((10 - total % 10) % 10)


def rfc_check_digit(without_check: str) -> str:
    padded = without_check.rjust(12)
    total = sum(_RFC_ALPHABET.index(ch) * (13 - i) for i, ch in enumerate(padded))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def clabe_check_digit(first17: str) -> str:
    total = sum(int(d) * w % 10 for d, w in zip(first17, _CLABE_WEIGHTS, strict=False))
    return str((10 - total % 10) % 10)


# --- validators ---------------------------------------------------------------


def is_valid_curp(value: str) -> bool:
    curp = value.upper()
    if len(curp) != 18 or not _CURP.fullmatch(curp):
        return False
    if curp[11:13] not in _CURP_STATES:
        return False
    century = 1900 if curp[16].isdigit() else 2000
    if not _is_date(century + int(curp[4:6]), int(curp[6:8]), int(curp[8:10])):
        return False
    return curp[17] == curp_check_digit(curp[:17])


def is_valid_rfc(value: str) -> bool:
    rfc = _compact(value)
    match = _RFC.fullmatch(rfc)
    if match is None or rfc in _GENERIC_RFCS:
        return False
    stamp = match.group(2)
    year, month, day = int(stamp[:2]), int(stamp[2:4]), int(stamp[4:6])
    if not (_is_date(1900 + year, month, day) or _is_date(2000 + year, month, day)):
        return False
    if not _RFC_HOMOCLAVE.match(match.group(3)):
        return False
    return rfc[-1] == rfc_check_digit(rfc[:-1])


def is_valid_clabe(value: str) -> bool:
    clabe = _compact(value)
    if len(clabe) != 18 or not clabe.isascii() or not clabe.isdigit():
        return False
    return clabe[17] == clabe_check_digit(clabe[:17])


# --- finders -----------------------------------------------------------------


def find_curps(text: str) -> list[str]:
    """Valid CURPs in order of appearance, upper-cased, repeats included."""
    return [m.group(1).upper() for m in _CURP.finditer(text) if is_valid_curp(m.group(1))]


def find_rfcs(text: str) -> list[str]:
    """Valid RFCs (persona física and moral), compacted and upper-cased."""
    found = (_compact(m.group(0)) for m in _RFC.finditer(text))
    return [rfc for rfc in found if is_valid_rfc(rfc)]


def find_clabes(text: str) -> list[str]:
    """Valid CLABEs, as 18 digits (written plain or grouped 3-3-11-1)."""
    found = (_compact(m.group(0)) for m in _CLABE.finditer(text))
    return [clabe for clabe in found if is_valid_clabe(clabe)]


def count_personal_data(text: str) -> PersonalDataCounts:
    if not _SIX_DIGITS.search(text):
        return PersonalDataCounts()
    rfcs = set(find_rfcs(text))
    return PersonalDataCounts(
        curp=len(set(find_curps(text))),
        rfc_persona_fisica=sum(1 for r in rfcs if len(r) == 13),
        rfc_persona_moral=sum(1 for r in rfcs if len(r) == 12),
        clabe=len(set(find_clabes(text))),
    )


def _compact(value: str) -> str:
    return value.replace(" ", "").replace("-", "").upper()


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
