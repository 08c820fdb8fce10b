"""Normalisation: obfuscations are undone, innocent words stay innocent."""

from __future__ import annotations

import pytest

from aduana.content.normalize import fold, squeeze, stretches, tokenize, word_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PÉNDEJO", ["pendejo"]),
        ("p u t o", ["puto"]),
        ("p.u.t.o", ["puto"]),
        ("p-u-t-o s", ["putos"]),
        ("p3nd3j0", ["pendejo"]),
        ("$exo", ["sexo"]),
        ("put@", ["puta"]),
        ("4ss", ["ass"]),
        ("pen\u00addejo", ["pendejo"]),
        ("pen\u200bdejo", ["pendejo"]),
        ("Ｐｕｔｏ", ["puto"]),
    ],
)
def test_undoes_common_obfuscation(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El año 2024", ["el", "año", "2024"]),
        ("Pago de $100", ["pago", "de", "100"]),
        ("reenvía a todos", ["reenvia", "a", "todos"]),
        ("Inciso a y el b", ["inciso", "a", "y", "el", "b"]),
        ("computadora", ["computadora"]),
    ],
)
def test_keeps_numbers_short_words_and_enye(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_fold_keeps_enye_so_spanish_words_do_not_change_meaning() -> None:
    assert fold("AÑO Coño Pingüino") == "año coño pinguino"


def test_entry_words_do_not_join_single_letters() -> None:
    assert word_tokens("a y o") == ["a", "y", "o"]


@pytest.mark.parametrize(
    ("text_token", "entry", "prefix", "expected"),
    [
        ("puuuuto", "puto", False, True),
        ("puto", "puto", False, True),
        ("asss", "ass", False, True),
        ("as", "ass", False, False),
        ("puta", "puto", False, False),
        ("pendejos", "pendej", True, True),
        ("pendejjjos", "pendej", True, True),
        ("pende", "pendej", True, False),
    ],
)
def test_stretches_accepts_only_held_letters(
    text_token: str, entry: str, prefix: bool, expected: bool
) -> None:
    assert stretches(text_token, entry, prefix=prefix) is expected


def test_squeeze_collapses_runs() -> None:
    assert squeeze("puuuuutooo") == "puto"
