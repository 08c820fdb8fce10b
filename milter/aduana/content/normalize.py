"""Text normalisation for lexicon matching in Spanish and English.

Matching works on *tokens* (whole words), never on substrings, so an innocent
word that merely contains a listed word is not a hit: "computadora" does not
contain the token "puta", and "Sussex" does not contain the token "sex".

The pipeline, applied to message text and to lexicon entries alike:

1. ``fold``: case folded, accents dropped except the tilde of "ñ", invisible
   format characters (soft hyphen, zero-width space) removed, so "PÉNDEJO",
   "pendejo" and "pen\\u00addejo" are the same.
2. ``tokenize``: split on anything that is not a letter, a digit, ``@`` or ``$``.
3. l33t: inside a token that has at least one letter, ``0 1 3 4 5 7 @ $`` read
   as ``o i e a s t a s``; a token of only digits ("2024") stays a number.
4. Spaced-out letters: three or more consecutive one-letter tokens
   ("p u t o", "p.u.t.o") are joined into one token ("puto").

Repeated letters ("puuuuto") are not squeezed here, because that would turn
the English word "ass" into "as". Instead ``stretches`` decides, per token,
whether a text token is a lexicon token with some letters held longer.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import groupby

_TOKEN = re.compile(r"(?:[^\W_]|[@$])+")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SYMBOLS = str.maketrans("", "", "@$")
_LETTER = re.compile(r"[^\W\d_]")
_REPEATS = re.compile(r"(.)\1+")
_MIN_SPACED_LETTERS = 3
_COMBINING_TILDE = "\u0303"
_NON_ASCII_RUN = re.compile(r"n?[^\x00-\x7f]+")


def fold(text: str) -> str:
    """Case-fold, drop accents (but keep ñ) and invisible format characters.

    "ñ" stays, because dropping its tilde turns Spanish words into others
    ("año" into "ano", "coño" into "cono").
    """
    if text.isascii():
        return text.lower()  # casefold of ASCII; nothing to decompose or drop
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Mail text is mostly ASCII: only the non-ASCII runs (with an "n" before them,
    # which may own a tilde) go through the per-character loop.
    return unicodedata.normalize("NFC", _NON_ASCII_RUN.sub(_fold_run, decomposed))


def _fold_run(match: re.Match[str]) -> str:
    kept: list[str] = []
    previous = ""
    for ch in match.group():
        category = unicodedata.category(ch)
        if category in {"Mn", "Me"}:
            if ch == _COMBINING_TILDE and previous == "n":
                kept.append(ch)
            previous = ""
            continue
        if category == "Cf":
            continue
        kept.append(ch)
        previous = ch
    return "".join(kept)


def normalize_token(raw: str) -> str:
    """Normalise one already-folded token: undo l33t, or keep a plain number."""
    if raw.isalpha():
        return raw
    if _LETTER.search(raw):
        return raw.translate(_LEET)
    return raw.translate(_SYMBOLS)


def word_tokens(text: str) -> list[str]:
    """Folded, de-l33ted tokens, without joining spaced-out letters.

    Used for lexicon entries, where "a" in "reenvía a todos" is a real word.
    """
    tokens = [t if t.isalpha() else normalize_token(t) for t in _TOKEN.findall(fold(text))]
    return [t for t in tokens if t]


def tokenize(text: str) -> list[str]:
    """Tokens of message text, with spaced-out letters joined into words."""
    out: list[str] = []
    letters: list[str] = []
    for token in word_tokens(text):
        if len(token) == 1 and token.isalpha():
            letters.append(token)
            continue
        if letters:
            _flush_letters(letters, out)
        out.append(token)
    _flush_letters(letters, out)
    return out


def _flush_letters(letters: list[str], out: list[str]) -> None:
    if len(letters) >= _MIN_SPACED_LETTERS:
        out.append("".join(letters))
    else:
        out.extend(letters)
    letters.clear()


def squeeze(token: str) -> str:
    """Collapse every run of a repeated character: "puuuto" -> "puto", "ass" -> "as"."""
    return _REPEATS.sub(r"\1", token)


def runs(token: str) -> tuple[tuple[str, int], ...]:
    """Run-length encoding: "puuto" -> (("p",1),("u",2),("t",1),("o",1))."""
    return tuple((ch, len(list(group))) for ch, group in groupby(token))


def stretches(text_token: str, entry_token: str, *, prefix: bool = False) -> bool:
    """Whether ``text_token`` is ``entry_token`` with some letters repeated more.

    "puuuuto" stretches "puto"; "as" does not stretch "ass" (a letter is
    missing, not repeated). With ``prefix`` the entry is a stem ("pendej*")
    and the text token may go on after it ("pendejos").
    """
    text_runs = runs(text_token)
    entry_runs = runs(entry_token)
    if len(text_runs) < len(entry_runs) or (not prefix and len(text_runs) != len(entry_runs)):
        return False
    return all(
        t_ch == e_ch and t_n >= e_n
        for (t_ch, t_n), (e_ch, e_n) in zip(text_runs, entry_runs, strict=False)
    )
