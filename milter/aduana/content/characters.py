"""Removing whole Unicode categories of characters, in C.

`re` has no ``\\p{Mn}``, and a character class of the ~900 ranges of combining
marks makes `re` test every range at every character (slower than Python). So
the tables are sets of code points, built once per process from `unicodedata` (a
scan of every code point, ~0.2 s, on first use, like the libmagic handles), and
a text is checked against a table by its *distinct* non-ASCII characters, which
are few even in a long text. Only the runs of non-ASCII characters are handed
to `str.translate`, which is slow per character.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def has_any(text: str, table: Mapping[int, None]) -> bool:
    """Whether `text` holds a character of `table` (a table of non-ASCII characters)."""
    if text.isascii():
        return False
    return any(ord(ch) in table for ch in set(_NON_ASCII.findall(text)))


def without(text: str, table: Mapping[int, None]) -> str:
    """`text` without the characters of `table` (a table of non-ASCII characters)."""
    if not has_any(text, table):
        return text
    return _NON_ASCII_RUN.sub(lambda run: run.group().translate(table), text)


@functools.cache
def marks() -> Mapping[int, None]:
    """Nonspacing and enclosing marks (categories Mn, Me)."""
    return _table(lambda ch: unicodedata.category(ch) in ("Mn", "Me"))


@functools.cache
def format_characters() -> Mapping[int, None]:
    """Invisible format characters (category Cf): soft hyphen, zero-width space..."""
    return _table(lambda ch: unicodedata.category(ch) == "Cf")


@functools.cache
def combining() -> Mapping[int, None]:
    """Characters with a nonzero canonical combining class (`unicodedata.combining`)."""
    return _table(lambda ch: unicodedata.combining(ch) != 0)


def _table(member: Callable[[str], bool]) -> Mapping[int, None]:
    # Every category here is outside ASCII, which `has_any` and `without` rely on.
    return {code: None for code in range(0x80, sys.maxunicode + 1) if member(chr(code))}
