"""Lexicons: categorised words and phrases with weights, a matcher and a scorer.

A lexicon file (YAML) looks like::

    name: es-offensive          # used in default entry ids
    language: es                # informative
    description: ...
    categories:
      offensive:
        description: ...
        default_weight: 2       # optional, 1 when absent
        entries:
          - "pendej*"           # a bare string uses default_weight
          - {phrase: "hijo de puta", weight: 4}
          - {id: my-own-id, phrase: "...", weight: 1}

Entry syntax: words separated by spaces, normalised like message text (see
``normalize``). A word ending in ``*`` is a stem ("pendej*" also matches
"pendejos", "pendejada"); a lone ``*`` inside a phrase stands for exactly one
word. Entries without ``id`` get ``<name>.<category>.<n>`` (1-based), so keep
lists append-only if audit logs must stay comparable.

Hits carry category, entry id, weight and count, never the matched text, so a
log line built from a hit cannot quote the offending words.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from pathlib import Path

import ahocorasick
import yaml

from aduana.config.errors import Problem
from aduana.content.normalize import joined_tokens, squeeze, stretches, word_tokens

SHIPPED_CATEGORIES = ("offensive", "obscene", "chain_letter", "commercial")

_CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
_MIN_STEM = 3
_MAX_WEIGHT = 1000.0
_WILDCARD = "*"


class LexiconError(Exception):
    """A lexicon file that cannot be used: names the file, the YAML path and the problem."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}")


@dataclass(frozen=True)
class EntryWord:
    """One normalised word of an entry; ``stem`` means "this, or this plus more"."""

    text: str
    stem: bool = False

    @property
    def wildcard(self) -> bool:
        return self.text == _WILDCARD


@dataclass(frozen=True)
class LexiconEntry:
    id: str
    category: str
    weight: float
    words: tuple[EntryWord, ...]


@dataclass(frozen=True)
class Category:
    name: str
    description: str


@dataclass(frozen=True)
class Lexicon:
    name: str
    source: str
    language: str
    categories: tuple[Category, ...]
    entries: tuple[LexiconEntry, ...]


@dataclass(frozen=True)
class LexiconHit:
    """An entry found in a text: no matched text, only what identifies the entry."""

    category: str
    entry_id: str
    weight: float
    count: int

    @property
    def score(self) -> float:
        return self.weight * self.count


# --- loading -----------------------------------------------------------------


def load_lexicon(path: Path) -> Lexicon:
    """Read and validate one lexicon file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LexiconError(str(path), "(top level)", f"cannot read file: {error}") from error
    return parse_lexicon(text, source=str(path))


def shipped_lexicons() -> tuple[Lexicon, ...]:
    """The conservative Spanish and English lists shipped with aduana."""
    folder = resources.files("aduana.content") / "lexicons"
    found = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".yaml")),
        key=lambda item: item.name,
    )
    return tuple(
        parse_lexicon(item.read_text(encoding="utf-8"), source=f"aduana:lexicons/{item.name}")
        for item in found
    )


def compile_lexicons(
    files: Sequence[Path], locate: Callable[[int, str], Problem]
) -> tuple[LexiconMatcher | None, list[Problem]]:
    """The shipped lexicons plus the admin's files, with a problem for each bad one.

    ``locate`` places a problem on the n-th file's entry in aduana.yaml."""
    problems: list[Problem] = []
    lexicons = list(shipped_lexicons())
    for index, path in enumerate(files):
        try:
            lexicons.append(load_lexicon(path))
        except LexiconError as error:
            problems.append(Problem(Path(error.file), (error.path,), error.message))
        except (OSError, ValueError) as error:
            # ValueError: a path the OS cannot take, e.g. with a NUL byte.
            problems.append(locate(index, f"cannot read: {error}"))
    try:
        matcher = LexiconMatcher(lexicons)
    except LexiconError as error:
        problems.append(Problem(Path(error.file), (error.path,), error.message))
        return None, problems
    return matcher, problems


