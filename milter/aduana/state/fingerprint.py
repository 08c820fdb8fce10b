"""Fuzzy content fingerprints for the one-to-one pattern (SRE 9g).

A mass mailing sent as many separate messages differs from copy to copy in the
greeting, the name, a folio number or a date. The fingerprint ignores exactly
those parts and is robust to small edits elsewhere:

1. normalise: drop quoted lines, e-mail addresses, URL paths, the greeting
   line ("Estimado Juan:"), tokens with digits and capitalised words inside a
   sentence (names); strip accents and case;
2. cut the remaining words into overlapping word shingles;
3. MinHash the shingles (one seeded 64-bit xxHash3 per shingle, one-permutation
   hashing into ``rows * bands`` buckets);
4. locality-sensitive hashing: each band of ``rows`` MinHash values is hashed
   into one band key. Two texts are near-duplicates when they share a band key.

Band keys are exact strings, so a counter store finds near-duplicates with
plain key look-ups (a dict in memory, a key per band in Redis).

With the default 20 bands of 5 rows, two texts whose shingle sets have Jaccard
similarity ``J`` share a band with probability ``1 - (1 - J**5) ** 20``:
J=0.2 -> 0.6 %, J=0.3 -> 4.8 %, J=0.5 -> 47 %, J=0.6 -> 80 %, J=0.7 -> 97.5 %,
J=0.8 -> 99.96 %. Measured on the test corpus: a changed greeting and name
gives J=1.00 (20/20 bands), a name repeated inside the body 0.97, one sentence
reworded 0.70; unrelated institutional messages 0.00, also when they share a
signature block. Cost: about 1.5 ms for a 50-word body, under 20 ms at the
``max_tokens`` cap of 500 words.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import xxhash

from aduana.content import characters

_DENSIFY_OFFSET = 1 << 60  # above any bucket rank (a 64-bit hash // buckets)

_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_SIGNATURE = re.compile(r"^-- ?$.*", re.MULTILINE | re.DOTALL)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)([\w.-]+)\S*", re.IGNORECASE)
_WORD = re.compile(r"\w+")
# U+0300-U+036F but U+034F, the one character there with combining class 0.
_LATIN_COMBINING = re.compile(r"[\u0300-\u034e\u0350-\u036f]+")
_SENTENCE_END = re.compile(r"[.!?¿¡]|\n[ \t]*\n")
_GREETING = re.compile(
    r"^(?:estimad[oa]s?|querid[oa]s?|apreciabl[e]s?|distinguid[oa]s?|respetable|hola|"
    r"buen[oa]s?\s+(?:dias|tardes|noches)|saludos|a\s+quien\s+corresponda|"
    r"dear|hi|hello|"
    r"c\.|sr\.?|sra\.?|srta\.?|lic\.?|licda\.?|ing\.?|mtr[oa]\.?|dr[a]?\.?)(?:\W|$)"
)
_GREETING_MAX_WORDS = 10
_SALUTATION_MAX_WORDS = 6


@dataclass(frozen=True)
class FingerprintScheme:
    """Tunable parameters. Every node sharing a store must use the same scheme."""

    shingle_words: int = 3
    bands: int = 20
    rows: int = 5
    min_tokens: int = 8
    """Texts with fewer usable words get no fingerprint ("Gracias, saludos")."""
    max_tokens: int = 500
    """Only the first words count, which bounds the cost for huge bodies."""
    seed: str = "aduana-oph-v3"
    """v3: shingles hashed with xxHash3 (v2: keyed BLAKE2b). The seed is part of
    ``scheme_id`` and so of every band key: bands stored under v2 never match v3."""

    def __post_init__(self) -> None:
        if min(self.shingle_words, self.bands, self.rows, self.min_tokens) < 1:
            raise ValueError("fingerprint scheme parameters must be positive")
        if self.max_tokens < self.min_tokens:
            raise ValueError("max_tokens must not be below min_tokens")

    @functools.cached_property
    def scheme_id(self) -> str:
        """Short id that changes whenever a parameter that shapes band keys changes."""
        text = f"{self.seed}|{self.shingle_words}|{self.bands}|{self.rows}"
        return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """A one-permutation MinHash signature and its LSH band keys."""

    scheme_id: str
    signature: tuple[int, ...] = field(repr=False)
    band_keys: tuple[str, ...]


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (0.0 to 1.0)."""
    if a.scheme_id != b.scheme_id or len(a.signature) != len(b.signature):
        return 0.0
    same = sum(1 for x, y in zip(a.signature, b.signature, strict=True) if x == y)
    return same / len(a.signature)


