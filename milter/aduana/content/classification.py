"""Classification markings (RESERVADO, CONFIDENCIAL, INFORMACIÓN CLASIFICADA, ...).

A marking is a *stamp* put on a document, not the ordinary word: "he
reservado la sala" and "Todos los derechos reservados" are not markings,
and neither is the usual e-mail disclaimer "este mensaje puede contener
información confidencial". The rule, line by line (the subject is one line):

1. **Phrase** ("información reservada|confidencial|clasificada",
   "clasificada como reservada|confidencial", "documento|expediente
   reservado|confidencial|clasificado", English "classified information"):
   a marking when written in UPPER CASE or Title Case anywhere, or in any
   case when it stands alone on its line (with at most two other words, not
   counting marking vocabulary such as "documento", "uso", "interno").
2. **Stamp word** (RESERVADO/A, CONFIDENCIAL, CLASIFICADO/A, CONFIDENTIAL,
   CLASSIFIED; singular only, so "DERECHOS RESERVADOS" is not one) written in
   UPPER CASE and in marking context:
   - it stands alone on its line, as in rule 1; or
   - it is bracketed or labelled: "[RESERVADO]", "(CONFIDENCIAL)",
     "CONFIDENCIAL:", "Clasificación: RESERVADA"; or
   - the rest of the line is mostly lower case, so the capitals are a
     deliberate emphasis: "Le envío el informe RESERVADO".
   A whole line in capitals ("HE RESERVADO LA SALA DEL TERCER PISO") is
   shouting, not stamping, unless the word stands alone. In every case the
   stamp word does not count right after a word that makes it ordinary
   language ("HE RESERVADO", "SALA RESERVADA", "DERECHO RESERVADO").
   Title Case ("Confidencial") counts only when it is the whole line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from aduana.content.normalize import fold


class MarkingKind(StrEnum):
    RESERVED = "reserved"
    CONFIDENTIAL = "confidential"
    CLASSIFIED = "classified"


class MarkingRule(StrEnum):
    PHRASE = "phrase"
    STANDALONE = "standalone"
    LABELLED = "labelled"
    EMPHASIS = "emphasis"


@dataclass(frozen=True)
class Marking:
    kind: MarkingKind
    rule: MarkingRule
    line: int  # 1-based line of the text (the subject is line 1 of itself)


_PHRASE = re.compile(
    r"\b(?:informaci[oó]n|documento|expediente)\s+(?:clasificad[oa]\s+como\s+)?"
    r"(?P<a>reservad[oa]|confidencial|clasificad[oa])\b"
    r"|\bclasificad[oa]\s+como\s+(?P<b>reservad[oa]|confidencial)\b"
    r"|\bclassified\s+(?P<c>information)\b",
    re.IGNORECASE,
)
_STAMP = re.compile(r"\b(RESERVAD[OA]|CONFIDENCIAL|CLASIFICAD[OA]|CONFIDENTIAL|CLASSIFIED)\b")
_TITLE_STAMP = re.compile(
    r"^\W*(Reservad[oa]|Confidencial|Clasificad[oa]|Confidential|Classified)\W*$"
)
_WORD = re.compile(r"[^\W\d_]+")
# Every pattern above contains one of these (same case rule): without them, no marking.
_TERMS = ("reservad", "confidencial", "confidential", "clasificad", "classified")
_ANY_TERM = re.compile("|".join(_TERMS), re.IGNORECASE)
# The letters `re.IGNORECASE` also matches to "i" and "s" but `str.lower` does not map
# to them: dotted capital I (lowered to two characters), dotless i, long s.
_LOWER_MISSES = ("\u0130", "\u0131", "\u017f")
_LABEL_BEFORE = re.compile(
    r"(?:[\[(<«]\s*|(?:clasificaci[oó]n|car[aá]cter|classification|nivel)\s*:?\s*)$",
    re.IGNORECASE,
)
_LABEL_AFTER = re.compile(r"^\s*[\])>»:]")

_VOCABULARY = frozenset(
    [
        "documento",
        "informacion",
        "expediente",
        "clasificacion",
        "caracter",
        "nivel",
        "uso",
        "interno",
        "exclusivo",
        "oficial",
        "de",
        "del",
        "la",
        "el",
        "los",
        "las",
        "y",
        "o",
        "para",
        "como",
        "total",
        "parcial",
        "re",
        "rv",
        "fw",
        "fwd",
        "rsv",
        "document",
        "information",
        "classification",
        "internal",
        "use",
        "only",
        "strictly",
        "and",
    ]
)
# Words after which a stamp word is ordinary language, not a marking.
_ORDINARY_BEFORE = frozenset(
    [
        "he",
        "ha",
        "has",
        "han",
        "hemos",
        "habia",
        "habian",
        "hubo",
        "fue",
        "fueron",
        "era",
        "es",
        "esta",
        "estaba",
        "estan",
        "sera",
        "sido",
        "queda",
        "quedo",
        "quedan",
        "tengo",
        "tiene",
        "tenemos",
        "lugar",
        "lugares",
        "asiento",
        "asientos",
        "sala",
        "salas",
        "mesa",
        "espacio",
        "espacios",
        "area",
        "zona",
        "estacionamiento",
        "cajon",
        "habitacion",
        "cuarto",
        "derecho",
        "derechos",
        "boleto",
        "boletos",
        "acceso",
        "paso",
        "mantuvo",
        "mantiene",
        "mantener",
    ]
)
_KIND = {
    "reservado": MarkingKind.RESERVED,
    "reservada": MarkingKind.RESERVED,
    "confidencial": MarkingKind.CONFIDENTIAL,
    "confidential": MarkingKind.CONFIDENTIAL,
    "clasificado": MarkingKind.CLASSIFIED,
    "clasificada": MarkingKind.CLASSIFIED,
    "classified": MarkingKind.CLASSIFIED,
    "information": MarkingKind.CLASSIFIED,
}
_MAX_OTHER_WORDS = 2
_MIN_LOWER_SHARE = 0.5


def find_markings(text: str) -> tuple[Marking, ...]:
    """Every classification marking in ``text`` (a body, attachment text or subject)."""
    found: list[Marking] = []
    if not _may_hold_term(text):
        return ()
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend(_line_markings(line, number))
    return tuple(found)


def _may_hold_term(text: str) -> bool:
    """`_ANY_TERM.search(text)`, answered first by substring tests on the lower-cased
    text: a case-insensitive alternation costs `re` ~60 ns a character."""
    if not any(ch in text for ch in _LOWER_MISSES):
        lowered = text.lower()
        if not any(term in lowered for term in _TERMS):
            return False
    return _ANY_TERM.search(text) is not None


def _line_markings(line: str, number: int) -> list[Marking]:
    out: list[Marking] = []
    taken: list[tuple[int, int]] = []
    for match in _PHRASE.finditer(line):
        written = match.group(0)
        term = match.group("a") or match.group("b") or match.group("c")
        standalone = _stands_alone(line, match.start(), match.end())
        if _is_upper(written) or _is_title(written) or standalone:
            rule = MarkingRule.STANDALONE if standalone else MarkingRule.PHRASE
            out.append(Marking(_KIND[fold(term)], rule, number))
            taken.append(match.span())
    for match in _STAMP.finditer(line):
        if any(start <= match.start() < end for start, end in taken):
            continue
        stamp = _stamp_rule(line, match.start(), match.end())
        if stamp is not None:
            out.append(Marking(_KIND[fold(match.group(1))], stamp, number))
    title = _TITLE_STAMP.match(line)
    if title is not None and not out:
        out.append(Marking(_KIND[fold(title.group(1))], MarkingRule.STANDALONE, number))
    return out


def _stamp_rule(line: str, start: int, end: int) -> MarkingRule | None:
    before = line[:start]
    previous = _WORD.findall(before)
    if previous and fold(previous[-1]) in _ORDINARY_BEFORE:
        return None
    if _stands_alone(line, start, end):
        return MarkingRule.STANDALONE
    if _LABEL_BEFORE.search(before) or _LABEL_AFTER.match(line[end:]):
        return MarkingRule.LABELLED
    rest = line[:start] + line[end:]
    letters = [ch for ch in rest if ch.isalpha()]
    if letters and sum(ch.islower() for ch in letters) / len(letters) >= _MIN_LOWER_SHARE:
        return MarkingRule.EMPHASIS
    return None


def _stands_alone(line: str, start: int, end: int) -> bool:
    others = [
        word
        for word in _WORD.findall(line[:start] + " " + line[end:])
        if fold(word) not in _VOCABULARY
    ]
    return len(others) <= _MAX_OTHER_WORDS


def _is_upper(written: str) -> bool:
    return written.isupper()


def _is_title(written: str) -> bool:
    words = [w for w in _WORD.findall(written) if fold(w) not in {"como", "de"}]
    return all(w[0].isupper() for w in words)