def parse_lexicon(text: str, *, source: str) -> Lexicon:
    """Validate the YAML text of one lexicon; ``source`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        raise LexiconError(source, where, f"not valid YAML: {error}") from error
    return _Parser(source).lexicon(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: Sequence[str | int], message: str) -> LexiconError:
        return LexiconError(self.source, _render(path), message)

    def lexicon(self, data: object) -> Lexicon:
        top = self.mapping(data, ())
        self.only_keys(top, (), {"name", "language", "description", "categories"})
        name = self.string(top.get("name"), ("name",))
        if not _ENTRY_ID.match(name):
            raise self.fail(("name",), "must be letters, digits, '.', '_', ':' or '-'")
        language = self.string(top.get("language", "und"), ("language",))
        self.string(top.get("description", ""), ("description",), allow_empty=True)
        cats = self.mapping(top.get("categories"), ("categories",))
        if not cats:
            raise self.fail(("categories",), "at least one category is required")
        categories: list[Category] = []
        entries: list[LexiconEntry] = []
        seen_ids: set[str] = set()
        for cat_name, cat_data in cats.items():
            base: tuple[str | int, ...] = ("categories", str(cat_name))
            if not isinstance(cat_name, str) or not _CATEGORY_NAME.match(cat_name):
                raise self.fail(base, "category names are lowercase letters, digits and '_'")
            cat = self.mapping(cat_data, base)
            self.only_keys(cat, base, {"description", "default_weight", "entries"})
            description = self.string(
                cat.get("description", ""), (*base, "description"), allow_empty=True
            )
            default_weight = self.weight(cat.get("default_weight", 1), (*base, "default_weight"))
            raw_entries = cat.get("entries")
            if not isinstance(raw_entries, list) or not raw_entries:
                raise self.fail((*base, "entries"), "must be a non-empty list")
            categories.append(Category(cat_name, description))
            for index, raw in enumerate(raw_entries):
                entry = self.entry(
                    raw, (*base, "entries", index), f"{name}.{cat_name}.{index + 1}", default_weight
                )
                if entry.id in seen_ids:
                    raise self.fail((*base, "entries", index), f"duplicate entry id {entry.id!r}")
                seen_ids.add(entry.id)
                entries.append(entry)
        return Lexicon(name, self.source, language, tuple(categories), tuple(entries))

    def entry(
        self,
        raw: object,
        path: tuple[str | int, ...],
        entry_id: str,
        default_weight: float,
    ) -> LexiconEntry:
        category = str(path[1])
        weight = default_weight
        if isinstance(raw, str):
            phrase = raw
        else:
            fields = self.mapping(raw, path)
            self.only_keys(fields, path, {"id", "phrase", "weight"})
            phrase = self.string(fields.get("phrase"), (*path, "phrase"))
            if "weight" in fields:
                weight = self.weight(fields["weight"], (*path, "weight"))
            if "id" in fields:
                entry_id = self.string(fields["id"], (*path, "id"))
                if not _ENTRY_ID.match(entry_id):
                    raise self.fail((*path, "id"), "ids are letters, digits, '.', '_', ':', '-'")
        words = self.words(phrase, path)
        return LexiconEntry(entry_id, category, weight, words)

    def words(self, phrase: str, path: tuple[str | int, ...]) -> tuple[EntryWord, ...]:
        words: list[EntryWord] = []
        for part in phrase.split():
            if part == _WILDCARD:
                words.append(EntryWord(_WILDCARD))
                continue
            stem = part.endswith(_WILDCARD)
            tokens = word_tokens(part.rstrip(_WILDCARD))
            if not tokens:
                raise self.fail(path, "entry has a word with no letters or digits")
            words.extend(EntryWord(t) for t in tokens[:-1])
            if stem and len(tokens[-1]) < _MIN_STEM:
                raise self.fail(path, f"a stem needs at least {_MIN_STEM} letters before '*'")
            words.append(EntryWord(tokens[-1], stem=stem))
        if not words:
            raise self.fail(path, "entry is empty")
        if words[0].wildcard or words[-1].wildcard:
            raise self.fail(path, "'*' as a word may only stand between two words")
        return tuple(words)

    def mapping(self, value: object, path: Sequence[str | int]) -> dict[object, object]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a mapping")
        return value

    def only_keys(
        self, value: Mapping[object, object], path: Sequence[str | int], allowed: set[str]
    ) -> None:
        for key in value:
            if key not in allowed:
                raise self.fail(
                    (*path, str(key)), f"unknown key; allowed: {', '.join(sorted(allowed))}"
                )

    def string(self, value: object, path: Sequence[str | int], *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(
                path, "must be a non-empty string" if not allow_empty else "must be a string"
            )
        return value

    def weight(self, value: object, path: Sequence[str | int]) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, "must be a number")
        if not 0 < value <= _MAX_WEIGHT:
            raise self.fail(path, f"must be greater than 0 and at most {_MAX_WEIGHT:g}")
        return float(value)


def _render(path: Sequence[str | int]) -> str:
    rendered = ""
    for part in path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else part
    return rendered or "(top level)"


# --- matching ----------------------------------------------------------------


class LexiconMatcher:
    """Finds lexicon entries in text. Built once per configuration; immutable after.

    One Aho-Corasick automaton holds the first word of every entry, squeezed
    (see ``normalize.squeeze``): ``" word "`` for a whole word, ``" stem"`` for a
    stem. It runs once over the message's squeezed tokens joined by spaces, so
    the words of a message are never looped over in Python; only where a first
    word is found are the entry's words checked one by one.
    """

    def __init__(self, lexicons: Iterable[Lexicon]) -> None:
        exact: dict[str, list[LexiconEntry]] = {}
        stems: dict[str, list[LexiconEntry]] = {}
        categories: dict[str, Category] = {}
        seen: dict[str, str] = {}
        for lexicon in lexicons:
            for category in lexicon.categories:
                categories.setdefault(category.name, category)
            for entry in lexicon.entries:
                if entry.id in seen:
                    raise LexiconError(
                        lexicon.source, entry.id, f"entry id already used in {seen[entry.id]}"
                    )
                seen[entry.id] = lexicon.source
                first = entry.words[0]
                index = stems if first.stem else exact
                index.setdefault(squeeze(first.text), []).append(entry)
        self._automaton = ahocorasick.Automaton()
        # At one position the old token-by-token matcher tried whole words first,
        # then stems from the shortest: `rank` keeps that order for the hits.
        for word, entries in exact.items():
            key = f" {word} "
            self._automaton.add_word(key, (0, len(key), tuple(entries)))
        for stem, entries in stems.items():
            key = f" {stem}"
            self._automaton.add_word(key, (len(stem), len(key), tuple(entries)))
        self._automaton.make_automaton()
        self._empty = not exact and not stems
        self.categories: tuple[Category, ...] = tuple(categories.values())

    @property
    def category_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.categories)

    def scores(self, text: str) -> dict[str, float]:
        """Score per category found in the text (weight x count, summed)."""
        return score(self.match(text))

    def match(self, text: str) -> tuple[LexiconHit, ...]:
        """Every entry found in ``text``, with how many times it was found."""
        joined = joined_tokens(text)
        if not joined or self._empty:
            return ()
        tokens = joined.split(" ")
        return self._match(tokens, squeeze(joined))

    def match_tokens(self, tokens: Sequence[str]) -> tuple[LexiconHit, ...]:
        if not tokens or self._empty:
            return ()
        return self._match(tokens, " ".join(squeeze(t) for t in tokens))

    def _match(self, tokens: Sequence[str], squeezed: str) -> tuple[LexiconHit, ...]:
        # `squeeze` never merges across a space, so token i of `squeezed` starts
        # at starts[i] in " " + squeezed + " ".
        candidates = list(self._automaton.iter(f" {squeezed} "))
        if not candidates:  # most mail: no token starts an entry
            return ()
        starts = list(accumulate((len(t) + 1 for t in squeezed.split(" ")), initial=1))
        found: list[tuple[int, int, int, LexiconEntry]] = []
        for end, (rank, key_length, entries) in candidates:
            position = bisect_left(starts, end - key_length + 2)
            for order, entry in enumerate(entries):
                if _matches_at(entry.words, tokens, position):
                    found.append((position, rank, order, entry))
        counts: Counter[str] = Counter()
        by_id: dict[str, LexiconEntry] = {}
        for _, _, _, entry in sorted(found, key=lambda hit: hit[:3]):
            counts[entry.id] += 1
            by_id[entry.id] = entry
        return tuple(
            LexiconHit(by_id[i].category, i, by_id[i].weight, n) for i, n in counts.items()
        )


def _matches_at(words: tuple[EntryWord, ...], tokens: Sequence[str], position: int) -> bool:
    if position + len(words) > len(tokens):
        return False
    return all(
        word.wildcard or _word_matches(word, tokens[position + offset])
        for offset, word in enumerate(words)
    )


def _word_matches(word: EntryWord, token: str) -> bool:
    if word.stem:
        if not squeeze(token).startswith(squeeze(word.text)):
            return False
    elif squeeze(token) != squeeze(word.text):
        return False
    return stretches(token, word.text, prefix=word.stem)


def score(
    hits: Iterable[LexiconHit], *, max_count_per_entry: int | None = None
) -> dict[str, float]:
    """Sum of weight x count per category.

    ``max_count_per_entry`` caps how often one entry counts, so a message that
    quotes one word fifty times does not outweigh one with several different hits.
    """
    totals: dict[str, float] = {}
    for hit in hits:
        count = hit.count if max_count_per_entry is None else min(hit.count, max_count_per_entry)
        totals[hit.category] = totals.get(hit.category, 0.0) + hit.weight * count
    return totals
