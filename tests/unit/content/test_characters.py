"""Whole Unicode categories removed in C: the same text as removing them one by one."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest

from aduana.content import characters
from aduana.content.normalize import fold


def _one_by_one(text: str, keep: Callable[[str], bool]) -> str:
    return "".join(ch for ch in text if keep(ch))


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii",
        "Información clasificada",
        "“comillas” • viñeta — guion",
        "pen\u00addejo zero\u200bwidth",
        "한국어 텍스트",
        "ﬁn ﬂor",
        "\U000e0001tag\U000e0020",
    ],
)
def test_removes_exactly_the_marks_and_format_characters(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text)
    marks_gone = characters.without(decomposed, characters.is_mark)
    format_gone = characters.without(decomposed, characters.is_format)
    combining_gone = characters.without(decomposed, characters.is_combining)
    assert marks_gone == _one_by_one(
        decomposed, lambda ch: unicodedata.category(ch) not in ("Mn", "Me")
    )
    assert format_gone == _one_by_one(decomposed, lambda ch: unicodedata.category(ch) != "Cf")
    assert combining_gone == _one_by_one(decomposed, lambda ch: not unicodedata.combining(ch))


def test_says_whether_a_text_holds_a_character_of_a_table() -> None:
    assert characters.has_any("a\u0301", characters.is_mark)
    assert not characters.has_any("“sin marcas” •", characters.is_mark)
    assert not characters.has_any("ascii only", characters.is_format)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        # Quotes, bullets and other scripts keep the fast path: nothing to drop.
        ("“CAFÉ” • Año", "“cafe” • año"),
        ("한국어", "한국어"),  # NFC recomposes the Hangul syllables NFKD split
        # A format character between "n" and its tilde does not cost the ñ.
        ("n\u200b\u0303", "ñ"),
        ("Pen\u00addejo ﬁn", "pendejo fin"),
    ],
)
def test_fold_of_text_beyond_latin(text: str, folded: str) -> None:
    assert fold(text) == folded
