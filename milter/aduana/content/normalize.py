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

from aduana.content import characters

_TOKEN = re.compile(r"(?:[^\W_]|[@$])+")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SYMBOLS = str.maketrans("", "", "@$")
_LETTER = re.compile(r"[^\W\d_]")
_REPEATS = re.compile(r"(.)\1+")
_MIN_SPACED_LETTERS = 3
_COMBINING_TILDE = "\u0303"
# Latin accents after NFKD: combining marks U+0300-U+036F, all dropped except a
# tilde right after "n" (kept as "ñ"). When nothing else non-ASCII is left, these
# C-level replacements are all that is needed.
_ENYE = "\u00f1"
_LATIN_MARKS = re.compile(r"[\u0300-\u036f]+")
_LEFT_AFTER_LATIN_MARKS = re.compile(r"[^\x00-\x7f\u00f1]")
_TOKEN_OR_UNDERSCORE = re.compile(r"[\w@$]+")


def fold(text: str) -> str:
    """Case-fold, drop accents (but keep ñ) and invisible format characters.

    "ñ" stays, because dropping its tilde turns Spanish words into others
    ("año" into "ano", "coño" into "cono").
    """
    if text.isascii():
        return text.lower()  # casefold of ASCII; nothing to decompose or drop
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = _LATIN_MARKS.sub("", decomposed.replace("n" + _COMBINING_TILDE, _ENYE))
    if not _LEFT_AFTER_LATIN_MARKS.search(stripped):
        return stripped
    if not characters.has_any(stripped, characters.is_mark_or_format):
        # Other letters and symbols (quotes, bullets, other scripts): nothing to drop.
        return unicodedata.normalize("NFC", stripped)
    # Marks and format characters: a tilde survives only right after "n" (format
    # characters between them do not count), every other one goes; NFC then
    # recomposes what other scripts need (Hangul, for one).
    without_format = characters.without(decomposed, characters.is_format)
    kept = characters.without(
        without_format.replace("n" + _COMBINING_TILDE, _ENYE), characters.is_mark
    )
    return unicodedata.normalize("NFC", kept)


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
    joined = joined_tokens(text)
    return joined.split(" ") if joined else []


def joined_tokens(text: str) -> str:
    """`tokenize`'s tokens joined by single spaces ("" for none), built without a
    Python loop over words: regexes over the joined string call Python only for
    the rare tokens that need it (digits, symbols, non-ASCII, spaced letters)."""
    # "_" separates tokens like any non-word character; without it one character
    # class finds the tokens, much faster than `_TOKEN`'s alternation.
    joined = " ".join(_TOKEN_OR_UNDERSCORE.findall(fold(text).replace("_", " ")))
    if _UNUSUAL_TOKEN.search(joined):
        joined = " ".join(_UNUSUAL_TOKEN.sub(_normalised_match, joined).split())
    if _SPACED_RUN.search(joined):
        joined = _SPACED_RUN.sub(_joined_letters, joined)
    return joined


# A token with a character other than a-z, the only ones `normalize_token` may change.
_UNUSUAL_TOKEN = re.compile(r"(?<!\S)[a-z]*+[^ a-z]\S*")
# Three or more one-character tokens in a row ("p u t o"): candidates for joining.
_SPACED_RUN = re.compile(r"(?<!\S)\S(?: \S){2,}(?!\S)")


def _normalised_match(match: re.Match[str]) -> str:
    token = match.group()
    return token if token.isalpha() else normalize_token(token)


def _joined_letters(match: re.Match[str]) -> str:
    out: list[str] = []
    letters: list[str] = []
    for token in match.group().split(" "):
        if token.isalpha():
            letters.append(token)
            continue
        _flush_letters(letters, out)
        out.append(token)
    _flush_letters(letters, out)
    return " ".join(out)


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
