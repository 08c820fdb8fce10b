"""Removing whole Unicode categories of characters, in C.

`re` has no ``\\p{Mn}``, and a character class of the ~900 ranges of combining
marks makes `re` test every range at every character (slower than Python). So a
text is judged by its *distinct* non-ASCII characters, which are few even in a
long text: each is looked up once in `unicodedata`, and only the runs of
non-ASCII characters are handed to `str.translate` with a table of the ones to
drop. No table of all of Unicode is built (a scan of every code point costs
~0.2 s, too much for the first message that needs it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")

Member = Callable[[str], bool]
"""Whether one character belongs to a category; only asked of non-ASCII ones."""


def is_mark(ch: str) -> bool:
    """Nonspacing and enclosing marks (categories Mn, Me)."""
    return unicodedata.category(ch) in ("Mn", "Me")


def is_format(ch: str) -> bool:
    """Invisible format characters (category Cf): soft hyphen, zero-width space..."""
    return unicodedata.category(ch) == "Cf"


def is_mark_or_format(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Cf")


def is_combining(ch: str) -> bool:
    """A nonzero canonical combining class (`unicodedata.combining`)."""
    return unicodedata.combining(ch) != 0


def has_any(text: str, member: Member) -> bool:
    """Whether `text` holds a non-ASCII character for which `member` is true."""
    if text.isascii():
        return False
    return any(member(ch) for ch in set(_NON_ASCII.findall(text)))


def without(text: str, member: Member) -> str:
    """`text` without its non-ASCII characters for which `member` is true."""
    if text.isascii():
        return text
    table = {ord(ch): None for ch in set(_NON_ASCII.findall(text)) if member(ch)}
    if not table:
        return text
    return _NON_ASCII_RUN.sub(lambda run: run.group().translate(table), text)
