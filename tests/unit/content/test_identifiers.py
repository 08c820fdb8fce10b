"""CURP, RFC and CLABE: structure and check digit.

Valid examples cross-checked against public sources: the RENAPO instructivo
worked example (SABC560626MDFLRN01), python-stdnum's CURP and RFC examples
(BOXW310820HNERXN09, GODE561231GR8, MAB9307148T4, and its list of RFCs with
valid check digits), and the CLABE worked example 032180000118359719.
"""

from __future__ import annotations

import pytest

from aduana.content.identifiers import (
    PersonalDataCounts,
    count_personal_data,
    find_clabes,
    find_curps,
    find_rfcs,
    is_valid_clabe,
    is_valid_curp,
    is_valid_rfc,
)


@pytest.mark.parametrize(
    "curp",
    ["SABC560626MDFLRN01", "BOXW310820HNERXN09", "BEML920313HMCLNS09", "sabc560626mdflrn01"],
)
def test_accepts_valid_curp(curp: str) -> None:
    assert is_valid_curp(curp)


@pytest.mark.parametrize(
    ("curp", "why"),
    [
        ("SABC560626MDFLRN02", "wrong check digit"),
        ("BOXW310820HNERXN08", "wrong check digit"),
        ("OEAF771012HMCRGR09", "wrong check digit"),
        ("SABC561326MDFLRN01", "month 13"),
        ("SABC560626MZZLRN01", "unknown state"),
        ("SABC560626QDFLRN01", "sex is not H, M or X"),
        ("SABC560626MDFLRN0", "too short"),
    ],
)
def test_rejects_invalid_curp(curp: str, why: str) -> None:
    assert not is_valid_curp(curp), why


@pytest.mark.parametrize(
    "rfc",
    [
        "GODE561231GR8",
        "MAB9307148T4",
        "AAAA791128D63",
        "CCS8512024CA",
        "&&&030828PX7",
        "MUÑ110218LJ6",
        "GODE-561231-GR8",
        "gode 561231 gr8",
    ],
)
def test_accepts_valid_rfc(rfc: str) -> None:
    assert is_valid_rfc(rfc)


@pytest.mark.parametrize(
    ("rfc", "why"),
    [
        ("GODE561231GR9", "wrong check digit"),
        ("VACE460910SX6", "wrong check digit"),
        ("SIN9311169P8", "wrong check digit"),
        ("GODE561331GR8", "month 13"),
        ("GODE561231OR8", "homoclave cannot start with O"),
        ("XAXX010101000", "generic RFC for the general public"),
        ("XEXX010101000", "generic RFC for foreigners"),
        ("GODE561231", "no homoclave"),
    ],
)
def test_rejects_invalid_rfc(rfc: str, why: str) -> None:
    assert not is_valid_rfc(rfc), why


@pytest.mark.parametrize(
    "clabe",
    ["032180000118359719", "002010077777777771", "002180032240946700", "103150124152345786"],
)
def test_accepts_valid_clabe(clabe: str) -> None:
    assert is_valid_clabe(clabe)


@pytest.mark.parametrize(
    "clabe",
    ["032180000118359718", "002010077777777770", "03218000011835971", "0321800001183597190"],
)
def test_rejects_invalid_clabe(clabe: str) -> None:
    assert not is_valid_clabe(clabe)


def test_finders_return_only_valid_values_in_order() -> None:
    text = (
        "Alumno SABC560626MDFLRN01 (mal: SABC560626MDFLRN02), otro boxw310820hnerxn09.\n"
        "RFC GODE 561231 GR8, empresa MAB-930714-8T4, inválido GODE561231GR9.\n"
        "CLABE 032180000118359719, agrupada 002 010 07777777777 1, falsa 032180000118359718."
    )
    assert find_curps(text) == ["SABC560626MDFLRN01", "BOXW310820HNERXN09"]
    assert find_rfcs(text) == ["GODE561231GR8", "MAB9307148T4"]
    assert find_clabes(text) == ["032180000118359719", "002010077777777771"]


def test_an_rfc_inside_a_curp_is_not_counted_twice() -> None:
    assert find_rfcs("CURP: BOXW310820HNERXN09") == []


def test_counts_distinct_values_per_kind() -> None:
    text = "GODE561231GR8 GODE561231GR8 SABC560626MDFLRN01 MAB9307148T4 032180000118359719"
    counts = count_personal_data(text)
    assert counts == PersonalDataCounts(curp=1, rfc_persona_fisica=1, rfc_persona_moral=1, clabe=1)
    assert counts.total == 4


def test_ordinary_numbers_are_not_personal_data() -> None:
    text = "Folio 123456789012345678, oficio SRE/DGAJ/1234/2024, tel. 55 3686 5100."
    assert count_personal_data(text).total == 0