def near_duplicates(a: Fingerprint, b: Fingerprint) -> bool:
    """True when the texts share a band key: the test the counter stores apply."""
    return not set(a.band_keys).isdisjoint(b.band_keys)


class Fingerprinter:
    """Turns message text into a `Fingerprint`, or ``None`` when the text is too short."""

    def __init__(self, scheme: FingerprintScheme | None = None) -> None:
        self.scheme = scheme or FingerprintScheme()
        key = hashlib.blake2b(self.scheme.seed.encode(), digest_size=8).digest()
        self._seed = int.from_bytes(key, "big")

    def fingerprint(self, text: str) -> Fingerprint | None:
        tokens = normalised_tokens(text)[: self.scheme.max_tokens]
        if len(tokens) < self.scheme.min_tokens:
            return None
        width = min(self.scheme.shingle_words, len(tokens))
        seed = self._seed
        shingles = {
            xxhash.xxh3_64_intdigest(" ".join(tokens[i : i + width]).encode(), seed)
            for i in range(len(tokens) - width + 1)
        }
        signature = _one_permutation_signature(shingles, self.scheme.bands * self.scheme.rows)
        return Fingerprint(
            scheme_id=self.scheme.scheme_id,
            signature=signature,
            band_keys=_band_keys(self.scheme, signature),
        )


def normalised_tokens(text: str) -> list[str]:
    """The words that carry a message's content, accent- and case-free."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    text = _SIGNATURE.sub("", text)
    text = _QUOTED_LINE.sub("", text)
    if "@" in text:  # the searches cost more than the rest of the normalising
        text = _EMAIL.sub(" ", text)
    if "://" in text or "www." in text.casefold():
        text = _URL.sub(lambda m: f" {m.group(1)} ", text)
    text = _drop_greeting(text)
    text = _strip_accents(text)
    sentence_starts: set[int] | None = None  # found on the first capitalised word
    tokens: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isalpha():
            if word.islower():  # most words: nothing more to judge
                tokens.append(word.casefold())
                continue
        elif any(ch.isdigit() for ch in word) or "_" in word:
            continue
        if _looks_like_name(word):
            if sentence_starts is None:
                sentence_starts = {0} | {m.end() for m in _SENTENCE_END.finditer(text)}
            if not _starts_sentence(text, match.start(), sentence_starts):
                continue
        tokens.append(word.casefold())
    return tokens


def _drop_greeting(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        folded = _strip_accents(stripped).casefold()
        words = len(stripped.split())
        is_greeting = bool(_GREETING.match(folded)) and words <= _GREETING_MAX_WORDS
        is_salutation = stripped.endswith((",", ":")) and words <= _SALUTATION_MAX_WORDS
        if is_greeting or is_salutation:
            del lines[index]
        break
    return "\n".join(lines)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    # Latin accents first, in one cheap substitution; the table only for what is left.
    return characters.without(_LATIN_COMBINING.sub("", decomposed), characters.is_combining)


def _looks_like_name(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def _starts_sentence(text: str, position: int, sentence_starts: set[int]) -> bool:
    before = position
    while before > 0 and text[before - 1] in " \t\n\"'«(":
        before -= 1
    return before in sentence_starts


def _one_permutation_signature(hashes: set[int], size: int) -> tuple[int, ...]:
    """One-permutation hashing: each shingle hashed once, the minimum kept per bucket.

    A hundred independent permutations cost 100 multiplications per shingle in pure
    Python (about 12 ms for a 4 KB text); one hash per shingle costs ~0.5 ms and
    estimates the same Jaccard similarity. Empty buckets borrow from the next
    filled one (rotation densification), so short texts still fill every row.
    """
    buckets: list[int | None] = [None] * size
    for value in hashes:
        bucket, rank = value % size, value // size
        current = buckets[bucket]
        if current is None or rank < current:
            buckets[bucket] = rank
    filled = [i for i, v in enumerate(buckets) if v is not None]
    signature: list[int] = []
    for i, kept in enumerate(buckets):
        if kept is not None:
            signature.append(kept)
            continue
        donor = next((j for j in filled if j > i), filled[0])
        distance = (donor - i) % size
        signature.append((buckets[donor] or 0) + distance * _DENSIFY_OFFSET)
    return tuple(signature)


def _band_keys(scheme: FingerprintScheme, signature: tuple[int, ...]) -> tuple[str, ...]:
    keys = []
    for band in range(scheme.bands):
        rows = signature[band * scheme.rows : (band + 1) * scheme.rows]
        material = f"{scheme.scheme_id}|{band}|" + ",".join(map(str, rows))
        digest = hashlib.blake2b(material.encode(), digest_size=8).hexdigest()
        keys.append(f"{band}:{digest}")
    return tuple(keys)
